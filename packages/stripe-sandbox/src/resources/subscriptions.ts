import { type Ctx, clone, diff, emit, getObject, putObject, type Route, timeForCustomer } from '../context';
import { invalidRequest, StripeApiError, unexpectedState } from '../errors';
import type { FormObject } from '../form-decode';
import { newId } from '../ids';
import { allowOnly, arr, bool, int, metadata, nullableStr, oneOf, str } from '../params';
import { listObject, publicView } from '../render';
import { attemptInvoicePayment, createSubscriptionInvoice, finalizeInvoice, voidInvoice } from './invoices';
import { behaviourOf, resolvePaymentMethod } from './payment-methods';

const DAY = 86_400;
const INCOMPLETE_EXPIRY_SECONDS = 23 * 3600;
const FIELDS = [
  'customer',
  'items',
  'default_payment_method',
  'trial_period_days',
  'trial_end',
  'metadata',
  'payment_behavior',
  'cancel_at_period_end',
  'description',
  'collection_method',
  'off_session',
  'payment_settings',
  'expand',
  'proration_behavior',
  'automatic_tax',
  'currency',
];

/** Adds a billing interval in UTC calendar terms (month ends clamp like Stripe's anchors do). */
export function addInterval(seconds: number, interval: string, count: number): number {
  const d = new Date(seconds * 1000);
  if (interval === 'day') return seconds + count * DAY;
  if (interval === 'week') return seconds + count * 7 * DAY;
  const months = interval === 'year' ? 12 * count : count;
  const day = d.getUTCDate();
  const target = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}

export interface NewSubscription {
  customer: string;
  items: { price: string; quantity: number; metadata?: Record<string, string> }[];
  default_payment_method?: string | null;
  trial_period_days?: number;
  trial_end?: number;
  metadata?: Record<string, string>;
  payment_behavior?: 'allow_incomplete' | 'default_incomplete' | 'error_if_incomplete' | 'pending_if_incomplete';
  cancel_at_period_end?: boolean;
  description?: string | null;
}

export function paymentMethodFor(ctx: Ctx, sub: any): string | null {
  return (
    sub.default_payment_method ??
    ctx.account.data.customers[sub.customer]?.invoice_settings.default_payment_method ??
    null
  );
}

export function createSubscription(ctx: Ctx, input: NewSubscription): any {
  const customer = getObject(ctx.account, 'customers', input.customer, 'customer', 'customer');
  if (input.items.length === 0) throw invalidRequest('Missing required param: items.', 'items', 'parameter_missing');
  const prices = input.items.map((item, i) => {
    const price = getObject(ctx.account, 'prices', item.price, 'price', `items[${i}][price]`);
    if (!price.recurring) {
      throw invalidRequest(
        `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
        `items[${i}][price]`,
      );
    }
    return price;
  });
  const { interval, interval_count: count } = prices[0].recurring;
  const now = timeForCustomer(ctx.account, customer.id);
  let pmId = input.default_payment_method ?? null;
  if (pmId) {
    const pm = getObject(ctx.account, 'payment_methods', pmId, 'PaymentMethod', 'default_payment_method');
    if (pm.customer !== customer.id) {
      throw invalidRequest(
        `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`,
        'default_payment_method',
        'resource_missing',
      );
    }
    pmId = pm.id;
  }
  const trialEnd = input.trial_end ?? (input.trial_period_days ? now + input.trial_period_days * DAY : null);
  const chargeable = pmId ?? customer.invoice_settings.default_payment_method;
  if (input.payment_behavior === 'error_if_incomplete' && !trialEnd) {
    const failure = chargeable ? behaviourOf(ctx.account.data.payment_methods[chargeable]) : null;
    if (failure?.charge !== 'succeed') {
      const decline = failure?.decline ?? {
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
      };
      throw new StripeApiError(
        402,
        'card_error',
        chargeable ? decline.message : 'This customer has no attached payment source or default payment method.',
        {
          code: chargeable ? decline.code : 'resource_missing',
          decline_code: chargeable ? decline.decline_code : undefined,
        },
      );
    }
  }
  const periodEnd = trialEnd ?? addInterval(now, interval, count);
  const id = newId('sub');
  const sub = putObject(ctx.account, 'subscriptions', {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: periodEnd === trialEnd ? trialEnd : now,
    billing_cycle_anchor_config: null,
    billing_schedules: [],
    billing_mode: { flexible: null, type: 'flexible', updated_at: now },
    billing_thresholds: null,
    cancel_at: input.cancel_at_period_end ? periodEnd : null,
    cancel_at_period_end: input.cancel_at_period_end ?? false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: 'charge_automatically',
    created: now,
    currency: prices[0].currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: null,
    default_payment_method: pmId,
    default_source: null,
    default_tax_rates: [],
    description: input.description ?? null,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: 'self' } },
    items: {
      object: 'list',
      data: input.items.map((item, i) => ({
        id: newId('si', 14),
        object: 'subscription_item',
        billing_thresholds: null,
        created: now,
        current_period_end: periodEnd,
        current_period_start: now,
        current_trial: null,
        discounts: [],
        metadata: item.metadata ?? {},
        plan: null,
        price: publicView(prices[i]),
        quantity: item.quantity,
        subscription: id,
        tax_rates: [],
      })),
      has_more: false,
      total_count: input.items.length,
      url: `/v1/subscription_items?subscription=${id}`,
    },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata ?? {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: 'off' },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialEnd ? 'trialing' : 'incomplete',
    test_clock: customer.test_clock,
    transfer_data: null,
    trial_end: trialEnd,
    trial_settings: { end_behavior: { missing_payment_method: 'create_invoice' } },
    trial_start: trialEnd ? now : null,
  });
  emit(ctx, 'customer.subscription.created', sub);
  const invoice = createSubscriptionInvoice(ctx, sub, 'subscription_create', now, trialEnd ? 0 : undefined);
  sub.latest_invoice = invoice.id;
  finalizeInvoice(ctx, invoice, now);
  if (invoice.status === 'open' && input.payment_behavior !== 'default_incomplete' && chargeable) {
    attemptInvoicePayment(ctx, invoice, chargeable, false, now);
  }
  return sub;
}

function setStatus(ctx: Ctx, sub: any, status: string, extra: Record<string, unknown> = {}): void {
  if (sub.status === status && Object.keys(extra).length === 0) return;
  const before = clone(sub);
  sub.status = status;
  Object.assign(sub, extra);
  emit(
    ctx,
    status === 'canceled' ? 'customer.subscription.deleted' : 'customer.subscription.updated',
    sub,
    status === 'canceled' ? undefined : diff(before, sub),
  );
}

/** Invoice hooks: paid invoices activate the subscription; failures make it past_due (or cancel it after the last retry). */
export function onInvoicePaid(ctx: Ctx, invoice: any, _now: number): void {
  const sub = ctx.account.data.subscriptions[invoice.parent?.subscription_details?.subscription];
  if (!sub || sub.status === 'canceled') return;
  if (sub.status === 'incomplete' || sub.status === 'past_due' || sub.status === 'unpaid')
    setStatus(ctx, sub, 'active');
}

export function onInvoicePaymentFailed(ctx: Ctx, invoice: any, now: number): void {
  const sub = ctx.account.data.subscriptions[invoice.parent?.subscription_details?.subscription];
  if (!sub || invoice.billing_reason === 'subscription_create') return;
  if (invoice.next_payment_attempt === null) {
    const final = ctx.account.failedRenewalBehavior ?? 'cancel';
    if (final === 'unpaid') setStatus(ctx, sub, 'unpaid');
    else cancelSubscription(ctx, sub, now, 'payment_failed');
  } else if (sub.status === 'active' || sub.status === 'trialing') {
    setStatus(ctx, sub, 'past_due');
  }
}

export function cancelSubscription(ctx: Ctx, sub: any, now: number, reason: string): void {
  if (sub.status === 'canceled') return;
  for (const invoice of Object.values(ctx.account.data.invoices) as any[]) {
    if (
      invoice.parent?.subscription_details?.subscription === sub.id &&
      invoice.status === 'open' &&
      reason !== 'payment_failed'
    ) {
      voidInvoice(ctx, invoice, now);
    }
  }
  setStatus(ctx, sub, 'canceled', {
    canceled_at: sub.canceled_at ?? now,
    ended_at: now,
    cancellation_details: { comment: null, feedback: null, reason },
  });
}

/** The next moment this subscription needs attention from a test clock, if any. */
export function nextDueAt(ctx: Ctx, sub: any): number | null {
  if (sub.status === 'canceled' || sub.status === 'incomplete_expired') return null;
  if (sub.status === 'incomplete') return sub.created + INCOMPLETE_EXPIRY_SECONDS;
  const times = [sub.items.data[0].current_period_end];
  for (const invoice of Object.values(ctx.account.data.invoices) as any[]) {
    if (
      invoice.parent?.subscription_details?.subscription === sub.id &&
      invoice.status === 'open' &&
      invoice.next_payment_attempt
    ) {
      times.push(invoice.next_payment_attempt);
    }
  }
  return Math.min(...times);
}

/** Runs whatever is due at `now`: renewal at period end, dunning retries, incomplete expiry. */
export function runDue(ctx: Ctx, sub: any, now: number): void {
  if (sub.status === 'incomplete') {
    if (now >= sub.created + INCOMPLETE_EXPIRY_SECONDS) {
      const invoice = ctx.account.data.invoices[sub.latest_invoice];
      if (invoice) voidInvoice(ctx, invoice, now);
      setStatus(ctx, sub, 'incomplete_expired', { ended_at: now });
    }
    return;
  }
  for (const invoice of Object.values(ctx.account.data.invoices) as any[]) {
    if (invoice.parent?.subscription_details?.subscription !== sub.id || invoice.status !== 'open') continue;
    if (invoice.next_payment_attempt && invoice.next_payment_attempt <= now) {
      attemptInvoicePayment(ctx, invoice, paymentMethodFor(ctx, sub), true, now);
    }
  }
  if (sub.status === 'canceled') return;
  const periodEnd = sub.items.data[0].current_period_end;
  if (now < periodEnd) return;
  if (sub.cancel_at_period_end || (sub.cancel_at && sub.cancel_at <= now)) {
    cancelSubscription(ctx, sub, periodEnd, 'cancellation_requested');
    return;
  }
  const before = clone(sub);
  const { interval, interval_count: count } = sub.items.data[0].price.recurring;
  for (const item of sub.items.data) {
    item.current_period_start = periodEnd;
    item.current_period_end = addInterval(periodEnd, interval, count);
  }
  if (sub.status === 'trialing') sub.status = 'active';
  emit(ctx, 'customer.subscription.updated', sub, diff(before, sub));
  const invoice = createSubscriptionInvoice(ctx, sub, 'subscription_cycle', periodEnd);
  sub.latest_invoice = invoice.id;
  finalizeInvoice(ctx, invoice, periodEnd);
  if (invoice.status === 'open') attemptInvoicePayment(ctx, invoice, paymentMethodFor(ctx, sub), true, periodEnd);
}

function itemsFromParams(body: FormObject) {
  const items = arr(body, 'items') ?? [];
  return items.map((raw, i) => {
    if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidRequest(`Invalid items[${i}]`, `items[${i}]`);
    const price = str(raw, 'price');
    if (!price)
      throw invalidRequest(`Missing required param: items[${i}][price].`, `items[${i}][price]`, 'parameter_missing');
    return { price, quantity: int(raw, 'quantity', { min: 1 }) ?? 1, metadata: metadata(raw) };
  });
}

export const subscriptionRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/subscriptions',
    handler: (ctx) => {
      allowOnly(ctx.body, FIELDS);
      const trialEnd = ctx.body.trial_end === 'now' ? undefined : int(ctx.body, 'trial_end');
      let pmId = str(ctx.body, 'default_payment_method');
      if (pmId) pmId = resolvePaymentMethod(ctx.account, pmId, 'default_payment_method').id;
      return createSubscription(ctx, {
        customer: str(ctx.body, 'customer', true),
        items: itemsFromParams(ctx.body),
        default_payment_method: pmId,
        trial_period_days: int(ctx.body, 'trial_period_days', { min: 0 }),
        trial_end: trialEnd,
        metadata: metadata(ctx.body),
        payment_behavior: oneOf(ctx.body, 'payment_behavior', [
          'allow_incomplete',
          'default_incomplete',
          'error_if_incomplete',
          'pending_if_incomplete',
        ] as const),
        cancel_at_period_end: bool(ctx.body, 'cancel_at_period_end'),
        description: str(ctx.body, 'description'),
      });
    },
  },
  {
    method: 'GET',
    path: '/v1/subscriptions/:id',
    handler: (ctx) => getObject(ctx.account, 'subscriptions', ctx.params.id, 'subscription'),
  },
  {
    method: 'POST',
    path: '/v1/subscriptions/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, [
        'cancel_at_period_end',
        'metadata',
        'default_payment_method',
        'description',
        'proration_behavior',
        'cancellation_details',
        'trial_end',
        'off_session',
        'payment_behavior',
      ]);
      const sub = getObject(ctx.account, 'subscriptions', ctx.params.id, 'subscription');
      if (sub.status === 'canceled' || sub.status === 'incomplete_expired') {
        throw unexpectedState(
          'A canceled subscription can only update its cancellation_details and metadata.',
          'resource_invalid_state',
        );
      }
      const before = clone(sub);
      const now = timeForCustomer(ctx.account, sub.customer);
      const cancelAtEnd = bool(ctx.body, 'cancel_at_period_end');
      if (cancelAtEnd !== undefined) {
        sub.cancel_at_period_end = cancelAtEnd;
        sub.cancel_at = cancelAtEnd ? sub.items.data[0].current_period_end : null;
        sub.canceled_at = cancelAtEnd ? now : null;
      }
      const pmId = nullableStr(ctx.body, 'default_payment_method');
      if (pmId !== undefined) {
        if (pmId) {
          const pm = resolvePaymentMethod(ctx.account, pmId, 'default_payment_method');
          if (pm.customer !== sub.customer)
            throw invalidRequest(
              `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`,
              'default_payment_method',
              'resource_missing',
            );
          sub.default_payment_method = pm.id;
        } else sub.default_payment_method = null;
      }
      const description = nullableStr(ctx.body, 'description');
      if (description !== undefined) sub.description = description;
      sub.metadata = metadata(ctx.body, sub.metadata);
      const previous = diff(before, sub);
      if (Object.keys(previous).length) emit(ctx, 'customer.subscription.updated', sub, previous);
      return sub;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/subscriptions/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['invoice_now', 'prorate', 'cancellation_details']);
      const sub = getObject(ctx.account, 'subscriptions', ctx.params.id, 'subscription');
      if (sub.status === 'canceled')
        throw unexpectedState(`This subscription is already canceled.`, 'resource_invalid_state');
      cancelSubscription(ctx, sub, timeForCustomer(ctx.account, sub.customer), 'cancellation_requested');
      return sub;
    },
  },
  {
    method: 'GET',
    path: '/v1/subscriptions',
    handler: (ctx) => {
      const customer = str(ctx.query, 'customer');
      const status = str(ctx.query, 'status');
      const price = str(ctx.query, 'price');
      const clock = str(ctx.query, 'test_clock');
      const items = Object.values(ctx.account.data.subscriptions).filter(
        (s: any) =>
          (!customer || s.customer === customer) &&
          (status === 'all' || (status ? s.status === status : s.status !== 'canceled')) &&
          (!price || s.items.data.some((i: any) => i.price.id === price)) &&
          (!clock || s.test_clock === clock),
      );
      return listObject(items, ctx.query, '/v1/subscriptions');
    },
  },
];
