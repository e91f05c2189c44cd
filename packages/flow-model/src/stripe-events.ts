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

const dispute = t.object(
  {
    id: t.string,
    object: t.string,
    amount: t.number,
    currency: t.string,
    charge: t.string,
    payment_intent: nullableString,
    reason: t.string,
    status: t.enum(
      'warning_needs_response',
      'warning_under_review',
      'warning_closed',
      'needs_response',
      'under_review',
      'won',
      'lost',
    ),
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
  'refund.failed': refund,
  'charge.refund.updated': refund,
  'charge.dispute.created': dispute,
  'charge.dispute.updated': dispute,
  'charge.dispute.closed': dispute,
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

export { sampleStripeEvent } from './stripe-event-samples';
