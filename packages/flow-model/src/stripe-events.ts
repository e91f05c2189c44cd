import { t, type ValueType } from './value-type';

// Stripe object shapes for the events the product uses; open objects so unlisted Stripe fields still bind as `any`.
const metadata = t.object({}, true);
const nullableString = t.string;

const checkoutSession = t.object(
  {
    id: t.string,
    object: t.string,
    amount_total: t.number,
    amount_subtotal: t.number,
    currency: t.string,
    customer: nullableString,
    customer_email: nullableString,
    payment_intent: nullableString,
    subscription: nullableString,
    mode: t.enum('payment', 'subscription', 'setup'),
    payment_status: t.enum('paid', 'unpaid', 'no_payment_required'),
    status: t.enum('open', 'complete', 'expired'),
    client_reference_id: nullableString,
    metadata,
    created: t.number,
  },
  true,
);
const paymentIntent = t.object(
  {
    id: t.string,
    object: t.string,
    amount: t.number,
    amount_received: t.number,
    currency: t.string,
    customer: nullableString,
    status: t.enum(
      'requires_payment_method',
      'requires_confirmation',
      'requires_action',
      'processing',
      'requires_capture',
      'canceled',
      'succeeded',
    ),
    latest_charge: nullableString,
    description: nullableString,
    receipt_email: nullableString,
    last_payment_error: t.object({ code: t.string, message: t.string }, true),
    metadata,
    created: t.number,
  },
  true,
);
const charge = t.object(
  {
    id: t.string,
    object: t.string,
    amount: t.number,
    amount_captured: t.number,
    amount_refunded: t.number,
    currency: t.string,
    customer: nullableString,
    payment_intent: nullableString,
    status: t.enum('succeeded', 'pending', 'failed'),
    paid: t.boolean,
    refunded: t.boolean,
    failure_code: nullableString,
    failure_message: nullableString,
    receipt_email: nullableString,
    billing_details: t.object({ email: nullableString, name: nullableString }, true),
    metadata,
    created: t.number,
  },
  true,
);
const refund = t.object(
  {
    id: t.string,
    object: t.string,
    amount: t.number,
    currency: t.string,
    charge: nullableString,
    payment_intent: nullableString,
    status: t.enum('pending', 'requires_action', 'succeeded', 'failed', 'canceled'),
    reason: nullableString,
    metadata,
    created: t.number,
  },
  true,
);
const subscription = t.object(
  {
    id: t.string,
    object: t.string,
    customer: t.string,
    status: t.enum(
      'incomplete',
      'incomplete_expired',
      'trialing',
      'active',
      'past_due',
      'canceled',
      'unpaid',
      'paused',
    ),
    cancel_at_period_end: t.boolean,
    canceled_at: t.number,
    current_period_start: t.number,
    current_period_end: t.number,
    latest_invoice: nullableString,
    items: t.object(
      {
        data: t.array(
          t.object(
            {
              id: t.string,
              price: t.object({ id: t.string, unit_amount: t.number, currency: t.string }, true),
              quantity: t.number,
            },
            true,
          ),
        ),
      },
      true,
    ),
    metadata,
    created: t.number,
  },
  true,
);
const invoice = t.object(
  {
    id: t.string,
    object: t.string,
    amount_due: t.number,
    amount_paid: t.number,
    amount_remaining: t.number,
    currency: t.string,
    customer: t.string,
    customer_email: nullableString,
    subscription: nullableString,
    status: t.enum('draft', 'open', 'paid', 'uncollectible', 'void'),
    billing_reason: nullableString,
    hosted_invoice_url: nullableString,
    attempt_count: t.number,
    metadata,
    created: t.number,
  },
  true,
);

const objectShapes: Record<string, ValueType> = {
  'checkout.session.completed': checkoutSession,
  'checkout.session.expired': checkoutSession,
  'checkout.session.async_payment_succeeded': checkoutSession,
  'checkout.session.async_payment_failed': checkoutSession,
  'payment_intent.succeeded': paymentIntent,
  'payment_intent.payment_failed': paymentIntent,
  'payment_intent.canceled': paymentIntent,
  'charge.succeeded': charge,
  'charge.failed': charge,
  'charge.refunded': charge,
  'refund.created': refund,
  'refund.updated': refund,
  'customer.subscription.created': subscription,
  'customer.subscription.updated': subscription,
  'customer.subscription.deleted': subscription,
  'invoice.paid': invoice,
  'invoice.payment_failed': invoice,
  'invoice.created': invoice,
  'invoice.finalized': invoice,
};

export const knownStripeEventTypes = Object.keys(objectShapes);

function envelope(object: ValueType, types: string[]): ValueType {
  return t.object(
    {
      id: t.string,
      object: t.string,
      type: types.length ? t.enum(...types) : t.string,
      created: t.number,
      livemode: t.boolean,
      api_version: t.string,
      data: t.object({ object, previous_attributes: t.object({}, true) }),
    },
    true,
  );
}

/** The envelope type of one Stripe event (unknown types get an open data.object). */
export function stripeEventType(eventType: string): ValueType {
  return envelope(objectShapes[eventType] ?? t.object({ id: t.string, metadata }, true), [eventType]);
}

/** The trigger's type for a set of accepted events: the fields they share (open), or a generic event. */
export function stripeTriggerType(eventTypes: string[]): ValueType {
  const shapes = eventTypes.map((e) => objectShapes[e] ?? t.object({ id: t.string, metadata }, true));
  const object = shapes.length === 0 ? t.object({ id: t.string, metadata }, true) : shapes.reduce(commonFields);
  return envelope(object, eventTypes);
}

/** Fields present in both object types (with matching kinds); the result stays open. */
function commonFields(a: ValueType, b: ValueType): ValueType {
  if (a === b) return a;
  if (a.kind !== 'object' || b.kind !== 'object') return a.kind === b.kind ? a : t.any;
  const fields: Record<string, ValueType> = {};
  for (const [k, v] of Object.entries(a.fields)) {
    const other = b.fields[k];
    if (!other) continue;
    if (v.kind === 'enum' && other.kind === 'enum') fields[k] = t.enum(...new Set([...v.values, ...other.values]));
    else fields[k] = v.kind === other.kind ? commonFields(v, other) : t.any;
  }
  return t.object(fields, true);
}

const sampleObjects: Record<string, Record<string, unknown>> = {
  checkout_session: {
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

/** A realistic sample event for test runs in the canvas. */
export function sampleStripeEvent(eventType: string): Record<string, unknown> {
  const family = eventType.split('.')[0];
  const key = eventType.startsWith('customer.subscription')
    ? 'subscription'
    : eventType.startsWith('checkout.session')
      ? 'checkout_session'
      : family;
  const base = structuredClone(sampleObjects[key] ?? { id: 'obj_sample', object: family, metadata: {} });
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
