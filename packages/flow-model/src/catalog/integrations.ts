import { z } from 'zod';
import { t } from '../value-type';
import { bindable, defineNodeType } from './types';

export const sendEmailNode = defineNodeType({
  type: 'send_email',
  label: 'Send email',
  category: 'integrations',
  icon: '✉️',
  description: 'Sends an email through the project mail settings.',
  configSchema: z
    .object({
      // One address, or several (a binding may produce a list).
      to: z.union([z.string().min(1, 'Enter a recipient'), z.array(z.string().min(1)).min(1, 'Enter a recipient')]),
      subject: z.string().min(1, 'Enter a subject'),
      text: z.string().optional(),
      html: z.string().optional(),
      /** Sender; the project's mail settings (or TILLFLOW_MAIL_FROM) when empty. */
      from: z.string().optional(),
    })
    .refine((c) => c.text || c.html, { message: 'Enter a text or HTML body', path: ['text'] }),
  outputs: ['next'],
  outputShape: () => t.object({ messageId: t.string, accepted: t.array(t.string), delivered: t.boolean }),
  fieldTypes: () => ({ to: t.string, subject: t.string, text: t.string, html: t.string }),
  summary: (c) => `Email ${Array.isArray(c.to) ? c.to.join(', ') : c.to}: ${c.subject}`,
});

export const httpRequestNode = defineNodeType({
  type: 'http_request',
  label: 'HTTP request',
  category: 'integrations',
  icon: '🌐',
  description: 'Calls an external HTTP API.',
  configSchema: z.object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    url: z
      .string()
      .min(1, 'Enter a URL')
      .refine((u) => u.includes('{{') || isHttpUrl(u), 'The URL must start with http:// or https://'),
    // A header bound to a number or boolean is sent as its text.
    headers: z.record(z.string(), z.coerce.string()).default({}),
    body: z.unknown().optional(),
    timeoutMs: bindable(z.number().int().min(1).max(60_000)).default(10_000),
  }),
  outputs: ['next'],
  outputShape: () => t.object({ status: t.number, body: t.any }),
  fieldTypes: () => ({ url: t.string, timeoutMs: t.number }),
  summary: (c) => `${c.method} ${c.url}`,
});

/** An absolute http(s) URL with a host (what the HTTP node can call once bindings are filled in). */
export function isHttpUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    return new URL(value).hostname !== '';
  } catch {
    return false;
  }
}

// The operations a flow may call: read most things, create/update the few payment flows need.
export const stripeOperations = [
  'customers.create',
  'customers.retrieve',
  'customers.update',
  'paymentIntents.create',
  'paymentIntents.retrieve',
  'charges.retrieve',
  'subscriptions.retrieve',
  'subscriptions.cancel',
  'subscriptions.update',
  'refunds.create',
  'refunds.retrieve',
  'invoices.retrieve',
  'checkout.sessions.retrieve',
] as const;
export type StripeOperation = (typeof stripeOperations)[number];

export const stripeApiCallNode = defineNodeType({
  type: 'stripe_api_call',
  label: 'Stripe API call',
  category: 'payments',
  icon: '🟣',
  description: 'Calls one Stripe API operation with an idempotency key derived from the run.',
  configSchema: z.object({
    operation: z.enum(stripeOperations, { message: `Choose one of: ${stripeOperations.join(', ')}` }),
    params: z.record(z.string(), z.unknown()).default({}),
  }),
  outputs: ['next'],
  outputShape: () => t.object({ id: t.string, object: t.string, status: t.string, metadata: t.object({}, true) }, true),
  summary: (c) => `Stripe ${c.operation}`,
});
