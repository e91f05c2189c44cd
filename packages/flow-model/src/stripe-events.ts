import { STRIPE_EVENT_OBJECT } from './generated/stripe-events';
import { STRIPE_OBJECT_TYPES as STRIPE_EVENT_OBJECT_TYPES } from './generated/stripe-objects';
import { t, type ValueType } from './value-type';

// Every event type and its object's fields come from Stripe's description (generated/stripe-events.ts). For the
// events the product's own automations read, the fields below are laid over them: they follow the API version the
// SDK speaks where it differs from the 2023 description (e.g. a subscription's current period), and they are the
// fields the realistic samples fill in. Objects stay open, so fields Stripe adds still bind as `any`.
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

/** The event types the product's own automations use (their objects have realistic samples). */
export const knownStripeEventTypes = Object.keys(objectShapes);

/** Every Stripe event type: all the description documents, and the ones the product uses that are newer. */
export const stripeEventTypes: readonly string[] = [
  ...new Set([...Object.keys(STRIPE_EVENT_OBJECT), ...knownStripeEventTypes]),
].sort();

/** The schema name of the object an event type carries (`customer.subscription.deleted` → `subscription`). */
export function stripeEventObject(eventType: string): string {
  const documented = STRIPE_EVENT_OBJECT[eventType];
  if (documented) return documented;
  if (eventType.startsWith('customer.subscription.')) return 'subscription';
  if (eventType.startsWith('charge.refund.')) return 'refund';
  if (eventType.startsWith('charge.dispute.')) return 'dispute';
  return eventType.split('.').slice(0, -1).join('.');
}

export interface StripeEventGroup {
  /** The object's schema name, e.g. `checkout.session`. */
  object: string;
  /** The object in words: "Checkout session". */
  title: string;
  types: string[];
}

/** Every event type grouped by the object it carries, groups and types in alphabetical order (for pickers). */
export function stripeEventGroups(types: readonly string[] = stripeEventTypes): StripeEventGroup[] {
  const groups = new Map<string, string[]>();
  for (const type of types) {
    const object = stripeEventObject(type);
    groups.set(object, [...(groups.get(object) ?? []), type]);
  }
  return [...groups]
    .map(([object, list]) => {
      const words = object.replace(/[._]+/g, ' ');
      return { object, title: words.charAt(0).toUpperCase() + words.slice(1), types: [...list].sort() };
    })
    .sort((a, b) => a.title.localeCompare(b.title));
}

const generic = t.object({ id: t.string, object: t.string, metadata }, true);

/** The fields of an event type's object: the description's, with the product's own fields laid over them. */
function objectShapeOf(eventType: string): ValueType {
  const documented = STRIPE_EVENT_OBJECT_TYPES[stripeEventObject(eventType)];
  const own = objectShapes[eventType];
  if (documented?.kind === 'object' && own?.kind === 'object')
    return { kind: 'object', fields: { ...documented.fields, ...own.fields }, open: true };
  return own ?? documented ?? generic;
}

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

/** The envelope type of one Stripe event (types the description does not know get an open data.object). */
export function stripeEventType(eventType: string): ValueType {
  return envelope(objectShapeOf(eventType), [eventType]);
}

/** The trigger's type for a set of accepted events: the fields they share (open), or a generic event. */
export function stripeTriggerType(eventTypes: string[]): ValueType {
  const shapes = eventTypes.map(objectShapeOf);
  const object = shapes.length === 0 ? generic : shapes.reduce(commonFields);
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
