import { clone, diff, emit, getObject, type Route, timeForCustomer } from '../context';
import { invalidRequest, StripeApiError, unexpectedState } from '../errors';
import { allowOnly, metadata, nullableStr, str } from '../params';
import { created, equals, filteredList, type ListFilters, range } from '../render';

const INVOICE_FILTERS: ListFilters = {
  collection_method: equals((i) => i.collection_method),
  created,
  customer: equals((i) => i.customer),
  due_date: range((i) => i.due_date),
  status: equals((i) => i.status),
  subscription: equals((i) => i.parent?.subscription_details?.subscription ?? null),
};

import { attemptInvoicePayment, invoicePaymentIntent, voidInvoice } from './invoices';

export const invoiceRoutes: Route[] = [
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
      filteredList(ctx.query, Object.values(ctx.account.data.invoices), '/v1/invoices', INVOICE_FILTERS),
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
      if (invoice.status !== 'open')
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
      if (invoice.status !== 'open') throw unexpectedState(`Invoice is already ${invoice.status}.`, 'invoice_not_open');
      const sub = ctx.account.data.subscriptions[invoice.parent?.subscription_details?.subscription];
      const customer = ctx.account.data.customers[invoice.customer];
      const pmId =
        str(ctx.body, 'payment_method') ??
        sub?.default_payment_method ??
        customer?.invoice_settings.default_payment_method;
      if (!pmId)
        throw invalidRequest(
          'This invoice has no payment method to charge.',
          'payment_method',
          'invoice_no_payment_method_types',
        );
      const now = timeForCustomer(ctx.account, invoice.customer);
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
