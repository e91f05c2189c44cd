import { type EgressGuard, NonRetriableError, setting } from '@tillflow/core';
import type { DbHandle, Executor } from '@tillflow/db';
import type { OutputOf, StripeOperation } from '@tillflow/flow-model';
import { createTransport, type Transporter } from 'nodemailer';
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

let transporter: Transporter | null = null;
/** SMTP from TILLFLOW_SMTP_URL (smtp://user:pass@host:port); without it, emails are only rendered (logged as sent). */
function mailer(): Transporter {
  const smtpUrl = setting('TILLFLOW_SMTP_URL');
  transporter ??= smtpUrl ? createTransport(smtpUrl) : createTransport({ jsonTransport: true });
  return transporter;
}

/** The project's mailer (SMTP settings or the captured mailbox); the mail package provides it at start-up. */
export type MailSender = (
  handle: DbHandle,
  projectId: number,
  message: { to: string | string[]; subject: string; text?: string; html?: string; from?: string; messageId: string },
  /** The run's egress guard: the project's SMTP host is a builder's choice. */
  egress: EgressGuard,
) => Promise<{ messageId: string | null; status: string }>;
let mailSender: MailSender | null = null;
export function setMailSender(sender: MailSender): void {
  mailSender = sender;
}

/** Same Message-ID on every retry of a step, so receiving systems can drop a repeat. */
export function emailMessageId(idempotencyKey: string): string {
  return `<${idempotencyKey.replace(/:/g, '.')}@tillflow.local>`;
}

export const sendEmailNode: ExecutorOf<'send_email'> = {
  effect: 'external',
  async execute(ctx) {
    const c = ctx.config;
    const messageId = emailMessageId(ctx.idempotencyKey);
    if (mailSender) {
      const sent = await mailSender(
        ctx.handle,
        ctx.projectId,
        {
          to: c.to,
          subject: c.subject,
          text: c.text,
          html: c.html,
          from: c.from,
          messageId,
        },
        ctx.egress,
      );
      return {
        messageId: sent.messageId ?? messageId,
        accepted: Array.isArray(c.to) ? c.to : [c.to],
        delivered: sent.status === 'sent',
      };
    }
    const info = await mailer().sendMail({
      from: c.from ?? setting('TILLFLOW_MAIL_FROM'),
      to: c.to,
      subject: c.subject,
      text: c.text,
      html: c.html,
      messageId,
    });
    return {
      messageId: info.messageId,
      accepted: (info.accepted ?? []).map(String),
      delivered: !!setting('TILLFLOW_SMTP_URL'),
    };
  },
};

/** The Stripe client for a project; the payments module provides it (keys live there). */
export type StripeClientFactory = (db: Executor, projectId: number) => Promise<Stripe>;
let stripeFactory: StripeClientFactory | null = null;
export function setStripeClientFactory(factory: StripeClientFactory): void {
  stripeFactory = factory;
}

type Call = (s: Stripe, p: any, o: Stripe.RequestOptions) => Promise<unknown>;
// Every operation the catalog lets a flow call (a missing or extra one is a compile error).
const STRIPE_OPERATIONS: Record<StripeOperation, Call> = {
  'customers.create': (s: Stripe, p: any, o: Stripe.RequestOptions) => s.customers.create(p, o),
  'customers.retrieve': (s: Stripe, p: any) => s.customers.retrieve(p.id),
  'customers.update': (s: Stripe, p: any, o: Stripe.RequestOptions) => s.customers.update(p.id, without(p), o),
  'paymentIntents.retrieve': (s: Stripe, p: any) => s.paymentIntents.retrieve(p.id),
  'paymentIntents.create': (s: Stripe, p: any, o: Stripe.RequestOptions) => s.paymentIntents.create(p, o),
  'refunds.create': (s: Stripe, p: any, o: Stripe.RequestOptions) => s.refunds.create(p, o),
  'refunds.retrieve': (s: Stripe, p: any) => s.refunds.retrieve(p.id),
  'subscriptions.retrieve': (s: Stripe, p: any) => s.subscriptions.retrieve(p.id),
  'subscriptions.cancel': (s: Stripe, p: any, o: Stripe.RequestOptions) => s.subscriptions.cancel(p.id, without(p), o),
  'subscriptions.update': (s: Stripe, p: any, o: Stripe.RequestOptions) => s.subscriptions.update(p.id, without(p), o),
  'checkout.sessions.retrieve': (s: Stripe, p: any) => s.checkout.sessions.retrieve(p.id),
  'invoices.retrieve': (s: Stripe, p: any) => s.invoices.retrieve(p.id),
  'charges.retrieve': (s: Stripe, p: any) => s.charges.retrieve(p.id),
};

function without(params: { id?: string }) {
  const { id: _id, ...rest } = params;
  return rest;
}

export const stripeApiCallNode: ExecutorOf<'stripe_api_call'> = {
  effect: 'external',
  async execute(ctx) {
    const c = ctx.config;
    if (!stripeFactory) throw new Error('Stripe is not configured for flows (payments module not loaded).');
    const stripe = await stripeFactory(ctx.tx, ctx.projectId);
    try {
      // A Stripe object: open, with the fields the catalog names where the object has them.
      const result = await STRIPE_OPERATIONS[c.operation](stripe, c.params, { idempotencyKey: ctx.idempotencyKey });
      return result as OutputOf<'stripe_api_call'>;
    } catch (error) {
      const e = error as { statusCode?: number; message?: string };
      if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 429)
        throw new NonRetriableError(`Stripe: ${e.message}`);
      throw error;
    }
  },
};
