import { type Ctx, clone, diff, emit, getObject, putObject, type Route, timeForCustomer } from '../context';
import { invalidRequest, StripeApiError, unexpectedState } from '../errors';
import type { FormObject } from '../form-decode';
import { newId } from '../ids';
import { allowOnly, arr, bool, int, metadata, nullableStr, obj, oneOf, str } from '../params';
import { created, equals, filteredList, type ListFilters, publicView, range } from '../render';
import { objectsOf } from '../store';
import { createSubscriptionDiscount, discountsFromParams, redeem } from './coupons';
import { attemptInvoicePayment, createSubscriptionInvoice, finalizeInvoice } from './invoices';
import { behaviourOf, resolvePaymentMethod } from './payment-methods';
import { changeSubscriptionItems } from './subscription-items';
import { addInterval, cancelSubscription } from './subscription-lifecycle';

const SUBSCRIPTION_STATUSES = [
  'active',
  'all',
  'canceled',
  'ended',
  'incomplete',
  'incomplete_expired',
  'past_due',
  'paused',
  'trialing',
  'unpaid',
] as const;

const SUBSCRIPTION_FILTERS: ListFilters = {
  automatic_tax: (query, name) => {
    const enabled = bool(obj(query, name) ?? {}, 'enabled');
    return (s) => enabled === undefined || s.automatic_tax.enabled === enabled;
  },
  collection_method: equals((s) => s.collection_method),
  created,
  current_period_end: range((s) => s.items.data[0]?.current_period_end),
  current_period_start: range((s) => s.items.data[0]?.current_period_start),
  customer: equals((s) => s.customer),
  price: (query, name) => {
    const price = str(query, name);
    return (s) => s.items.data.some((i: any) => i.price.id === price);
  },
  status: (query, name) => {
    const status = oneOf(query, name, SUBSCRIPTION_STATUSES);
    if (status === 'all') return () => true;
    if (status === 'ended') return (s) => s.status === 'canceled' || s.status === 'incomplete_expired';
    return (s) => s.status === status;
  },
  test_clock: equals((s) => s.test_clock),
};

const DAY = 86_400;
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
  'discounts',
];

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
  /** Coupons to apply; `redeemed` when the caller (a Checkout Session) counts the redemption itself. */
  discounts?: { coupon: any; promotionCode: any | null }[];
  redeemed?: boolean;
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
  sub.discounts = (input.discounts ?? []).map((d) => {
    if (!input.redeemed) redeem(ctx, d.coupon.id, d.promotionCode?.id ?? null);
    return createSubscriptionDiscount(ctx, sub, d, now, (t, n) => addInterval(t, 'month', n)).id;
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

/** `pause_collection[behavior]=void&pause_collection[resumes_at]=…`, or `pause_collection=''` to resume. */
function updatePauseCollection(ctx: Ctx, sub: any): void {
  const raw = ctx.body.pause_collection;
  if (raw === undefined) return;
  if (raw === '') {
    sub.pause_collection = null;
    return;
  }
  const given = obj(ctx.body, 'pause_collection')!;
  const behavior = oneOf(given, 'behavior', ['keep_as_draft', 'mark_uncollectible', 'void'] as const, true);
  const resumesAt = int(given, 'resumes_at') ?? null;
  const now = timeForCustomer(ctx.account, sub.customer);
  if (resumesAt !== null && resumesAt <= now)
    throw invalidRequest('resumes_at must be in the future.', 'pause_collection[resumes_at]');
  sub.pause_collection = { behavior, resumes_at: resumesAt };
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
        discounts: discountsFromParams(ctx.account, ctx.body),
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
        'items',
        'pause_collection',
        'proration_date',
        'discounts',
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
      const proration =
        oneOf(ctx.body, 'proration_behavior', ['create_prorations', 'none', 'always_invoice'] as const) ??
        'create_prorations';
      const prorationDate = int(ctx.body, 'proration_date');
      changeSubscriptionItems(ctx, sub, ctx.body, proration, prorationDate ?? now);
      const discounts = discountsFromParams(ctx.account, ctx.body);
      if (discounts) {
        for (const id of sub.discounts) {
          const old = ctx.account.data.discounts[id];
          if (old && old.end === null) old.end = now;
        }
        sub.discounts = discounts.map((d) => {
          redeem(ctx, d.coupon.id, d.promotionCode?.id ?? null);
          return createSubscriptionDiscount(ctx, sub, d, now, (t, n) => addInterval(t, 'month', n)).id;
        });
      }
      // Pausing collection is a plain update on Stripe (`paused`/`resumed` are about the `paused` status).
      updatePauseCollection(ctx, sub);
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
    filters: Object.keys(SUBSCRIPTION_FILTERS),
    handler: (ctx) => {
      // Without `status`, Stripe lists every subscription but the canceled ones.
      const items = objectsOf(ctx.account, 'subscriptions').filter(
        (s: any) => ctx.query.status !== undefined || s.status !== 'canceled',
      );
      return filteredList(ctx.query, items, '/v1/subscriptions', SUBSCRIPTION_FILTERS);
    },
  },
];
