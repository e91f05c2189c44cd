import { BACKEND, updateRows } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import type { PaymentCallbackStatus } from '@tillflow/flow-model';
import { formatMinorUnits } from '../currencies';
import {
  type PaymentStatus,
  paidAmountMatches,
  paymentUpdateFromEvent,
  type StripeEventLike,
  shouldApplyPaymentStatus,
} from '../event-mapping';
import { ensurePaymentStatusOption, PAYMENT_TABLE } from '../system-tables';
import { findAndLock, sameMode } from './find';
import { NO_RECEIPT, type ReceiptFields, receiptFields } from './receipt';
import { settlePaymentTotals } from './refund';

export interface PaymentCallbackOutput extends ReceiptFields {
  orderId: number | null;
  paymentId: number | null;
  paymentStatus: PaymentCallbackStatus | null;
  /** False when Stripe reports a different amount or currency paid than the payment (its order) owes. */
  amountMatches: boolean;
  /** True when this exact change was already applied (a duplicate or a stale event), not merely "seen this payment". */
  alreadyProcessed: boolean;
  /** True when a payment recorded FAILED was then paid (the same intent retried with another card). */
  recovered: boolean;
  /** True when the event is not about a one-time payment of this project (e.g. an invoice's intent). */
  ignored: boolean;
}

const outward = (status: PaymentStatus): PaymentCallbackOutput['paymentStatus'] =>
  status === 'PENDING' || status === 'CANCELED' || status === 'FAILED' || status === 'AMOUNT_MISMATCH'
    ? status
    : 'SUCCESSFUL';

const mismatchReason = (paid: { amount: number; currency: string }, owed: { amount: number; currency: string }) =>
  `Stripe reports ${formatMinorUnits(paid.amount, paid.currency)} paid; the order owes ${formatMinorUnits(owed.amount, owed.currency)}.`;

/**
 * StripePayment's callback handler: mirrors the event into the payment row, never regressing it.
 * A success for another amount or currency than the row owes is recorded AMOUNT_MISMATCH, so the
 * default flow's "mark order paid" branch (paymentStatus SUCCESSFUL) never runs for it.
 */
export async function handlePaymentEvent(
  tx: Executor,
  projectId: number,
  event: StripeEventLike,
  /** The code a shopper typed for a promotion code id (read from Stripe when the row does not know it). */
  codeOf: (promotionCodeId: string) => Promise<string | null> = async () => null,
): Promise<PaymentCallbackOutput> {
  const update = paymentUpdateFromEvent(event);
  const ignored = {
    orderId: null,
    paymentId: null,
    paymentStatus: null,
    amountMatches: true,
    alreadyProcessed: false,
    recovered: false,
    ...NO_RECEIPT,
    ignored: true,
  };
  if (!update) return ignored;
  const payment = await findAndLock(tx, projectId, PAYMENT_TABLE, update.paymentId, [
    { column: 'stripe_checkout_session_id', value: update.checkoutSessionId },
    { column: 'stripe_payment_intent_id', value: update.paymentIntentId },
  ]);
  if (!payment || !sameMode(payment, event)) return ignored;
  const current = payment.status as PaymentStatus;
  // A discount Stripe applied at Checkout lowers what is owed by exactly what it says it took off (the session's
  // events say so; the intent's carry no discount, so the one recorded with the session counts for them).
  const discountOff = update.discount?.amount_discount ?? Number(payment.amount_discount ?? 0);
  const owed = { amount: Number(payment.amount) - discountOff, currency: String(payment.currency) };
  const amountMatches = paidAmountMatches(owed, update);
  const next: PaymentStatus = amountMatches ? update.status : 'AMOUNT_MISMATCH';
  if (!amountMatches) await ensurePaymentStatusOption(tx, projectId, 'AMOUNT_MISMATCH');
  // Refunds handled before this success settled the row already (a refund proves the payment): the success itself
  // is still news (its time, its receipt) until `paid_at` says it was recorded.
  const settledByRefunds =
    next === 'SUCCESSFUL' && (current === 'PARTIALLY_REFUNDED' || current === 'REFUNDED') && !payment.paid_at;
  const apply = shouldApplyPaymentStatus(current, next);
  const values: Record<string, unknown> = {};
  if (settledByRefunds && update.paidAt) values.paid_at = update.paidAt;
  // Ids are filled in whenever they are new, even if the status does not move.
  if (update.paymentIntentId && !payment.stripe_payment_intent_id)
    values.stripe_payment_intent_id = update.paymentIntentId;
  if (update.chargeId && !payment.stripe_charge_id) values.stripe_charge_id = update.chargeId;
  // A success on the payment's own intent names the charge that collected the money (the intent's latest_charge),
  // replacing a declined attempt's recorded before it. An intent succeeds once, so no later event undoes it.
  else if (
    update.chargeId &&
    update.status === 'SUCCESSFUL' &&
    update.paymentIntentId === payment.stripe_payment_intent_id &&
    update.chargeId !== payment.stripe_charge_id
  )
    values.stripe_charge_id = update.chargeId;
  if (apply && update.discount?.amount_discount) {
    Object.assign(values, update.discount);
    const promo = update.discount.discount_promotion_code;
    if (promo && !payment.discount_code) values.discount_code = await codeOf(promo);
  }
  if (apply) {
    values.status = next;
    if (update.paidAt) values.paid_at = update.paidAt;
    // What was actually collected, in integer minor units: a mismatch is refundable up to this.
    if (update.paid && (next === 'SUCCESSFUL' || next === 'AMOUNT_MISMATCH')) {
      values.amount_received = update.paid.amount;
      values.currency_received = update.paid.currency.toLowerCase();
    }
    // A mismatch may arrive on another intent than the one we made (a buyer's own, carrying our metadata): its
    // charge is the one that collected the money, and the one a refund gives back.
    if (next === 'AMOUNT_MISMATCH' && update.chargeId) values.stripe_charge_id = update.chargeId;
    if (!amountMatches && update.paid) values.failure_reason = mismatchReason(update.paid, owed);
    else if (update.failureReason) values.failure_reason = update.failureReason;
    // A retry that succeeds on the same intent (a declined card, then another) leaves no failure behind, as in Stripe.
    else if (update.status === 'SUCCESSFUL' && payment.failure_reason) values.failure_reason = null;
  }
  if (Object.keys(values).length > 0)
    await updateRows(tx, projectId, BACKEND, PAYMENT_TABLE, [{ column: 'id', op: 'eq', value: payment.id }], values);
  // Refunds recorded before the success was known (their events came first) now count.
  if (apply && next === 'SUCCESSFUL') await settlePaymentTotals(tx, projectId, payment.id);
  const status = apply ? next : current;
  return {
    orderId: Number(payment.order_id),
    paymentId: payment.id,
    paymentStatus: outward(status),
    amountMatches,
    alreadyProcessed: !apply && !settledByRefunds,
    recovered: apply && (current === 'FAILED' || current === 'CANCELED') && update.status === 'SUCCESSFUL',
    ...(await receiptFields(tx, projectId, { ...payment, ...values }, event)),
    ignored: false,
  };
}
