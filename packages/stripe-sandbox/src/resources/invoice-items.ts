import { type Ctx, clone, diff, emit, getObject, putObject, type Route, timeForCustomer } from '../context';
import { invalidRequest } from '../errors';
import type { FormObject } from '../form-decode';
import { newId } from '../ids';
import { allowOnly, bool, currency, int, metadata, nullableStr, obj, str } from '../params';
import { created, equals, filteredList, flag, type ListFilters } from '../render';
import { type Account, objectsOf } from '../store';
import { draftFor, recomputeDraft } from './one-off-invoices';
import { createPrice } from './prices';

export interface NewInvoiceItem {
  customer: string;
  amount: number;
  currency: string;
  quantity?: number;
  description?: string | null;
  price?: any;
  subscription?: string | null;
  subscriptionItem?: string | null;
  proration?: boolean;
  /** A proration's discounts, already taken off its amount (`proration_details.discount_amounts`). */
  prorationDiscounts?: { amount: number; discount: string }[];
  discountable?: boolean;
  period?: { start: number; end: number };
  metadata?: Record<string, string>;
}

/**
 * Stores an invoice item: a pending charge (or credit, when negative) that the customer's next invoice picks
 * up. Prorations from subscription changes are invoice items too (`proration: true`), as on Stripe.
 */
export function createInvoiceItem(ctx: Ctx, input: NewInvoiceItem): any {
  const now = timeForCustomer(ctx.account, input.customer);
  const customer = ctx.account.data.customers[input.customer];
  const quantity = input.quantity ?? 1;
  const item = putObject(ctx.account, 'invoiceitems', {
    id: newId('ii'),
    object: 'invoiceitem',
    amount: input.amount,
    currency: input.currency,
    customer: input.customer,
    customer_account: null,
    date: now,
    description: input.description ?? null,
    discountable: input.discountable ?? !input.proration,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: input.metadata ?? {},
    net_amount: input.amount,
    parent: input.subscription
      ? {
          subscription_details: {
            subscription: input.subscription,
            ...(input.subscriptionItem ? { subscription_item: input.subscriptionItem } : {}),
          },
          type: 'subscription_details',
        }
      : null,
    period: input.period ?? { end: now, start: now },
    pricing: input.price
      ? {
          price_details: { price: input.price.id, product: input.price.product },
          type: 'price_details',
          unit_amount_decimal: String(input.price.unit_amount),
        }
      : null,
    proration: input.proration ?? false,
    proration_details: { credited_items: null, discount_amounts: input.prorationDiscounts ?? [] },
    quantity,
    quantity_decimal: String(quantity),
    tax_rates: [],
    test_clock: customer?.test_clock ?? null,
  });
  emit(ctx, 'invoiceitem.created', item);
  return item;
}

/**
 * The pending invoice items an invoice for `customer` picks up: those of `subscriptionId` (and, when
 * `withUnattached`, those tied to no subscription), oldest first.
 */
export function pendingInvoiceItems(
  account: Account,
  customer: string,
  subscriptionId: string | null,
  withUnattached: boolean,
): any[] {
  return (objectsOf(account, 'invoiceitems') as any[]).filter((ii) => {
    if (ii._deleted || ii.invoice !== null || ii.customer !== customer) return false;
    const sub = ii.parent?.subscription_details?.subscription ?? null;
    return sub === null ? withUnattached : sub === subscriptionId;
  });
}

/** An invoice item as a line of `invoiceId` (the item is marked as invoiced). */
export function invoiceItemLine(item: any, invoiceId: string): any {
  item.invoice = invoiceId;
  const sub = item.parent?.subscription_details?.subscription ?? null;
  return {
    id: newId('il'),
    object: 'line_item',
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    discount_amounts: [],
    discountable: item.discountable,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: structuredClone(item.metadata),
    parent: {
      invoice_item_details: {
        invoice_item: item.id,
        proration: item.proration,
        proration_details: { credited_items: null },
        subscription: sub,
      },
      subscription_item_details: null,
      type: 'invoice_item_details',
    },
    period: structuredClone(item.period),
    pretax_credit_amounts: [],
    pricing: item.pricing
      ? structuredClone(item.pricing)
      : { price_details: null, type: 'price_details', unit_amount_decimal: String(item.amount / item.quantity) },
    quantity: item.quantity,
    quantity_decimal: item.quantity_decimal,
    subscription: sub,
    subtotal: item.amount,
    taxes: [],
  };
}

/** The amount of `amount`/`price`/`price_data`/`pricing[price]` in an item's parameters. */
function amountOf(ctx: Ctx, body: FormObject, quantity: number, prefix = '') {
  const p = (name: string) => `${prefix}${prefix ? `[${name}]` : name}`;
  const pricing = obj(body, 'pricing');
  const priceId = str(body, 'price') ?? (pricing ? str(pricing, 'price') : undefined);
  const priceData = obj(body, 'price_data');
  const amount = int(body, 'amount');
  const given = [priceId, priceData, amount].filter((v) => v !== undefined).length;
  if (given > 1) throw invalidRequest('You may only specify one of: amount, price, price_data.', p('amount'));
  if (priceId) {
    const price = getObject(ctx.account, 'prices', priceId, 'price', pricing ? p('pricing[price]') : p('price'));
    return { price, amount: price.unit_amount * quantity, currency: price.currency };
  }
  if (priceData) {
    const price = createPrice(ctx.account, priceData, p('price_data'));
    return { price, amount: price.unit_amount * quantity, currency: price.currency };
  }
  if (amount === undefined)
    throw invalidRequest(`Missing required param: ${p('amount')}.`, p('amount'), 'parameter_missing');
  return { price: null, amount, currency: currency(body) };
}

function periodOf(body: FormObject): { start: number; end: number } | undefined {
  const given = obj(body, 'period');
  if (!given) return undefined;
  return { start: int(given, 'start', { required: true })!, end: int(given, 'end', { required: true })! };
}

const ITEM_FILTERS: ListFilters = {
  created,
  customer: equals((i) => i.customer),
  invoice: equals((i) => i.invoice),
  pending: flag((i) => i.invoice === null),
};

/** Preview/`invoice_items[]` entries and `/v1/invoiceitems` share one reading of the parameters. */
export function invoiceItemFromParams(ctx: Ctx, body: FormObject, customer: string, prefix = ''): any {
  const quantity = int(body, 'quantity', { min: 1 }) ?? 1;
  const { price, amount, currency: cur } = amountOf(ctx, body, quantity, prefix);
  const subscription = str(body, 'subscription');
  if (subscription) getObject(ctx.account, 'subscriptions', subscription, 'subscription', `${prefix}subscription`);
  return createInvoiceItem(ctx, {
    customer,
    amount,
    currency: cur,
    quantity,
    price,
    description: str(body, 'description') ?? (price ? (ctx.account.data.products[price.product]?.name ?? null) : null),
    subscription: subscription ?? null,
    discountable: bool(body, 'discountable'),
    period: periodOf(body),
    metadata: metadata(body),
  });
}

/** The draft an item is on (it may still change), or null when pending; an item on a finalized invoice is fixed. */
function editableInvoiceOf(ctx: Ctx, item: any, what: string): any | null {
  if (item.invoice === null) return null;
  const invoice = ctx.account.data.invoices[item.invoice];
  if (invoice?.status !== 'draft')
    throw invalidRequest(
      `This invoice item is on a finalized invoice and cannot be ${what}.`,
      undefined,
      'invoice_not_editable',
    );
  return invoice;
}

export const invoiceItemRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/invoiceitems',
    handler: (ctx) => {
      allowOnly(ctx.body, [
        'customer',
        'amount',
        'currency',
        'description',
        'discountable',
        'invoice',
        'metadata',
        'period',
        'price',
        'price_data',
        'pricing',
        'quantity',
        'subscription',
        'unit_amount',
        'unit_amount_decimal',
        'tax_behavior',
      ]);
      const customer = getObject(ctx.account, 'customers', str(ctx.body, 'customer', true), 'customer', 'customer');
      // `invoice`: added to that draft (only drafts take items); without it, to the customer's next invoice.
      const invoiceId = str(ctx.body, 'invoice');
      const draft = invoiceId ? draftFor(ctx, invoiceId, customer.id) : null;
      if (draft && ctx.body.subscription !== undefined)
        throw invalidRequest('You may only specify one of: invoice, subscription.', 'subscription');
      const unit = int(ctx.body, 'unit_amount');
      const body = { ...ctx.body };
      if (unit !== undefined) {
        if (body.amount !== undefined)
          throw invalidRequest('You may only specify one of: amount, unit_amount.', 'unit_amount');
        body.amount = String(unit * (int(ctx.body, 'quantity', { min: 1 }) ?? 1));
        delete body.unit_amount;
      }
      delete body.invoice;
      const item = invoiceItemFromParams({ ...ctx, body }, body, customer.id);
      if (draft) {
        if (item.currency !== draft.currency)
          throw invalidRequest(
            `The invoice item's currency (${item.currency}) must match the invoice's (${draft.currency}).`,
            'currency',
          );
        draft.lines.data.push(invoiceItemLine(item, draft.id));
        recomputeDraft(ctx, draft);
      }
      return item;
    },
  },
  {
    method: 'GET',
    path: '/v1/invoiceitems/:id',
    handler: (ctx) => getObject(ctx.account, 'invoiceitems', ctx.params.id, 'invoiceitem'),
  },
  {
    method: 'POST',
    path: '/v1/invoiceitems/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['amount', 'description', 'discountable', 'metadata', 'period', 'quantity']);
      const item = getObject(ctx.account, 'invoiceitems', ctx.params.id, 'invoiceitem');
      const draft = editableInvoiceOf(ctx, item, 'changed');
      const before = clone(item);
      const quantity = int(ctx.body, 'quantity', { min: 1 });
      const amount = int(ctx.body, 'amount');
      if (quantity !== undefined) {
        const unit = item.pricing ? Number(item.pricing.unit_amount_decimal) : item.amount / item.quantity;
        item.quantity = quantity;
        item.quantity_decimal = String(quantity);
        if (amount === undefined) item.amount = Math.round(unit * quantity);
      }
      if (amount !== undefined) item.amount = amount;
      item.net_amount = item.amount;
      const description = nullableStr(ctx.body, 'description');
      if (description !== undefined) item.description = description;
      const discountable = bool(ctx.body, 'discountable');
      if (discountable !== undefined) item.discountable = discountable;
      item.period = periodOf(ctx.body) ?? item.period;
      item.metadata = metadata(ctx.body, item.metadata);
      emit(ctx, 'invoiceitem.updated', item, diff(before, item));
      if (draft) {
        const at = draft.lines.data.findIndex((l: any) => l.parent?.invoice_item_details?.invoice_item === item.id);
        draft.lines.data[at] = { ...invoiceItemLine(item, draft.id), id: draft.lines.data[at].id };
        recomputeDraft(ctx, draft);
      }
      return item;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/invoiceitems/:id',
    handler: (ctx) => {
      const item = getObject(ctx.account, 'invoiceitems', ctx.params.id, 'invoiceitem');
      const draft = editableInvoiceOf(ctx, item, 'deleted');
      item._deleted = true;
      emit(ctx, 'invoiceitem.deleted', item);
      if (draft) {
        draft.lines.data = draft.lines.data.filter(
          (l: any) => l.parent?.invoice_item_details?.invoice_item !== item.id,
        );
        recomputeDraft(ctx, draft);
      }
      return { id: item.id, object: 'invoiceitem', deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/invoiceitems',
    filters: Object.keys(ITEM_FILTERS),
    handler: (ctx) =>
      filteredList(
        ctx.query,
        (objectsOf(ctx.account, 'invoiceitems') as any[]).filter((i) => !i._deleted),
        '/v1/invoiceitems',
        ITEM_FILTERS,
      ),
  },
];
