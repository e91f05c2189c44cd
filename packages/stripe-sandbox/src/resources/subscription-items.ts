import { type Ctx, clone, diff, emit, getObject, type Route, timeForCustomer } from '../context';
import { invalidRequest, resourceMissing, StripeApiError, unexpectedState } from '../errors';
import { type FormObject, setPath } from '../form-decode';
import { newId } from '../ids';
import { allowOnly, arr, int, metadata, oneOf, str } from '../params';
import { filteredList, publicView } from '../render';
import { attemptInvoicePayment, createSubscriptionInvoice, finalizeInvoice } from './invoices';
import { paymentMethodFor } from './subscription-lifecycle';

export type ProrationBehavior = 'create_prorations' | 'none' | 'always_invoice';

/** One proration line waiting for the next invoice (Stripe's pending invoice items). */
export interface PendingProration {
  amount: number;
  description: string;
  price: string;
  product: string;
}

/**
 * `items[...]` on a subscription update: a changed price or quantity on an
 * item (by `id`), or a new item. Like Stripe, a change mid-period is prorated:
 * the unused time on the old price is credited and the remaining time on the
 * new one charged, on the next invoice (`create_prorations`, the default), on
 * an invoice made now (`always_invoice`), or not at all (`none`).
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
  const prorations: PendingProration[] = [];
  raw.forEach((entry, i) => {
    if (typeof entry !== 'object' || Array.isArray(entry)) throw invalidRequest(`Invalid items[${i}]`, `items[${i}]`);
    const itemId = str(entry, 'id');
    const priceId = str(entry, 'price');
    const quantity = int(entry, 'quantity', { min: 1 });
    let item = itemId ? sub.items.data.find((it: any) => it.id === itemId) : null;
    if (itemId && !item)
      throw invalidRequest(`No such subscription item: '${itemId}'`, `items[${i}][id]`, 'resource_missing');
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
    const before = { price: item.price, amount: item.price.unit_amount * item.quantity };
    if (price) item.price = publicView(price);
    if (quantity !== undefined) item.quantity = quantity;
    else if (item.quantity === 0) item.quantity = 1;
    const after = item.price.unit_amount * item.quantity;
    const { current_period_start: start, current_period_end: end } = item;
    const fraction = end > start ? Math.max(0, end - now) / (end - start) : 0;
    if (behavior === 'none' || fraction === 0 || !['active', 'past_due', 'trialing'].includes(sub.status)) return;
    if (sub.status === 'trialing') return; // nothing was charged for a trial
    const name = (p: any) => ctx.account.data.products[p.product]?.name ?? 'Item';
    if (before.amount > 0)
      prorations.push({
        amount: -Math.round(before.amount * fraction),
        description: `Unused time on ${name(before.price)}`,
        price: before.price.id,
        product: before.price.product,
      });
    prorations.push({
      amount: Math.round(after * fraction),
      description: `Remaining time on ${name(item.price)}`,
      price: item.price.id,
      product: item.price.product,
    });
  });
  sub.items.data = sub.items.data.filter((it: any) => it.quantity > 0);
  sub._pending_prorations = [...(sub._pending_prorations ?? []), ...prorations];
  if (behavior === 'always_invoice' && sub._pending_prorations.length > 0) {
    const invoice = createSubscriptionInvoice(ctx, sub, 'subscription_update', now, undefined, { onlyPending: true });
    sub.latest_invoice = invoice.id;
    finalizeInvoice(ctx, invoice, now);
    if (invoice.status === 'open') attemptInvoicePayment(ctx, invoice, paymentMethodFor(ctx, sub), true, now);
  }
}

/** Proration lines for an invoice being built (and cleared from the subscription: each is billed once). */
export function takePendingProrations(sub: any, invoiceId: string): any[] {
  const pending: PendingProration[] = sub._pending_prorations ?? [];
  sub._pending_prorations = [];
  return pending.map((p) => ({
    id: newId('il'),
    object: 'line_item',
    amount: p.amount,
    currency: sub.currency,
    description: p.description,
    discount_amounts: [],
    discountable: false,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: {},
    parent: {
      invoice_item_details: { invoice_item: newId('ii'), proration: true, subscription: sub.id },
      subscription_item_details: null,
      type: 'invoice_item_details',
    },
    period: { end: sub.items.data[0].current_period_end, start: sub.items.data[0].current_period_start },
    pretax_credit_amounts: [],
    pricing: { price_details: { price: p.price, product: p.product }, type: 'price_details' },
    quantity: 1,
    subscription: sub.id,
    subtotal: p.amount,
    taxes: [],
  }));
}

/** The subscription holding a subscription item, by the item's id. */
function findItem(ctx: Ctx, id: string, param = 'id'): { sub: any; item: any } {
  for (const sub of Object.values(ctx.account.data.subscriptions) as any[]) {
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
function changeItems(ctx: Ctx, sub: any, entry: FormObject): void {
  const before = clone(sub);
  const now = timeForCustomer(ctx.account, sub.customer);
  const behavior =
    oneOf(ctx.body, 'proration_behavior', ['create_prorations', 'none', 'always_invoice'] as const) ??
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
      const before = clone(sub);
      // Removed without a proration credit (the sandbox credits only price and quantity changes).
      sub.items.data = sub.items.data.filter((it: any) => it.id !== item.id);
      sub.items.total_count = sub.items.data.length;
      emit(ctx, 'customer.subscription.updated', sub, diff(before, sub));
      return { id: item.id, object: 'subscription_item', deleted: true };
    },
  },
];
