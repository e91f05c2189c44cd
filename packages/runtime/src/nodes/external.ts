import { NonRetriableError } from '@tillflow/core';
import { checkStripeParams, type OutputOf, stripeApiOperation } from '@tillflow/flow-model';
import type Stripe from 'stripe';
import type { ExecutorOf } from '../registry';

// Nodes that reach outside: at least once (a retry after a crash repeats the
// call), so each carries an idempotency key stable across retries. Refusals by the
// egress guard are permanent (retrying cannot open a blocked address).

export const httpRequestNode: ExecutorOf<'http_request'> = {
  effect: 'external',
  async execute(ctx) {
    const c = ctx.config;
    const timeoutMs = Number(c.timeoutMs);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000)
      throw new NonRetriableError(`The timeout must be 1 to 60000 ms, not ${c.timeoutMs}.`);
    const headers: Record<string, string> = { 'idempotency-key': ctx.idempotencyKey, ...c.headers };
    let body: string | undefined;
    if (c.body !== undefined && c.body !== null && c.method !== 'GET') {
      body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
      if (typeof c.body !== 'string') headers['content-type'] ??= 'application/json';
    }
    // Through the egress guard: the URL's host is resolved and checked (no loopback,
    // private or metadata addresses unless the operator opened them), the socket goes to
    // the checked address, each redirect is checked again, the response is capped.
    const response = await ctx.egress.fetch(c.url, { method: c.method, headers, body, timeoutMs });
    const text = response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    if (!response.ok) {
      const message = `HTTP ${response.status} from ${new URL(c.url).host}`;
      // Client errors will not heal on retry; server errors and 429 may.
      if (response.status >= 400 && response.status < 500 && response.status !== 429 && response.status !== 408)
        throw new NonRetriableError(message);
      throw new Error(message);
    }
    return { status: response.status, body: parsed };
  },
};

/** Same Message-ID on every retry of a step, so receiving systems can drop a repeat. */
export function emailMessageId(idempotencyKey: string): string {
  return `<${idempotencyKey.replace(/:/g, '.')}@tillflow.local>`;
}

/**
 * Writes the email to the project's outbox in the step's transaction (effect 'database': the message and
 * the step record commit together, so a retried run never records a second one). The mail package's
 * dispatcher delivers it over the project's SMTP; without SMTP it is the studio mailbox's message.
 */
export const sendEmailNode: ExecutorOf<'send_email'> = {
  effect: 'database',
  async execute(ctx) {
    const c = ctx.config;
    const queued = await ctx.services.mailer(ctx.tx, ctx.projectId, {
      to: c.to,
      subject: c.subject,
      text: c.text,
      html: c.html,
      from: c.from,
      messageId: emailMessageId(ctx.idempotencyKey),
    });
    return { messageId: queued.messageId, accepted: Array.isArray(c.to) ? c.to : [c.to], delivered: false };
  },
};

/** Stripe's query-string form of parameters (`created[gte]=1&ids[0]=a`), for reads. */
function stripeQuery(params: Record<string, unknown>): string {
  const pairs: string[] = [];
  const add = (key: string, value: unknown) => {
    if (value === undefined) return;
    if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
      return;
    }
    pairs.push(
      `${encodeURIComponent(key).replace(/%5B/g, '[').replace(/%5D/g, ']')}=${encodeURIComponent(String(value ?? ''))}`,
    );
  };
  for (const [k, v] of Object.entries(params)) add(k, v);
  return pairs.length ? `?${pairs.join('&')}` : '';
}

/**
 * One operation of Stripe's API as the catalog describes it (generated from Stripe's description): its parameters
 * are checked in words first, then it is called through the project's Stripe client (`rawRequest`: the same keys,
 * version, retries and egress as every other call), with the run's idempotency key on writes.
 */
async function callStripe(
  stripe: Stripe,
  operationId: string,
  params: Record<string, unknown>,
  idempotencyKey: string,
) {
  const problems = checkStripeParams(operationId, params, true);
  if (problems.length) throw new NonRetriableError(problems.map((p) => p.message).join(' '));
  const op = stripeApiOperation(operationId)!;
  const { id, ...rest } = params;
  const path = op.path.replace(/\{[^}]+\}/, encodeURIComponent(String(id)));
  if (op.method === 'GET') return stripe.rawRequest('GET', `${path}${stripeQuery(rest)}`);
  return stripe.rawRequest(op.method, path, op.method === 'POST' ? rest : undefined, { idempotencyKey });
}

export const stripeApiCallNode: ExecutorOf<'stripe_api_call'> = {
  effect: 'external',
  async execute(ctx) {
    const c = ctx.config;
    const stripe = await ctx.services.stripe(ctx.tx, ctx.projectId);
    try {
      // A Stripe object: open, with the fields the catalog names where the object has them.
      const result = await callStripe(stripe, c.operation, c.params, ctx.idempotencyKey);
      return result as OutputOf<'stripe_api_call'>;
    } catch (error) {
      const e = error as { statusCode?: number; message?: string };
      if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 429)
        throw new NonRetriableError(`Stripe: ${e.message}`);
      throw error;
    }
  },
};
