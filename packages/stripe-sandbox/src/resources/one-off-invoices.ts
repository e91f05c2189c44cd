import { type Ctx, clone, diff, emit, getObject, type Route, timeForCustomer } from '../context';
import { invalidRequest, unexpectedState } from '../errors';
import { newId } from '../ids';
import { allowOnly, bool, currency, int, metadata, oneOf, str } from '../params';
import { invoiceItemLine, pendingInvoiceItems } from './invoice-items';
import { attemptInvoicePayment, buildInvoice, finalizeInvoice, markUncollectible } from './invoices';

/**
 * One-off invoices (`POST /v1/invoices`), with Stripe's state machine: a draft is edited (invoice items added
 * with `invoice`), finalized (open; a zero total is paid at once), then paid, voided or marked uncollectible
 * (which can still be paid or voided). Only drafts are deleted. Each step sends Stripe's event
 * (`invoice.created`, `.finalized`, `.paid` + `.payment_succeeded`, `.voided`, `.marked_uncollectible`, `.deleted`).
 */
function createInvoice(ctx: Ctx): any {
  allowOnly(ctx.body, [
    'auto_advance',
    'collection_method',
    'currency',
    'customer',
    'days_until_due',
    'default_payment_method',
    'description',
    'due_date',
    'footer',
    'metadata',
    'pending_invoice_items_behavior',
    'subscription',
  ]);
  const customer = getObject(ctx.account, 'customers', str(ctx.body, 'customer', true), 'customer', 'customer');
  const now = timeForCustomer(ctx.account, customer.id);
  const method = oneOf(ctx.body, 'collection_method', ['charge_automatically', 'send_invoice'] as const);
  const daysUntilDue = int(ctx.body, 'days_until_due', { min: 0 });
  const dueDate = int(ctx.body, 'due_date');
  if (method !== 'send_invoice' && (daysUntilDue !== undefined || dueDate !== undefined))
    throw invalidRequest(
      'Invoices with `collection_method=charge_automatically` cannot have a due date.',
      daysUntilDue !== undefined ? 'days_until_due' : 'due_date',
    );
  if (daysUntilDue !== undefined && dueDate !== undefined)
    throw invalidRequest('You may only specify one of: days_until_due, due_date.', 'due_date');
  if (dueDate !== undefined && dueDate <= now)
    throw invalidRequest('The due date must be in the future.', 'due_date', 'invoice_payment_due_date_in_past');
  const subId = str(ctx.body, 'subscription');
  const sub = subId ? getObject(ctx.account, 'subscriptions', subId, 'subscription', 'subscription') : null;
  if (sub && sub.customer !== customer.id)
    throw invalidRequest('The subscription does not belong to this customer.', 'subscription');
  const pmId = str(ctx.body, 'default_payment_method');
  if (pmId) {
    const pm = ctx.account.data.payment_methods[pmId];
    if (pm?.customer !== customer.id)
      throw invalidRequest(
        `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`,
        'default_payment_method',
        'resource_missing',
      );
  }
  // Stripe's default since 2022-08-01: pending invoice items stay for the next invoice unless asked for.
  const behavior = oneOf(ctx.body, 'pending_invoice_items_behavior', ['exclude', 'include'] as const) ?? 'exclude';
  const id = newId('in');
  const pending = behavior === 'include' ? pendingInvoiceItems(ctx.account, customer.id, sub?.id ?? null, !sub) : [];
  const cur = ctx.body.currency !== undefined ? currency(ctx.body) : (pending[0]?.currency ?? sub?.currency ?? 'usd');
  const lines = pending.filter((ii) => ii.currency === cur).map((ii) => invoiceItemLine(ii, id));
  const invoice = buildInvoice(ctx, {
    id,
    customerId: customer.id,
    sub: null,
    lines,
    billingReason: 'manual',
    now,
    currency: cur,
    fields: {
      auto_advance: bool(ctx.body, 'auto_advance') ?? false,
      collection_method: method ?? 'charge_automatically',
      default_payment_method: pmId ?? null,
      description: str(ctx.body, 'description') ?? null,
      due_date: dueDate ?? null,
      footer: str(ctx.body, 'footer') ?? null,
      metadata: metadata(ctx.body),
      parent: sub
        ? {
            quote_details: null,
            subscription_details: { metadata: structuredClone(sub.metadata), subscription: sub.id },
            type: 'subscription_details',
          }
        : null,
      _days_until_due: daysUntilDue ?? (method === 'send_invoice' && dueDate === undefined ? 30 : undefined),
    },
  });
  for (const item of pending.filter((ii) => ii.invoice === id)) emitItemUpdate(ctx, item);
  return invoice;
}

function emitItemUpdate(ctx: Ctx, item: any): void {
  emit(ctx, 'invoiceitem.updated', item, { invoice: null });
}

/** A draft's totals after its lines changed (its discounts stay as computed when it was made). */
export function recomputeDraft(ctx: Ctx, invoice: any): void {
  const before = clone(invoice);
  const subtotal = invoice.lines.data.reduce((sum: number, l: any) => sum + l.amount, 0);
  const discounted = invoice.total_discount_amounts.reduce((sum: number, d: any) => sum + d.amount, 0);
  const total = Math.max(0, subtotal - discounted);
  Object.assign(invoice, {
    subtotal,
    subtotal_excluding_tax: subtotal,
    total,
    total_excluding_tax: total,
    amount_due: total,
    amount_remaining: total,
  });
  const previous = diff(before, invoice);
  if (Object.keys(previous).length) emit(ctx, 'invoice.updated', invoice, previous);
}

/** The draft invoice an invoice item is added to (`invoice` param): only drafts can take items, as on Stripe. */
export function draftFor(ctx: Ctx, invoiceId: string, customerId: string): any {
  const invoice = getObject(ctx.account, 'invoices', invoiceId, 'invoice', 'invoice');
  if (invoice.customer !== customerId) throw invalidRequest('The invoice does not belong to this customer.', 'invoice');
  if (invoice.status !== 'draft')
    throw invalidRequest(
      `You can only add invoice items to draft invoices; this one is ${invoice.status}.`,
      'invoice',
      'invoice_not_editable',
    );
  return invoice;
}

export function paymentMethodOf(ctx: Ctx, invoice: any, given: string | undefined): string | null {
  const sub = ctx.account.data.subscriptions[invoice.parent?.subscription_details?.subscription];
  const customer = ctx.account.data.customers[invoice.customer];
  return (
    given ??
    invoice.default_payment_method ??
    sub?.default_payment_method ??
    customer?.invoice_settings.default_payment_method ??
    null
  );
}

export const oneOffInvoiceRoutes: Route[] = [
  { method: 'POST', path: '/v1/invoices', handler: createInvoice },
  {
    method: 'POST',
    path: '/v1/invoices/:id/finalize',
    handler: (ctx) => {
      allowOnly(ctx.body, ['auto_advance']);
      const invoice = getObject(ctx.account, 'invoices', ctx.params.id, 'invoice');
      if (invoice.status !== 'draft')
        throw unexpectedState(
          `This invoice is already finalized, you can't re-finalize a non-draft invoice (it is ${invoice.status}).`,
          'invoice_not_editable',
        );
      const autoAdvance = bool(ctx.body, 'auto_advance');
      if (autoAdvance !== undefined) invoice.auto_advance = autoAdvance;
      const now = timeForCustomer(ctx.account, invoice.customer);
      finalizeInvoice(ctx, invoice, now);
      // Stripe collects an auto-advancing, automatically charged invoice after finalizing (about an hour
      // later; the sandbox at once) from the invoice's, subscription's or customer's default payment method.
      const pm = paymentMethodOf(ctx, invoice, undefined);
      if (invoice.status === 'open' && invoice.auto_advance && invoice.collection_method === 'charge_automatically')
        attemptInvoicePayment(ctx, invoice, pm, true, now);
      return invoice;
    },
  },
  {
    method: 'POST',
    path: '/v1/invoices/:id/mark_uncollectible',
    handler: (ctx) => {
      allowOnly(ctx.body, []);
      const invoice = getObject(ctx.account, 'invoices', ctx.params.id, 'invoice');
      if (invoice.status !== 'open')
        throw unexpectedState(
          `You can only mark an open invoice as uncollectible; this one is ${invoice.status}.`,
          'invoice_not_open',
        );
      markUncollectible(ctx, invoice, timeForCustomer(ctx.account, invoice.customer));
      return invoice;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/invoices/:id',
    handler: (ctx) => {
      const invoice = getObject(ctx.account, 'invoices', ctx.params.id, 'invoice');
      if (invoice.status !== 'draft')
        throw unexpectedState(
          `You can only delete draft invoices; this one is ${invoice.status}. Void it instead.`,
          'invoice_not_editable',
        );
      // Its invoice items go back to pending, as on Stripe.
      for (const line of invoice.lines.data) {
        const item = ctx.account.data.invoiceitems[line.parent?.invoice_item_details?.invoice_item];
        if (item) item.invoice = null;
      }
      invoice._deleted = true;
      emit(ctx, 'invoice.deleted', invoice);
      return { id: invoice.id, object: 'invoice', deleted: true };
    },
  },
];
