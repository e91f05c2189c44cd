import { type EgressGuard, NonRetriableError, setting } from '@tillflow/core';
import type { DbHandle, Executor } from '@tillflow/db';
import { createTransport, type Transporter } from 'nodemailer';
import type Stripe from 'stripe';
import { z } from 'zod';
import type { NodeExecutor } from '../registry';
import { parseNodeConfig } from './data';

// Nodes that reach outside: at least once (a retry after a crash repeats the
// call), so each carries an idempotency key stable across retries. Refusals by the
// egress guard are permanent (retrying cannot open a blocked address).

const httpConfig = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
  url: z.string().url(),
  headers: z.record(z.string(), z.coerce.string()).default({}),
  body: z.unknown().optional(),
  timeoutMs: z.coerce.number().int().positive().max(60_000).default(10_000),
});

export const httpRequestNode: NodeExecutor = {
  effect: 'external',
  async execute(ctx) {
    const c = parseNodeConfig(httpConfig, ctx.config, 'HTTP request');
    const headers: Record<string, string> = { 'idempotency-key': ctx.idempotencyKey, ...c.headers };
    let body: string | undefined;
    if (c.body !== undefined && c.body !== null && c.method !== 'GET') {
      body = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
      if (typeof c.body !== 'string') headers['content-type'] ??= 'application/json';
    }
    // Through the egress guard: the URL's host is resolved and checked (no loopback,
    // private or metadata addresses unless the operator opened them), the socket goes to
    // the checked address, each redirect is checked again, the response is capped.
    const response = await ctx.egress.fetch(c.url, { method: c.method, headers, body, timeoutMs: c.timeoutMs });
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

/** The send-email node's config (the mail package's outbox node parses the same). */
export const emailConfig = z.object({
  to: z.union([z.string().min(3), z.array(z.string().min(3))]),
  subject: z.string().default(''),
  text: z.string().optional(),
  html: z.string().optional(),
  from: z.string().optional(),
});

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

export const sendEmailNode: NodeExecutor = {
  effect: 'external',
  async execute(ctx) {
    const c = parseNodeConfig(emailConfig, ctx.config, 'send email');
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
        messageId: sent.messageId,
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

// The operations a flow may call: read most things, create/cancel the few payment flows need.
const STRIPE_OPERATIONS = {
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
} as const;
export const STRIPE_NODE_OPERATIONS = Object.keys(STRIPE_OPERATIONS) as (keyof typeof STRIPE_OPERATIONS)[];

function without(params: { id?: string }) {
  const { id: _id, ...rest } = params;
  return rest;
}

const stripeConfig = z.object({
  operation: z.enum(STRIPE_NODE_OPERATIONS as [string, ...string[]]),
  params: z.record(z.string(), z.unknown()).default({}),
});

export const stripeApiCallNode: NodeExecutor = {
  effect: 'external',
  async execute(ctx) {
    const c = parseNodeConfig(stripeConfig, ctx.config, 'Stripe API call');
    if (!stripeFactory) throw new Error('Stripe is not configured for flows (payments module not loaded).');
    const stripe = await stripeFactory(ctx.tx, ctx.projectId);
    const call = STRIPE_OPERATIONS[c.operation as keyof typeof STRIPE_OPERATIONS];
    try {
      return await call(stripe, c.params, { idempotencyKey: ctx.idempotencyKey });
    } catch (error) {
      const e = error as { statusCode?: number; message?: string };
      if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500 && e.statusCode !== 429)
        throw new NonRetriableError(`Stripe: ${e.message}`);
      throw error;
    }
  },
};
