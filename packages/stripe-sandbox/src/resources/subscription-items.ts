import { type Ctx, getObject } from '../context';
import { invalidRequest } from '../errors';
import type { FormObject } from '../form-decode';
import { newId } from '../ids';
import { arr, int, str } from '../params';
import { publicView } from '../render';
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
