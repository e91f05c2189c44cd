import { publicUrl } from '@tillflow/core';
import { flows, webhookEndpoints } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { PaymentServices } from './stripe-accounts';

// After keys are saved, the builder reads what the Stripe account behind them now holds: every webhook
// endpoint on it, what it listens to, and whether its events reach this Tillflow (and this project), in words.

const EVENT_WORDS: Record<string, string> = {
  'checkout.session.completed': 'checkout completed',
  'checkout.session.expired': 'checkout expired',
  'checkout.session.async_payment_succeeded': 'delayed payment succeeded',
  'checkout.session.async_payment_failed': 'delayed payment failed',
  'payment_intent.succeeded': 'payment succeeded',
  'payment_intent.payment_failed': 'payment failed',
  'payment_intent.canceled': 'payment canceled',
  'charge.refunded': 'charge refunded',
  'charge.refund.updated': 'refund changed',
  'refund.created': 'refund made',
  'refund.updated': 'refund changed',
  'refund.failed': 'refund failed',
  'charge.dispute.created': 'dispute opened',
  'charge.dispute.updated': 'dispute changed',
  'charge.dispute.closed': 'dispute closed',
  'customer.subscription.created': 'subscription started',
  'customer.subscription.updated': 'subscription changed',
  'customer.subscription.deleted': 'subscription ended',
  'customer.subscription.paused': 'subscription paused',
  'customer.subscription.resumed': 'subscription resumed',
  'invoice.paid': 'invoice paid',
  'invoice.payment_succeeded': 'invoice paid',
  'invoice.payment_failed': 'invoice payment failed',
  '*': 'every event',
};

/** An event type as a person reads it: `invoice.payment_failed` → "invoice payment failed". */
export const eventInWords = (type: string) => EVENT_WORDS[type] ?? type.replace(/[._]/g, ' ');

const PURPOSE_WORDS: Record<string, string> = {
  StripePayment: 'payments (the “Payment updates” automation)',
  StripeRefund: 'refunds (the “Refund updates” automation)',
  StripeRecurringPaymentManagement: 'subscriptions (the “Subscription updates” automation)',
  StripeRecurringPaymentDeduction: 'renewal charges (the “Renewal payments” automation)',
  StripeDispute: 'disputes (the “Dispute updates” automation)',
};

export interface AccountEndpoint {
  stripeEndpointId: string;
  url: string;
  /** Stripe's event types, and the same in words. */
  events: string[];
  eventsInWords: string[];
  enabled: boolean;
  /** This project's own endpoint (for a system flow or one of the builder's flows), or someone else's. */
  ours: boolean;
  /** Stripe posts to this install (its PUBLIC_URL) at an endpoint of this project. */
  reachesThisProject: boolean;
  /** One sentence for the builder. */
  summary: string;
}

export interface AccountEndpointReport {
  endpoints: AccountEndpoint[];
  /** This project's endpoints that the account does not have (Repair registers them again). */
  missing: { purpose: string; summary: string }[];
  /** Why the account could not be read, when it could not. */
  error?: string;
}

const listWords = (words: string[]) => {
  const unique = [...new Set(words)];
  return unique.length <= 1 ? (unique[0] ?? 'no events') : `${unique.slice(0, -1).join(', ')} and ${unique.at(-1)}`;
};

/** Every webhook endpoint on the project's Stripe account, and whether it reaches this install. */
export async function accountEndpointReport(
  services: PaymentServices,
  projectId: number,
): Promise<AccountEndpointReport> {
  const rows = await services.database.db
    .select({
      id: webhookEndpoints.id,
      purpose: webhookEndpoints.purpose,
      stripeEndpointId: webhookEndpoints.stripeEndpointId,
      flowName: flows.name,
    })
    .from(webhookEndpoints)
    .leftJoin(flows, eq(flows.id, webhookEndpoints.flowId))
    .where(eq(webhookEndpoints.projectId, projectId));
  const purposeOf = (row: (typeof rows)[number]) =>
    PURPOSE_WORDS[row.purpose] ?? (row.flowName ? `your automation “${row.flowName}”` : 'one of your automations');
  let remote: Stripe.WebhookEndpoint[];
  try {
    const { stripe } = await services.stripeAccounts.forProject(services.database.db, projectId);
    remote = [];
    for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) remote.push(endpoint);
  } catch (error) {
    return {
      endpoints: [],
      missing: [],
      error: `The Stripe account's endpoints could not be read: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const hooks = `${publicUrl()}/api/hooks/stripe/`;
  const endpoints = remote.map((endpoint): AccountEndpoint => {
    const events = [...endpoint.enabled_events];
    const eventsInWords = [...new Set(events.map(eventInWords))];
    const enabled = endpoint.status === 'enabled';
    const mine = rows.find((r) => r.stripeEndpointId === endpoint.id);
    const target = endpoint.url.startsWith(hooks) ? endpoint.url.slice(hooks.length) : null;
    const atProjectRow = target !== null && rows.find((r) => r.id === target);
    const reachesThisProject = Boolean(atProjectRow) && enabled;
    const listens = `listens to ${listWords(eventsInWords)}`;
    let summary: string;
    if (atProjectRow && !enabled)
      summary = `Ours, for ${purposeOf(atProjectRow)}, but turned off in Stripe: nothing reaches this project until it is repaired.`;
    else if (atProjectRow) summary = `Ours, for ${purposeOf(atProjectRow)}: ${listens} and reaches this project.`;
    else if (target !== null)
      summary = `Points at this Tillflow but at no endpoint of this project (an old or another project's address): ${listens}, and its events are refused here.`;
    else
      summary = `Not ours (${new URL(endpoint.url).host}): ${listens} and sends them elsewhere, not to this Tillflow.`;
    return {
      stripeEndpointId: endpoint.id,
      url: endpoint.url,
      events,
      eventsInWords,
      enabled,
      ours: Boolean(mine) || Boolean(atProjectRow),
      reachesThisProject,
      summary,
    };
  });
  const present = new Set(remote.map((r) => r.id));
  const missing = rows
    .filter((r) => !r.stripeEndpointId || !present.has(r.stripeEndpointId))
    .map((r) => ({
      purpose: r.purpose,
      summary: `Missing on this account: the endpoint for ${purposeOf(r)}. Stripe sends it nothing; press Repair endpoints.`,
    }));
  return { endpoints, missing };
}
