import { type Ctx, clone, diff, emit, getObject, type Route, timeForCustomer } from '../context';
import { invalidRequest, resourceMissing, StripeApiError, unexpectedState } from '../errors';
import { type FormObject, setPath } from '../form-decode';
import { newId } from '../ids';
import { allowOnly, arr, bool, int, metadata, oneOf, str } from '../params';
import { filteredList, publicView } from '../render';
import { objectsOf } from '../store';
import { discountOn } from './coupons';
import { createInvoiceItem, pendingInvoiceItems } from './invoice-items';
import { activeDiscounts, attemptInvoicePayment, createSubscriptionInvoice, finalizeInvoice } from './invoices';
import { paymentMethodFor } from './subscription-lifecycle';

export type ProrationBehavior = 'create_prorations' | 'none' | 'always_invoice';

/**
 * `items[...]` on a subscription update: a changed price or quantity on an item (by `id`), a new item, or
 * an item removed (`deleted`). Like Stripe, a change mid-period is prorated: the unused time on the old
 * price and quantity is credited and the remaining time on the new ones charged, as pending invoice items
 * (`proration: true`) the next invoice picks up (`create_prorations`, the default), on an invoice made now
 * (`always_invoice`), or not at all (`none`). A removed item's unused time is credited.
 */
export function changeSubscriptionItems(
  ctx: Ctx,
  sub: any,
  body: FormObject,
  behavior: ProrationBehavior,
  now: number,
): void {
  const raw = arr(body, 'items');
  if (!raw) return;
  const prorations: {
    amount: number;
    description: string;
    price: any;
    item: any;
    discounts: { amount: number; discount: string }[];
  }[] = [];
  // Stripe's default (`proration_discounts=included`): a proration is priced net of the subscription's discounts
  // in force, each discount's share recorded in the item's `proration_details.discount_amounts`.
  const discounted = (full: number, fraction: number, sign: 1 | -1) => {
    const gross = Math.round(full * fraction);
    const discounts = activeDiscounts(ctx, sub, now)
      .filter((d) => !d._used)
      .map((d) => ({
        discount: d.id,
        amount: Math.round(discountOn(ctx.account.data.coupons[d.source.coupon], full, sub.currency) * fraction),
      }))
      .filter((d) => d.amount > 0);
    const off = Math.min(
      gross,
      discounts.reduce((sum, d) => sum + d.amount, 0),
    );
    return { amount: sign * (gross - off), discounts };
  };
  raw.forEach((entry, i) => {
    if (typeof entry !== 'object' || Array.isArray(entry)) throw invalidRequest(`Invalid items[${i}]`, `items[${i}]`);
    const itemId = str(entry, 'id');
    const priceId = str(entry, 'price');
    const deleted = bool(entry, 'deleted') ?? false;
    const quantity = int(entry, 'quantity', { min: deleted ? 0 : 1 });
    let item = itemId ? sub.items.data.find((it: any) => it.id === itemId) : null;
    if (itemId && !item)
      throw invalidRequest(`No such subscription item: '${itemId}'`, `items[${i}][id]`, 'resource_missing');
    if (deleted && !item)
      throw invalidRequest(`Missing required param: items[${i}][id].`, `items[${i}][id]`, 'parameter_missing');
    const price = priceId ? getObject(ctx.account, 'prices', priceId, 'price', `items[${i}][price]`) : null;
    if (price && (!price.recurring || price.currency !== sub.currency))
      throw invalidRequest(
        'The price must be recurring and in the subscription currency.',
        `items[${i}][price]`,
        'invalid_price',
      );
    if (!item) {
      if (!price)
        throw invalidRequest(`Missing required param: items[${i}][price].`, `items[${i}][price]`, 'parameter_missing');
      const first = sub.items.data[0];
      item = {
        ...structuredClone(first),
        id: newId('si', 14),
        price: publicView(price),
        quantity: 0,
        created: now,
        metadata: {},
      };
      sub.items.data.push(item);
      sub.items.total_count = sub.items.data.length;
    }
    const before = { price: item.price, amount: item.price.unit_amount * item.quantity, quantity: item.quantity };
    if (deleted) item.quantity = 0;
    else {
      if (price) item.price = publicView(price);
      if (quantity !== undefined) item.quantity = quantity;
      else if (item.quantity === 0) item.quantity = 1;
    }
    const after = item.price.unit_amount * item.quantity;
    const { current_period_start: start, current_period_end: end } = item;
    const fraction = end > start ? Math.max(0, end - now) / (end - start) : 0;
    if (behavior === 'none' || fraction === 0 || !['active', 'past_due', 'trialing'].includes(sub.status)) return;
    if (sub.status === 'trialing') return; // nothing was charged for a trial
    if (before.price.id === item.price.id && before.quantity === item.quantity) return;
    const name = (p: any) => ctx.account.data.products[p.product]?.name ?? 'Item';
    const times = (q: number) => (q > 1 ? `${q} × ` : '');
    if (before.amount > 0)
      prorations.push({
        ...discounted(before.amount, fraction, -1),
        description: `Unused time on ${times(before.quantity)}${name(before.price)}`,
        price: before.price,
        item,
      });
    if (after > 0)
      prorations.push({
        ...discounted(after, fraction, 1),
        description: `Remaining time on ${times(item.quantity)}${name(item.price)}`,
        price: item.price,
        item,
      });
  });
  const kept = sub.items.data.filter((it: any) => it.quantity > 0);
  if (kept.length === 0)
    throw invalidRequest(
      'A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.',
      'items',
    );
  sub.items.data = kept;
  sub.items.total_count = kept.length;
  for (const p of prorations) {
    createInvoiceItem(ctx, {
      customer: sub.customer,
      amount: p.amount,
      currency: sub.currency,
      description: p.description,
      price: p.price,
      subscription: sub.id,
      subscriptionItem: p.item.id,
      proration: true,
      prorationDiscounts: p.discounts,
      period: { start: now, end: p.item.current_period_end },
    });
  }
  if (behavior === 'always_invoice' && pendingInvoiceItems(ctx.account, sub.customer, sub.id, false).length > 0) {
    const invoice = createSubscriptionInvoice(ctx, sub, 'subscription_update', now, undefined, { onlyPending: true });
    sub.latest_invoice = invoice.id;
    finalizeInvoice(ctx, invoice, now);
    if (invoice.status === 'open') attemptInvoicePayment(ctx, invoice, paymentMethodFor(ctx, sub), true, now);
  }
}

/** The subscription holding a subscription item, by the item's id. */
function findItem(ctx: Ctx, id: string, param = 'id'): { sub: any; item: any } {
  for (const sub of [...objectsOf(ctx.account, 'subscriptions')] as any[]) {
    const item = sub.items.data.find((it: any) => it.id === id);
    if (item) return { sub, item };
  }
  throw resourceMissing('subscription_item', id, param);
}

function liveSubscription(ctx: Ctx, id: string, param: string): any {
  const sub = getObject(ctx.account, 'subscriptions', id, 'subscription', param);
  if (sub.status === 'canceled' || sub.status === 'incomplete_expired')
    throw unexpectedState('A canceled subscription cannot change its items.');
  return sub;
}

/** Runs an item change the way `subscriptions.update({items})` does, and tells about it. */
function changeItems(ctx: Ctx, sub: any, entry: FormObject, params: FormObject = ctx.body): void {
  const before = clone(sub);
  const now = int(params, 'proration_date') ?? timeForCustomer(ctx.account, sub.customer);
  const behavior =
    oneOf(params, 'proration_behavior', ['create_prorations', 'none', 'always_invoice'] as const) ??
    'create_prorations';
  try {
    changeSubscriptionItems(ctx, sub, setPath({ items: [setPath(entry, 'items[0]')] }, ''), behavior, now);
  } catch (e) {
    // Here the item's fields are top-level parameters: `price`, not `items[0][price]`.
    if (e instanceof StripeApiError && typeof e.extra.param === 'string')
      e.extra.param = e.extra.param.replace(/^items\[0\]\[([^\]]+)\]/, '$1');
    throw e;
  }
  emit(ctx, 'customer.subscription.updated', sub, diff(before, sub));
}

const ITEM_FIELDS = ['price', 'quantity', 'metadata', 'proration_behavior', 'proration_date', 'payment_behavior'];

/** `/v1/subscription_items`: the items of a subscription one at a time (same rules and prorations). */
export const subscriptionItemRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/subscription_items',
    filters: ['subscription'],
    handler: (ctx) => {
      const subId = str(ctx.query, 'subscription', true);
      const sub = getObject(ctx.account, 'subscriptions', subId, 'subscription', 'subscription');
      return filteredList(
        { ...ctx.query, subscription: '' },
        [...sub.items.data].reverse(),
        `/v1/subscription_items?subscription=${sub.id}`,
        { subscription: () => () => true },
      );
    },
  },
  {
    method: 'GET',
    path: '/v1/subscription_items/:id',
    handler: (ctx) => findItem(ctx, ctx.params.id).item,
  },
  {
    method: 'POST',
    path: '/v1/subscription_items',
    handler: (ctx) => {
      allowOnly(ctx.body, [...ITEM_FIELDS, 'subscription']);
      const sub = liveSubscription(ctx, str(ctx.body, 'subscription', true), 'subscription');
      const price = str(ctx.body, 'price', true);
      if (sub.items.data.some((it: any) => it.price.id === price))
        throw invalidRequest('This subscription already has an item with this price.', 'price');
      const known = new Set(sub.items.data.map((it: any) => it.id));
      const entry: FormObject = { price };
      if (ctx.body.quantity !== undefined) entry.quantity = ctx.body.quantity;
      changeItems(ctx, sub, entry);
      const item = sub.items.data.find((it: any) => !known.has(it.id));
      item.metadata = metadata(ctx.body);
      return item;
    },
  },
  {
    method: 'POST',
    path: '/v1/subscription_items/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ITEM_FIELDS);
      const { sub, item } = findItem(ctx, ctx.params.id);
      liveSubscription(ctx, sub.id, 'id');
      const entry: FormObject = { id: item.id };
      if (ctx.body.price !== undefined) entry.price = ctx.body.price;
      if (ctx.body.quantity !== undefined) entry.quantity = ctx.body.quantity;
      if (entry.price !== undefined || entry.quantity !== undefined) changeItems(ctx, sub, entry);
      item.metadata = metadata(ctx.body, item.metadata);
      return item;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/subscription_items/:id',
    handler: (ctx) => {
      allowOnly(ctx.query, ['proration_behavior', 'proration_date', 'clear_usage']);
      const { sub, item } = findItem(ctx, ctx.params.id);
      liveSubscription(ctx, sub.id, 'id');
      if (sub.items.data.length === 1)
        throw invalidRequest(
          'A subscription must have at least one active plan. To cancel a subscription, please use the cancel API endpoint on /v1/subscriptions.',
          'id',
        );
      // The unused time of the removed item is credited (unless proration_behavior=none).
      changeItems(ctx, sub, { id: item.id, deleted: 'true' }, ctx.query);
      return { id: item.id, object: 'subscription_item', deleted: true };
    },
  },
];
