import { type Ctx, clone, diff, emit, getObject, type Route, timeForCustomer } from '../context';
import { invalidRequest, StripeApiError, unexpectedState } from '../errors';
import { randomToken } from '../ids';
import { allowOnly, arr, bool, int, metadata, nullableStr, obj, oneOf, str } from '../params';
import { created, equals, filteredList, type ListFilters, publicView, range } from '../render';
import { type Account, objectsOf } from '../store';

const INVOICE_FILTERS: ListFilters = {
  collection_method: equals((i) => i.collection_method),
  created,
  customer: equals((i) => i.customer),
  due_date: range((i) => i.due_date),
  status: equals((i) => i.status),
  subscription: equals((i) => i.parent?.subscription_details?.subscription ?? null),
};

import { createSubscriptionDiscount, discountsFromParams } from './coupons';
import { invoiceItemFromParams } from './invoice-items';
import {
  attemptInvoicePayment,
  createInvoiceFromPending,
  createSubscriptionInvoice,
  finalizeInvoice,
  invoicePaymentIntent,
  markPaidOutOfBand,
  voidInvoice,
} from './invoices';
import { paymentMethodOf } from './one-off-invoices';
import { changeSubscriptionItems } from './subscription-items';
import { addInterval } from './subscription-lifecycle';

/**
 * `invoices.createPreview`: the invoice Stripe would make next, without making it. Runs the requested
 * changes on a scratch copy of the account (nothing is stored, no event is sent): for a subscription, its
 * next renewal with pending invoice items and prorations from `subscription_details[items]` (or, with
 * `proration_behavior=always_invoice`, the proration invoice made now); for a customer alone, their
 * pending invoice items. The id starts with `upcoming_in`, as on Stripe.
 */
function previewInvoice(ctx: Ctx): any {
  allowOnly(ctx.body, ['customer', 'subscription', 'subscription_details', 'invoice_items', 'currency', 'discounts']);
  const scratch: Account = { ...ctx.account, data: structuredClone(ctx.account.data) };
  const sctx: Ctx = { ...ctx, account: scratch, core: { ...ctx.core, emit: () => {} } };
  const subId = str(ctx.body, 'subscription');
  const sub = subId ? getObject(scratch, 'subscriptions', subId, 'subscription', 'subscription') : null;
  const customerId = str(ctx.body, 'customer') ?? sub?.customer;
  if (!customerId)
    throw invalidRequest('Missing required param: customer or subscription.', 'customer', 'parameter_missing');
  const customer = getObject(scratch, 'customers', customerId, 'customer', 'customer');
  if (sub && sub.customer !== customer.id)
    throw invalidRequest('The subscription does not belong to this customer.', 'subscription');
  if (sub && (sub.status === 'canceled' || sub.status === 'incomplete_expired'))
    throw invalidRequest('No upcoming invoices for a canceled subscription.', 'subscription', 'invoice_upcoming_none');
  (arr(ctx.body, 'invoice_items') ?? []).forEach((entry, i) => {
    if (typeof entry !== 'object' || Array.isArray(entry)) throw invalidRequest(`Invalid invoice_items[${i}]`);
    allowOnly(entry, [
      'amount',
      'currency',
      'description',
      'discountable',
      'metadata',
      'period',
      'price',
      'price_data',
      'pricing',
      'quantity',
    ]);
    const item = invoiceItemFromParams(sctx, entry, customer.id, `invoice_items[${i}]`);
    if (sub) item.parent = { subscription_details: { subscription: sub.id }, type: 'subscription_details' };
  });
  const now = timeForCustomer(scratch, customer.id);
  const discounts = discountsFromParams(scratch, ctx.body);
  if (discounts && !sub) throw invalidRequest('The sandbox previews discounts on subscriptions only.', 'discounts');
  if (discounts && sub)
    sub.discounts = discounts.map(
      (d) => createSubscriptionDiscount(sctx, sub, d, now, (t, n) => addInterval(t, 'month', n)).id,
    );
  if (!sub && ctx.body.subscription_details !== undefined)
    throw invalidRequest('subscription_details needs a subscription.', 'subscription_details');
  let invoice: any;
  if (sub) {
    const details = obj(ctx.body, 'subscription_details') ?? {};
    // Only what the sandbox previews; anything else is refused by its bracketed name, never ignored.
    allowOnly(details, ['items', 'proration_behavior', 'proration_date']);
    const behavior =
      oneOf(details, 'proration_behavior', ['create_prorations', 'none', 'always_invoice'] as const) ??
      'create_prorations';
    const prorationDate = int(details, 'proration_date') ?? now;
    changeSubscriptionItems(
      sctx,
      sub,
      details,
      behavior === 'always_invoice' ? 'create_prorations' : behavior,
      prorationDate,
    );
    if (behavior === 'always_invoice') {
      invoice = createSubscriptionInvoice(sctx, sub, 'subscription_update', now, undefined, { onlyPending: true });
    } else {
      const periodEnd = sub.items.data[0].current_period_end;
      const { interval, interval_count: count } = sub.items.data[0].price.recurring;
      for (const item of sub.items.data) {
        item.current_period_start = periodEnd;
        item.current_period_end = addInterval(periodEnd, interval, count);
      }
      invoice = createSubscriptionInvoice(sctx, sub, 'upcoming', periodEnd);
    }
  } else {
    invoice = createInvoiceFromPending(sctx, customer.id, 'manual', now, str(ctx.body, 'currency'));
  }
  const id = `upcoming_in_${randomToken(24)}`;
  invoice.id = id;
  invoice.lines.url = `/v1/invoices/${id}/lines`;
  invoice.payments.url = `/v1/invoice_payments?invoice=${id}`;
  for (const line of invoice.lines.data) line.invoice = id;
  return publicView(invoice);
}

export const invoiceRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/invoices/create_preview',
    handler: previewInvoice,
  },
  {
    method: 'GET',
    path: '/v1/invoices/:id',
    handler: (ctx) => getObject(ctx.account, 'invoices', ctx.params.id, 'invoice'),
  },
  {
    method: 'GET',
    path: '/v1/invoices',
    filters: Object.keys(INVOICE_FILTERS),
    handler: (ctx) =>
      filteredList(
        ctx.query,
        objectsOf(ctx.account, 'invoices').filter((i: any) => !i._deleted),
        '/v1/invoices',
        INVOICE_FILTERS,
      ),
  },
  {
    method: 'GET',
    path: '/v1/invoices/:id/lines',
    filters: [],
    handler: (ctx) => {
      const invoice = getObject(ctx.account, 'invoices', ctx.params.id, 'invoice');
      return filteredList(ctx.query, [...invoice.lines.data].reverse(), `/v1/invoices/${invoice.id}/lines`, {});
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['metadata', 'description', 'footer']);
      const invoice = getObject(ctx.account, 'invoices', ctx.params.id, 'invoice');
      const before = clone(invoice);
      invoice.metadata = metadata(ctx.body, invoice.metadata);
      for (const field of ['description', 'footer'] as const) {
        const v = nullableStr(ctx.body, field);
        if (v !== undefined) invoice[field] = v;
      }
      const previous = diff(before, invoice);
      if (Object.keys(previous).length) emit(ctx, 'invoice.updated', invoice, previous);
      return invoice;
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/void',
    handler: (ctx) => {
      allowOnly(ctx.body, []);
      const invoice = getObject(ctx.account, 'invoices', ctx.params.id, 'invoice');
      if (invoice.status === 'draft')
        throw unexpectedState('A draft invoice cannot be voided; delete it instead.', 'invoice_not_open');
      if (invoice.status !== 'open' && invoice.status !== 'uncollectible')
        throw unexpectedState(`You can only void an open invoice; this one is ${invoice.status}.`, 'invoice_not_open');
      voidInvoice(ctx, invoice, timeForCustomer(ctx.account, invoice.customer));
      return invoice;
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/pay',
    handler: (ctx) => {
      allowOnly(ctx.body, ['payment_method', 'off_session', 'paid_out_of_band', 'forgive']);
      const invoice = getObject(ctx.account, 'invoices', ctx.params.id, 'invoice');
      if (invoice.status === 'paid' || invoice.status === 'void')
        throw unexpectedState(`Invoice is already ${invoice.status}.`, 'invoice_not_open');
      const now = timeForCustomer(ctx.account, invoice.customer);
      // Paying a draft finalizes it first, as on Stripe (a zero total is then paid already).
      if (invoice.status === 'draft') finalizeInvoice(ctx, invoice, now);
      if (invoice.status === 'paid') return invoice;
      if (bool(ctx.body, 'paid_out_of_band')) {
        markPaidOutOfBand(ctx, invoice, now);
        return invoice;
      }
      const pmId = paymentMethodOf(ctx, invoice, str(ctx.body, 'payment_method'));
      if (!pmId)
        throw invalidRequest(
          'This invoice has no payment method to charge.',
          'payment_method',
          'invoice_no_payment_method_types',
        );
      attemptInvoicePayment(ctx, invoice, pmId, ctx.body.off_session !== 'false', now);
      const pi = invoicePaymentIntent(ctx, invoice);
      if (invoice.status !== 'paid' && pi?.last_payment_error) {
        const e = pi.last_payment_error;
        throw new StripeApiError(402, 'card_error', e.message, {
          code: e.code,
          decline_code: e.decline_code,
          charge: e.charge,
        });
      }
      return invoice;
    },
  },
];
