import { clone, diff, emit, getObject, type Route, timeForCustomer } from '../context';
import { invalidRequest, StripeApiError, unexpectedState } from '../errors';
import { allowOnly, metadata, nullableStr, str } from '../params';
import { listObject } from '../render';
import { attemptInvoicePayment, invoicePaymentIntent } from './invoices';

export const invoiceRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/invoices/:id',
    handler: (ctx) => getObject(ctx.account, 'invoices', ctx.params.id, 'invoice'),
  },
  {
    method: 'GET',
    path: '/v1/invoices',
    handler: (ctx) => {
      const customer = str(ctx.query, 'customer');
      const subscription = str(ctx.query, 'subscription');
      const status = str(ctx.query, 'status');
      const items = Object.values(ctx.account.data.invoices).filter(
        (i: any) =>
          (!customer || i.customer === customer) &&
          (!subscription || i.parent?.subscription_details?.subscription === subscription) &&
          (!status || i.status === status),
      );
      return listObject(items, ctx.query, '/v1/invoices');
    },
  },
  {
    method: 'GET',
    path: '/v1/invoices/:id/lines',
    handler: (ctx) => {
      const invoice = getObject(ctx.account, 'invoices', ctx.params.id, 'invoice');
      return listObject([...invoice.lines.data].reverse(), ctx.query, `/v1/invoices/${invoice.id}/lines`);
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
