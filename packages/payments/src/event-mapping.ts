// Pure translation of Stripe events into what the system tables should say.
// No I/O here: the callback handlers load rows, call these, and write.

import type { PaymentStatus, RecurringStatus, RefundStatus } from '@tillflow/flow-model';
import { discountOfSession } from './actions/discounts';

export type { PaymentStatus, RecurringStatus, RefundStatus };

export interface StripeEventLike {
  id: string;
  type: string;
  created: number;
  livemode?: boolean;
  data: { object: Record<string, any>; previous_attributes?: Record<string, unknown> };
}

export interface PaymentUpdate {
  /** Our payment row id, from the metadata we put on the session / intent. */
  paymentId: number | null;
  orderId: number | null;
  checkoutSessionId?: string;
  paymentIntentId?: string;
  chargeId?: string;
  status: PaymentStatus;
  failureReason?: string;
  paidAt?: Date;
  /** What Stripe says was paid (minor units), on a successful outcome: compared with what the payment row asked for. */
  paid?: { amount: number; currency: string };
  /** The discount a Checkout Session applied (minor units off, coupon and promotion code ids), as Stripe says. */
  discount?: ReturnType<typeof discountOfSession>;
}

/** The amount and currency Stripe reports as paid on a session or intent, when it says so. */
function paidOf(object: Record<string, any>, amountField: string): { paid?: { amount: number; currency: string } } {
  const amount = Number(object[amountField]);
  const currency = typeof object.currency === 'string' ? object.currency.toLowerCase() : '';
  return Number.isInteger(amount) && currency ? { paid: { amount, currency } } : {};
}

const toId = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : typeof value === 'object' && value && 'id' in value
      ? String((value as { id: unknown }).id)
      : undefined;

const toInt = (value: unknown): number | null => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : null;
};

/** For the StripePayment flow; null when the event is not about a one-time payment of ours. */
export function paymentUpdateFromEvent(event: StripeEventLike): PaymentUpdate | null {
  const object = event.data.object;
  const metadata = (object.metadata ?? {}) as Record<string, string>;
  const base = { paymentId: toInt(metadata.tillflow_payment_id), orderId: toInt(metadata.order_id) };
  if (event.type.startsWith('checkout.session.')) {
    if (object.mode !== 'payment') return null;
    const discount = discountOfSession(object);
    const ids = {
      ...base,
      checkoutSessionId: object.id as string,
      paymentIntentId: toId(object.payment_intent),
      ...(discount.amount_discount ? { discount } : {}),
    };
    switch (event.type) {
      case 'checkout.session.completed':
        return object.payment_status === 'paid' || object.payment_status === 'no_payment_required'
          ? { ...ids, status: 'SUCCESSFUL', paidAt: new Date(event.created * 1000), ...paidOf(object, 'amount_total') }
          : { ...ids, status: 'PENDING' };
      case 'checkout.session.async_payment_succeeded':
        return {
          ...ids,
          status: 'SUCCESSFUL',
          paidAt: new Date(event.created * 1000),
          ...paidOf(object, 'amount_total'),
        };
      case 'checkout.session.async_payment_failed':
        return { ...ids, status: 'FAILED', failureReason: 'The payment failed after checkout.' };
      case 'checkout.session.expired':
        return { ...ids, status: 'CANCELED', failureReason: 'The checkout session expired before payment.' };
      default:
        return null;
    }
  }
  if (event.type.startsWith('payment_intent.')) {
    // Intents created by subscription invoices carry no payment id of ours.
    if (!base.paymentId) return null;
    const ids = { ...base, paymentIntentId: object.id as string, chargeId: toId(object.latest_charge) };
    switch (event.type) {
      case 'payment_intent.succeeded':
        return {
          ...ids,
          status: 'SUCCESSFUL',
          paidAt: new Date(event.created * 1000),
          ...paidOf(object, object.amount_received ? 'amount_received' : 'amount'),
        };
      case 'payment_intent.payment_failed':
        return {
          ...ids,
          status: 'FAILED',
          failureReason: object.last_payment_error?.message ?? 'The card was declined.',
        };
      case 'payment_intent.canceled':
        return { ...ids, status: 'CANCELED', failureReason: object.cancellation_reason ?? 'Canceled.' };
      default:
        return null;
    }
  }
  return null;
}

// A later event may not undo a settled outcome: a stale payment_failed that
// arrives after succeeded must not regress the row. A payment of the wrong
// amount sits below SUCCESSFUL: the right amount paid later still settles it.
// Stripe's intent goes requires_payment_method (a decline: FAILED) → canceled (the intent canceled, or its
// checkout session expired), never back: CANCELED is after FAILED, so a stale decline cannot undo a cancel.
const PAYMENT_RANK: Record<PaymentStatus, number> = {
  PENDING: 0,
  FAILED: 1,
  CANCELED: 2,
  AMOUNT_MISMATCH: 3,
  SUCCESSFUL: 4,
  PARTIALLY_REFUNDED: 5,
  REFUNDED: 6,
};

/**
 * A successful outcome whose paid amount or currency differs from what the
 * payment row owes (the order's amount, decided by the server) is a mismatch,
 * never a success. An outcome that does not report what was paid is trusted
 * as before (e.g. a session with no payment required).
 */
export function paidAmountMatches(owed: { amount: number; currency: string }, update: PaymentUpdate): boolean {
  if (update.status !== 'SUCCESSFUL' || !update.paid) return true;
  return update.paid.amount === owed.amount && update.paid.currency === owed.currency.toLowerCase();
}

export function shouldApplyPaymentStatus(current: PaymentStatus, next: PaymentStatus): boolean {
  if (current === next) return false;
  // A failed attempt can still be followed by a successful retry of the same intent, or by its cancel.
  return PAYMENT_RANK[next] > PAYMENT_RANK[current];
}

export interface RefundUpdate {
  refundId: number | null;
  stripeRefundId: string;
  paymentIntentId?: string;
  chargeId?: string;
  amount: number;
  currency: string;
  reason: string | null;
  status: RefundStatus;
  failureReason?: string;
}

export function refundUpdateFromEvent(event: StripeEventLike): RefundUpdate | null {
  if (!['refund.created', 'refund.updated', 'refund.failed', 'charge.refund.updated'].includes(event.type)) return null;
  const refund = event.data.object;
  return {
    refundId: toInt(refund.metadata?.tillflow_refund_id),
    stripeRefundId: refund.id,
    paymentIntentId: toId(refund.payment_intent),
    chargeId: toId(refund.charge),
    amount: Number(refund.amount),
    currency: String(refund.currency),
    reason: refund.reason ?? null,
    status: refundStatusOf(String(refund.status)),
    failureReason: refund.failure_reason ?? undefined,
  };
}

const REFUND_STATUS: Record<string, RefundStatus> = {
  pending: 'PENDING',
  requires_action: 'PENDING',
  succeeded: 'REFUNDED',
  failed: 'FAILED',
  canceled: 'CANCELED',
};
export const refundStatusOf = (stripeStatus: string): RefundStatus => REFUND_STATUS[stripeStatus] ?? 'PENDING';

const REFUND_RANK: Record<RefundStatus, number> = { PENDING: 0, FAILED: 1, CANCELED: 1, REFUNDED: 2 };
export function shouldApplyRefundStatus(current: RefundStatus, next: RefundStatus): boolean {
  return current !== next && REFUND_RANK[next] >= REFUND_RANK[current];
}

/** Payment status after refunds: what remains decides partial or full. */
export function paymentStatusAfterRefunds(amount: number, refunded: number): PaymentStatus {
  if (refunded <= 0) return 'SUCCESSFUL';
  return refunded >= amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
}

export function recurringStatusOf(stripeStatus: string): RecurringStatus {
  return stripeStatus.toUpperCase() as RecurringStatus;
}

export interface SubscriptionSnapshot {
  subscriptionId: string;
  customerId?: string;
  priceId?: string;
  status: RecurringStatus;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
  /** Length of the subscription's free trial in whole days, when it has one. */
  trialDays: number | null;
  orderId: number | null;
  recurringPaymentId: number | null;
  /** What the plan charges now: its first item's quantity, unit amount × quantity per interval. */
  quantity: number | null;
  planAmount: number | null;
  planInterval: string | null;
  /** Stripe's pause_collection is set: renewals are not collected. */
  collectionPaused: boolean;
  /** The card that pays it, in words ("Mastercard ending in 4444"), when the object carries it expanded. */
  paymentMethod: string | null;
}

/** A card payment method in words; null for an id (not expanded) or another kind of method. */
export function paymentMethodWords(pm: unknown): string | null {
  const card = (pm as { card?: { brand?: string; last4?: string } } | null)?.card;
  if (!card?.brand || !card.last4) return null;
  const brands: Record<string, string> = { amex: 'American Express', diners: 'Diners Club', unionpay: 'UnionPay' };
  const brand = brands[card.brand] ?? card.brand[0].toUpperCase() + card.brand.slice(1);
  return `${brand} ending in ${card.last4}`;
}

/** From a subscription object (an event's, or a fresh one re-fetched from Stripe). */
export function subscriptionSnapshot(subscription: Record<string, any>): SubscriptionSnapshot {
  // Since API 2025-03-31 the billing period lives on the items, not the subscription.
  const item = subscription.items?.data?.[0] ?? {};
  const seconds = (v: unknown) => (typeof v === 'number' ? new Date(v * 1000) : null);
  const metadata = (subscription.metadata ?? {}) as Record<string, string>;
  return {
    subscriptionId: subscription.id,
    customerId: toId(subscription.customer),
    priceId: toId(item.price),
    status: recurringStatusOf(String(subscription.status)),
    currentPeriodStart: seconds(item.current_period_start ?? subscription.current_period_start),
    currentPeriodEnd: seconds(item.current_period_end ?? subscription.current_period_end),
    cancelAtPeriodEnd: Boolean(subscription.cancel_at_period_end),
    canceledAt: seconds(subscription.canceled_at),
    trialDays:
      typeof subscription.trial_start === 'number' && typeof subscription.trial_end === 'number'
        ? Math.round((subscription.trial_end - subscription.trial_start) / 86_400)
        : null,
    orderId: toInt(metadata.order_id),
    recurringPaymentId: toInt(metadata.tillflow_recurring_payment_id),
    quantity: typeof item.quantity === 'number' ? item.quantity : null,
    planAmount:
      typeof item.price?.unit_amount === 'number' && typeof item.quantity === 'number'
        ? item.price.unit_amount * item.quantity
        : null,
    planInterval: item.price?.recurring
      ? `${item.price.recurring.interval_count > 1 ? `${item.price.recurring.interval_count} ` : ''}${item.price.recurring.interval}`
      : null,
    collectionPaused: Boolean(subscription.pause_collection),
    paymentMethod:
      paymentMethodWords(subscription.default_payment_method) ??
      paymentMethodWords(subscription.customer?.invoice_settings?.default_payment_method),
  };
}

/**
 * Is the subscription the one our recurring row started (its price, and no longer a trial than the
 * shop gave)? Checked when a subscription is first bound to a row, so one made directly on Stripe
 * with our metadata for a cheaper price or a longer trial never starts the order.
 */
export function subscriptionMatchesStart(
  expected: { priceId: string; trialDays: number | null },
  snapshot: SubscriptionSnapshot,
): boolean {
  return snapshot.priceId === expected.priceId && (snapshot.trialDays ?? 0) <= (expected.trialDays ?? 0);
}

export interface RenewalCharge {
  invoiceId: string;
  subscriptionId: string;
  amount: number;
  currency: string;
  paid: boolean;
  paymentIntentId?: string;
  failureReason?: string;
  periodStart: Date | null;
}

/** For the deduction flow: only renewal invoices (not the first one) create renewal orders. */
export function renewalChargeFromEvent(event: StripeEventLike): RenewalCharge | null {
  if (event.type !== 'invoice.paid' && event.type !== 'invoice.payment_failed') return null;
  const invoice = event.data.object;
  if (invoice.billing_reason !== 'subscription_cycle') return null;
  const subscriptionId = toId(invoice.parent?.subscription_details?.subscription ?? invoice.subscription);
  if (!subscriptionId) return null;
  const paid = event.type === 'invoice.paid';
  return {
    invoiceId: invoice.id,
    subscriptionId,
    amount: Number(paid ? invoice.amount_paid : invoice.amount_due),
    currency: String(invoice.currency),
    paid,
    paymentIntentId: toId(invoice.payments?.data?.[0]?.payment?.payment_intent ?? invoice.payment_intent),
    failureReason: paid ? undefined : (invoice.last_finalization_error?.message ?? 'The renewal charge failed.'),
    periodStart: typeof invoice.period_start === 'number' ? new Date(invoice.period_start * 1000) : null,
  };
}
