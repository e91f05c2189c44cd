import { z } from 'zod';
import {
  checkStripeParams,
  stripeApiOperation,
  stripeApiOperations,
  stripeOperationOutput,
  stripeOperationTitle,
} from '../stripe-api';
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

// The operations a flow may call: generated from Stripe's description (stripe-api.ts), never listed by hand.
export const stripeOperations = stripeApiOperations.map((op) => op.id) as [string, ...string[]];
export type StripeOperation = string;

export const stripeApiCallNode = defineNodeType({
  type: 'stripe_api_call',
  label: 'Stripe API call',
  category: 'payments',
  icon: '🟣',
  description:
    'Calls one Stripe API operation (create, get, update, list, search or delete customers, payments, subscriptions, …) with an idempotency key derived from the run.',
  configSchema: z
    .object({
      operation: z.enum(stripeOperations, { message: 'Choose a Stripe operation.' }),
      params: z.record(z.string(), z.unknown()).default({}),
    })
    .superRefine((config, ctx) => {
      // Unknown or missing parameters and literals of the wrong type, in words (bindings are checked when run).
      for (const problem of checkStripeParams(config.operation, config.params))
        if (problem.field !== 'operation')
          ctx.addIssue({
            code: 'custom',
            message: problem.message,
            path: problem.field.split('.'),
            params: { named: true },
          });
    }),
  outputs: ['next'],
  outputShape: (c) => stripeOperationOutput(c.operation),
  summary: (c) => {
    const op = stripeApiOperation(c.operation);
    return op ? `Stripe: ${stripeOperationTitle(op)}` : `Stripe ${c.operation}`;
  },
});
