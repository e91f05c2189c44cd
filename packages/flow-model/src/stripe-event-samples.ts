// Sample events for test runs. Every event type gets one built from its object's schema in Stripe's description
// (generated/stripe-events.ts): each field a value of its type, the status named by the event where the object has
// one. The objects the built-in automations read get realistic values laid over that (below), so a test run of a
// payment flow shows an order id and an email rather than placeholders.
import { STRIPE_EVENT_OBJECT } from './generated/stripe-events';
import { STRIPE_OBJECT_TYPES as STRIPE_EVENT_OBJECT_TYPES } from './generated/stripe-objects';
import type { ValueType } from './value-type';

const sampleObjects: Record<string, Record<string, unknown>> = {
  'checkout.session': {
    id: 'cs_test_a1B2c3',
    object: 'checkout.session',
    amount_total: 4999,
    amount_subtotal: 4999,
    currency: 'usd',
    customer: 'cus_Q1w2E3r4',
    customer_email: 'jane@example.com',
    payment_intent: 'pi_3Q1w2E3r4',
    subscription: null,
    mode: 'payment',
    payment_status: 'paid',
    status: 'complete',
    client_reference_id: '42',
    metadata: { order_id: '42' },
    created: 1763880000,
  },
  payment_intent: {
    id: 'pi_3Q1w2E3r4',
    object: 'payment_intent',
    amount: 4999,
    amount_received: 4999,
    currency: 'usd',
    customer: 'cus_Q1w2E3r4',
    status: 'succeeded',
    latest_charge: 'ch_3Q1w2E3r4',
    description: 'Order #42',
    receipt_email: 'jane@example.com',
    last_payment_error: null,
    metadata: { order_id: '42' },
    created: 1763880000,
  },
  charge: {
    id: 'ch_3Q1w2E3r4',
    object: 'charge',
    amount: 4999,
    amount_captured: 4999,
    amount_refunded: 0,
    currency: 'usd',
    customer: 'cus_Q1w2E3r4',
    payment_intent: 'pi_3Q1w2E3r4',
    status: 'succeeded',
    paid: true,
    refunded: false,
    failure_code: null,
    failure_message: null,
    receipt_email: 'jane@example.com',
    billing_details: { email: 'jane@example.com', name: 'Jane Doe' },
    metadata: { order_id: '42' },
    created: 1763880000,
  },
  refund: {
    id: 're_3Q1w2E3r4',
    object: 'refund',
    amount: 4999,
    currency: 'usd',
    charge: 'ch_3Q1w2E3r4',
    payment_intent: 'pi_3Q1w2E3r4',
    status: 'succeeded',
    reason: 'requested_by_customer',
    metadata: { order_id: '42', refund_id: '7' },
    created: 1763883600,
  },
  dispute: {
    id: 'dp_1Q1w2E3r4',
    object: 'dispute',
    amount: 4999,
    currency: 'usd',
    charge: 'ch_3Q1w2E3r4',
    payment_intent: 'pi_3Q1w2E3r4',
    reason: 'fraudulent',
    status: 'needs_response',
    metadata: {},
    created: 1763890000,
  },
  subscription: {
    id: 'sub_1Q1w2E3r4',
    object: 'subscription',
    customer: 'cus_Q1w2E3r4',
    status: 'active',
    cancel_at_period_end: false,
    canceled_at: null,
    current_period_start: 1763880000,
    current_period_end: 1766472000,
    latest_invoice: 'in_1Q1w2E3r4',
    items: { data: [{ id: 'si_1', price: { id: 'price_1', unit_amount: 1500, currency: 'usd' }, quantity: 1 }] },
    metadata: { order_id: '42' },
    created: 1763880000,
  },
  invoice: {
    id: 'in_1Q1w2E3r4',
    object: 'invoice',
    amount_due: 1500,
    amount_paid: 1500,
    amount_remaining: 0,
    currency: 'usd',
    customer: 'cus_Q1w2E3r4',
    customer_email: 'jane@example.com',
    subscription: 'sub_1Q1w2E3r4',
    status: 'paid',
    billing_reason: 'subscription_cycle',
    hosted_invoice_url: 'https://invoice.stripe.com/i/acct_1/test',
    attempt_count: 1,
    metadata: { order_id: '42' },
    created: 1766472000,
  },
};

const SAMPLE_TIME = 1763880000;

/** A value of a binding type, for a field of this name. */
function sampleValue(type: ValueType, field: string, objectName: string): unknown {
  switch (type.kind) {
    case 'string':
      if (field === 'id') return `${objectName.replace(/\./g, '_')}_sample`;
      if (field === 'currency') return 'usd';
      if (/email/.test(field)) return 'jane@example.com';
      if (/url$/.test(field)) return 'https://example.com';
      if (field === 'name') return 'Jane Doe';
      return 'sample';
    case 'number':
      if (field === 'created' || /_at$|^date$|period_(start|end)$/.test(field)) return SAMPLE_TIME;
      return /amount|total|price/.test(field) ? 1000 : 1;
    case 'boolean':
      return false;
    case 'enum':
      return type.values[0] ?? null;
    case 'array':
      return [];
    case 'object': {
      if (type.fields.object?.kind === 'enum' && type.fields.object.values[0] === 'list')
        return { object: 'list', data: [], has_more: false, url: '/v1/sample' };
      const out: Record<string, unknown> = {};
      for (const [name, fieldType] of Object.entries(type.fields)) out[name] = sampleValue(fieldType, name, objectName);
      return out;
    }
    default:
      return null;
  }
}

/** The status an event names, when its object's statuses include it (`invoice.voided` → `void`, `…canceled`). */
function statusOfAction(type: ValueType | undefined, action: string): string | undefined {
  const status = type?.kind === 'object' ? type.fields.status : undefined;
  if (status?.kind !== 'enum') return undefined;
  const candidates = [action, action.replace(/^payment_/, ''), action.replace(/ed$/, ''), action.replace(/d$/, '')];
  return candidates.find((c) => status.values.includes(c));
}

/** The object a sample event of this type carries, from its schema (and the realistic values where we have them). */
function sampleObject(eventType: string): Record<string, unknown> {
  const name = STRIPE_EVENT_OBJECT[eventType] ?? objectNameGuess(eventType);
  const type = STRIPE_EVENT_OBJECT_TYPES[name];
  const generated = type
    ? (sampleValue(type, '', name) as Record<string, unknown>)
    : { id: `${name}_sample`, object: name };
  const base: Record<string, unknown> = { ...generated, ...structuredClone(sampleObjects[name] ?? {}) };
  const status = statusOfAction(type, eventType.split('.').at(-1) ?? '');
  if (status) base.status = status;
  return base;
}

/** Types outside the description (newer than it): the object named like the rule for documented ones. */
function objectNameGuess(eventType: string): string {
  if (eventType.startsWith('customer.subscription.')) return 'subscription';
  if (eventType.startsWith('charge.refund.')) return 'refund';
  if (eventType.startsWith('charge.dispute.')) return 'dispute';
  return eventType.split('.').slice(0, -1).join('.');
}

/** A sample event of any Stripe type for test runs in the canvas. */
export function sampleStripeEvent(eventType: string): Record<string, unknown> {
  const base = sampleObject(eventType);
  if (eventType === 'charge.failed')
    Object.assign(base, {
      status: 'failed',
      amount_captured: 0,
      paid: false,
      failure_code: 'card_declined',
      failure_message: 'Your card was declined.',
    });
  if (eventType === 'payment_intent.payment_failed')
    Object.assign(base, {
      status: 'requires_payment_method',
      amount_received: 0,
      last_payment_error: { code: 'card_declined', message: 'Your card was declined.' },
    });
  if (eventType === 'payment_intent.canceled') base.status = 'canceled';
  if (eventType === 'charge.refunded') Object.assign(base, { amount_refunded: base.amount, refunded: true });
  if (eventType === 'refund.created') base.status = 'pending';
  if (eventType === 'refund.failed') Object.assign(base, { status: 'failed' });
  if (eventType === 'charge.dispute.closed') base.status = 'lost';
  if (eventType === 'checkout.session.expired')
    Object.assign(base, { status: 'expired', payment_status: 'unpaid', payment_intent: null });
  if (eventType === 'customer.subscription.deleted')
    Object.assign(base, { status: 'canceled', canceled_at: 1766472000 });
  if (eventType === 'invoice.payment_failed')
    Object.assign(base, { status: 'open', amount_paid: 0, amount_remaining: base.amount_due, attempt_count: 2 });
  if (eventType === 'invoice.created') Object.assign(base, { status: 'draft', amount_paid: 0 });
  if (eventType === 'invoice.finalized') Object.assign(base, { status: 'open', amount_paid: 0 });
  return {
    id: 'evt_1Q1w2E3r4sample',
    object: 'event',
    api_version: '2026-10-28.endive',
    created: 1763880000,
    livemode: false,
    type: eventType,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: base },
  };
}
