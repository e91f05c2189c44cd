import { type Ctx, emit, putObject, timeForCustomer } from '../context';
import { newId } from '../ids';
import { discountOn } from './coupons';
import { invoiceItemLine, pendingInvoiceItems } from './invoice-items';
import { confirmPayment, createPaymentIntent } from './payment-intents';
import { resolvePaymentMethod } from './payment-methods';
import { onInvoicePaid, onInvoicePaymentFailed } from './subscription-lifecycle';

const DAY = 86_400;
/** Smart-retry schedule after a failed renewal: attempts 2..4 at +3, +5, +7 days. */
const RETRY_DELAYS_DAYS = [3, 2, 2];

export function createSubscriptionInvoice(
  ctx: Ctx,
  sub: any,
  billingReason: string,
  now: number,
  amountOverride?: number,
  options: { onlyPending?: boolean } = {},
): any {
  const id = newId('in');
  const items = options.onlyPending ? [] : sub.items.data;
  const lines = items.map((item: any) => {
    const amount = amountOverride === 0 ? 0 : item.price.unit_amount * item.quantity;
    const productName = ctx.account.data.products[item.price.product]?.name ?? 'Item';
    return {
      id: newId('il'),
      object: 'line_item',
      amount,
      currency: item.price.currency,
      description: amountOverride === 0 ? `Trial period for ${productName}` : `${item.quantity} × ${productName}`,
      discount_amounts: [],
      discountable: true,
      discounts: [],
      invoice: id,
      livemode: false,
      metadata: {},
      parent: {
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: null,
          proration: false,
          proration_details: { credited_items: null },
          subscription: sub.id,
          subscription_item: item.id,
        },
        type: 'subscription_item_details',
      },
      period: { end: item.current_period_end, start: item.current_period_start },
      pretax_credit_amounts: [],
      pricing: {
        price_details: { price: item.price.id, product: item.price.product },
        type: 'price_details',
        unit_amount_decimal: String(item.price.unit_amount),
      },
      quantity: item.quantity,
      quantity_decimal: null,
      subscription: sub.id,
      subtotal: amount,
      taxes: [],
    };
  });
  // Pending invoice items (prorations from mid-period item changes, `/v1/invoiceitems`) are billed on the
  // next invoice; a trial's bills nothing yet.
  if (amountOverride !== 0) {
    const pending = pendingInvoiceItems(ctx.account, sub.customer, sub.id, !options.onlyPending);
    lines.push(...pending.map((ii) => invoiceItemLine(ii, id)));
  }
  return buildInvoice(ctx, { id, customerId: sub.customer, sub, lines, billingReason, now, currency: sub.currency });
}

/** A one-off invoice of the customer's pending invoice items that belong to no subscription. */
export function createInvoiceFromPending(
  ctx: Ctx,
  customerId: string,
  billingReason: string,
  now: number,
  cur?: string,
): any {
  const id = newId('in');
  const pending = pendingInvoiceItems(ctx.account, customerId, null, true);
  const currency = cur ?? pending[0]?.currency ?? 'usd';
  const lines = pending.filter((ii) => ii.currency === currency).map((ii) => invoiceItemLine(ii, id));
  return buildInvoice(ctx, { id, customerId, sub: null, lines, billingReason, now, currency });
}

/** The subscription's discounts still in force at `now` (a `once` coupon's is dropped after its invoice). */
export function activeDiscounts(ctx: Ctx, sub: any, now: number): any[] {
  return ((sub?.discounts ?? []) as string[])
    .map((id) => ctx.account.data.discounts[id])
    .filter((d) => d && (d.end === null || d.end > now) && ctx.account.data.coupons[d.source.coupon]);
}

/**
 * Takes the subscription's discount off the invoice's discountable lines (spread in proportion, the last
 * line takes the rounding), as `discount_amounts` per line and `total_discount_amounts`.
 */
function applyInvoiceDiscounts(
  ctx: Ctx,
  sub: any,
  lines: any[],
  cur: string,
  now: number,
): { id: string; amount: number }[] {
  const out: { id: string; amount: number }[] = [];
  if (sub?.discounts?.length) {
    sub.discounts = sub.discounts.filter((id: string) => {
      const d = ctx.account.data.discounts[id];
      if (d?._used && d.end === null) d.end = now;
      return d && !d._used && (d.end === null || d.end > now);
    });
  }
  for (const discount of activeDiscounts(ctx, sub, now)) {
    const coupon = ctx.account.data.coupons[discount.source.coupon];
    const discountable = lines.filter((l) => l.discountable && l.amount > 0);
    const base = discountable.reduce(
      (sum, l) => sum + l.amount - l.discount_amounts.reduce((a: number, d: any) => a + d.amount, 0),
      0,
    );
    if (base <= 0) continue;
    const total = discountOn(coupon, base, cur);
    let left = total;
    discountable.forEach((line, i) => {
      const share = i === discountable.length - 1 ? left : Math.floor((total * line.amount) / base);
      left -= share;
      line.discount_amounts.push({ amount: share, discount: discount.id });
      line.discounts.push(discount.id);
    });
    out.push({ id: discount.id, amount: total });
    // A `once` coupon's discount stays on the subscription until its next invoice, which drops it.
    if (coupon.duration === 'once') discount._used = true;
  }
  return out;
}

export function buildInvoice(
  ctx: Ctx,
  input: {
    id: string;
    customerId: string;
    sub: any | null;
    lines: any[];
    billingReason: string;
    now: number;
    currency: string;
    /** Fields a one-off invoice sets at creation (collection method, description, …), before invoice.created. */
    fields?: Record<string, unknown>;
  },
): any {
  const { id, sub, lines, billingReason, now } = input;
  const customer = ctx.account.data.customers[input.customerId];
  const applied = applyInvoiceDiscounts(ctx, sub, lines, input.currency, now);
  const subtotal = lines.reduce((sum: number, l: any) => sum + l.amount, 0);
  const discounted = applied.reduce((sum, d) => sum + d.amount, 0);
  const total = Math.max(0, subtotal - discounted);
  customer.next_invoice_sequence += 1;
  const invoice = putObject(ctx.account, 'invoices', {
    id,
    object: 'invoice',
    account_country: 'US',
    account_name: ctx.account.brand.name,
    account_tax_ids: null,
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: true,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: null,
    billing_reason: billingReason,
    collection_method: 'charge_automatically',
    confirmation_secret: null,
    created: now,
    currency: input.currency,
    custom_fields: null,
    customer: input.customerId,
    customer_account: null,
    customer_address: null,
    customer_email: customer?.email ?? null,
    customer_name: customer?.name ?? null,
    customer_phone: null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: applied.map((d) => d.id),
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: 'list', data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: sub
      ? {
          quote_details: null,
          subscription_details: { metadata: structuredClone(sub.metadata), subscription: sub.id },
          type: 'subscription_details',
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    payments: { object: 'list', data: [], has_more: false, url: `/v1/invoice_payments?invoice=${id}` },
    period_end: now,
    period_start: now,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: 'draft',
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: customer?.test_clock ?? null,
    total,
    total_discount_amounts: applied.map((d) => ({ amount: d.amount, discount: d.id })),
    total_excluding_tax: total,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: now,
    ...input.fields,
    // Its number is taken at creation, so drafts finalized out of order keep distinct numbers.
    _sequence: customer ? customer.next_invoice_sequence - 1 : 0,
  });
  emit(ctx, 'invoice.created', invoice);
  return invoice;
}

/** Finalizes a draft; a zero-amount invoice (trial) is paid at once, as on Stripe. */
export function finalizeInvoice(ctx: Ctx, invoice: any, now: number): void {
  const customer = ctx.account.data.customers[invoice.customer];
  invoice.status = 'open';
  const sequence = invoice._sequence ?? customer.next_invoice_sequence - 1;
  invoice.number = `${customer.invoice_prefix}-${String(sequence).padStart(4, '0')}`;
  invoice.status_transitions.finalized_at = now;
  if (invoice.collection_method === 'send_invoice' && invoice.due_date === null)
    invoice.due_date = now + (invoice._days_until_due ?? 30) * DAY;
  invoice.effective_at = now;
  invoice.ending_balance = 0;
  invoice.hosted_invoice_url = `${ctx.core.baseUrl()}/i/${invoice.id}`;
  invoice.invoice_pdf = `${ctx.core.baseUrl()}/i/${invoice.id}/pdf`;
  if (invoice.amount_due > 0) attachPaymentIntent(ctx, invoice, now);
  emit(ctx, 'invoice.finalized', invoice);
  if (invoice.amount_due === 0) markInvoicePaid(ctx, invoice, now);
}

/** The PaymentIntent that collects an invoice (a fresh one when the last was canceled, e.g. marked uncollectible). */
export function attachPaymentIntent(ctx: Ctx, invoice: any, now: number): any {
  const descriptions: Record<string, string> = {
    subscription_create: 'Subscription creation',
    manual: `Invoice ${invoice.number}`,
  };
  const pi = createPaymentIntent(ctx, {
    amount: invoice.amount_remaining,
    currency: invoice.currency,
    customer: invoice.customer,
    description: descriptions[invoice.billing_reason] ?? 'Subscription update',
    setup_future_usage: 'off_session',
  });
  pi._invoice = invoice.id;
  invoice.confirmation_secret = { client_secret: pi.client_secret, type: 'payment_intent' };
  for (const earlier of invoice.payments.data) earlier.is_default = false;
  invoice.payments.data = [
    {
      id: newId('inpay'),
      object: 'invoice_payment',
      amount_paid: null,
      amount_requested: invoice.amount_remaining,
      created: now,
      currency: invoice.currency,
      invoice: invoice.id,
      is_default: true,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: pi.id },
      status: 'open',
      status_transitions: { canceled_at: null, paid_at: null },
    },
    ...invoice.payments.data,
  ];
  return pi;
}

/** Called when an invoice's PaymentIntent settles, however it was confirmed (renewal, API, 3DS page). */
export function settleInvoiceFromPaymentIntent(ctx: Ctx, pi: any, succeeded: boolean): void {
  const invoice = ctx.account.data.invoices[pi._invoice];
  // An uncollectible invoice can still be paid, as on Stripe.
  if (invoice?.status !== 'open' && invoice?.status !== 'uncollectible') return;
  const now = timeForCustomer(ctx.account, invoice.customer);
  if (succeeded) markInvoicePaid(ctx, invoice, now);
  else recordFailedAttempt(ctx, invoice, now);
}

export function invoicePaymentIntent(ctx: Ctx, invoice: any): any | null {
  const piId = invoice.payments.data[0]?.payment.payment_intent;
  return piId ? ctx.account.data.payment_intents[piId] : null;
}

/** Charges an open invoice with a payment method; the PaymentIntent hooks settle the invoice. */
export function attemptInvoicePayment(
  ctx: Ctx,
  invoice: any,
  paymentMethodId: string | null,
  offSession: boolean,
  now: number,
) {
  let pi = invoicePaymentIntent(ctx, invoice);
  if (pi?.status === 'canceled') pi = attachPaymentIntent(ctx, invoice, now);
  if (!pi) return;
  if (!paymentMethodId) {
    recordFailedAttempt(ctx, invoice, now);
    return;
  }
  const pm = resolvePaymentMethod(ctx.account, paymentMethodId);
  if (pi.status === 'requires_action') pi.status = 'requires_payment_method';
  confirmPayment(ctx, pi, pm, { offSession });
}

export function markInvoicePaid(ctx: Ctx, invoice: any, now: number): void {
  if (invoice.status === 'paid') return;
  invoice.status = 'paid';
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.attempted = true;
  if (invoice.amount_due > 0) invoice.attempt_count += 1;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.paid_at = now;
  const payment = invoice.payments.data[0];
  if (payment) {
    payment.status = 'paid';
    payment.amount_paid = invoice.amount_due;
    payment.status_transitions.paid_at = now;
    const pi = ctx.account.data.payment_intents[payment.payment.payment_intent];
    if (pi?.latest_charge) payment.payment.charge = pi.latest_charge;
  }
  emit(ctx, 'invoice.paid', invoice);
  emit(ctx, 'invoice.payment_succeeded', invoice);
  onInvoicePaid(ctx, invoice, now);
}

/** `pay({paid_out_of_band: true})`: paid outside Stripe; its PaymentIntent, if any, is canceled. */
export function markPaidOutOfBand(ctx: Ctx, invoice: any, now: number): void {
  cancelInvoicePaymentIntent(ctx, invoice, now);
  invoice.payments.data = invoice.payments.data.filter((p: any) => p.status === 'paid');
  markInvoicePaid(ctx, invoice, now);
}

export function recordFailedAttempt(ctx: Ctx, invoice: any, now: number): void {
  invoice.attempted = true;
  invoice.attempt_count += 1;
  const delay = RETRY_DELAYS_DAYS[invoice.attempt_count - 1];
  invoice.next_payment_attempt = delay === undefined ? null : now + delay * DAY;
  emit(ctx, 'invoice.payment_failed', invoice);
  onInvoicePaymentFailed(ctx, invoice, now);
}

/** An invoice given up on (voided or uncollectible): its payment intent, unless already settled, is canceled. */
function cancelInvoicePaymentIntent(ctx: Ctx, invoice: any, now: number): void {
  const pi = invoicePaymentIntent(ctx, invoice);
  if (pi && pi.status !== 'succeeded' && pi.status !== 'canceled') {
    pi.status = 'canceled';
    pi.canceled_at = now;
    pi.cancellation_reason = 'void_invoice';
    emit(ctx, 'payment_intent.canceled', pi);
  }
}

/** Stripe's mark_uncollectible: an open invoice nobody will be charged for (its payment is canceled). */
export function markUncollectible(ctx: Ctx, invoice: any, now: number): void {
  if (invoice.status !== 'open') return;
  invoice.status = 'uncollectible';
  invoice.next_payment_attempt = null;
  invoice.status_transitions.marked_uncollectible_at = now;
  cancelInvoicePaymentIntent(ctx, invoice, now);
  emit(ctx, 'invoice.marked_uncollectible', invoice);
}

export function voidInvoice(ctx: Ctx, invoice: any, now: number): void {
  if (!['open', 'draft', 'uncollectible'].includes(invoice.status)) return;
  invoice.status = 'void';
  invoice.next_payment_attempt = null;
  invoice.status_transitions.voided_at = now;
  cancelInvoicePaymentIntent(ctx, invoice, now);
  emit(ctx, 'invoice.voided', invoice);
}
