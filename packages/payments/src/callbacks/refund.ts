import { aggregateRows, BACKEND, getRow, insertRow, type Row, updateRows } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import type Stripe from 'stripe';
import {
  type PaymentStatus,
  paymentStatusAfterRefunds,
  type RefundStatus,
  refundStatusOf,
  refundUpdateFromEvent,
  type StripeEventLike,
  shouldApplyRefundStatus,
} from '../event-mapping';
import { PAYMENT_TABLE, REFUND_TABLE } from '../system-tables';
import { findAndLock, sameMode } from './find';
import { NO_REFUND_NOTICE, type RefundNoticeFields, refundNoticeFields } from './receipt';

export interface RefundCallbackOutput {
  orderId: number | null;
  paymentId: number | null;
  refundId: number | null;
  status: RefundStatus | null;
  /** The payment after this refund: PARTIALLY_REFUNDED or REFUNDED (what the order status follows). */
  paymentStatus: PaymentStatus | null;
  /** Total refunded on the payment so far, in minor units. */
  amountRefunded: number | null;
  alreadyProcessed: boolean;
  ignored: boolean;
}

export type RefundCallbackResult = RefundCallbackOutput & RefundNoticeFields;

/**
 * Refunded total of a payment from its refund rows, then the payment's status from it. A refund Stripe made
 * proves the charge was paid: a payment whose own success event has not been handled yet (still PENDING, or
 * FAILED/CANCELED from an earlier attempt) is settled from its refunds too, without `paid_at` (which its success
 * event fills in later, and then still sends its receipt).
 */
export async function settlePaymentTotals(tx: Executor, projectId: number, paymentId: number) {
  const payment = await getRow(tx, projectId, BACKEND, PAYMENT_TABLE, paymentId);
  if (!payment) return;
  const { value } = await aggregateRows(tx, projectId, BACKEND, REFUND_TABLE, {
    fn: 'sum',
    column: 'amount',
    filters: [
      { column: 'payment_id', op: 'eq', value: paymentId },
      { column: 'status', op: 'eq', value: 'REFUNDED' },
    ],
  });
  const refunded = Number(value ?? 0);
  // A mismatch stays a mismatch (the order was never paid, so the refund flow does not move it); its total is kept.
  if (payment.status === 'AMOUNT_MISMATCH') {
    await updateRows(tx, projectId, BACKEND, PAYMENT_TABLE, [{ column: 'id', op: 'eq', value: paymentId }], {
      amount_refunded: refunded,
    });
    return;
  }
  const settled = ['SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED'].includes(String(payment.status));
  const paidBeforeWeKnew = ['PENDING', 'FAILED', 'CANCELED'].includes(String(payment.status)) && refunded > 0;
  if (!settled && !paidBeforeWeKnew) return;
  await updateRows(tx, projectId, BACKEND, PAYMENT_TABLE, [{ column: 'id', op: 'eq', value: paymentId }], {
    amount_refunded: refunded,
    // What was paid: the amount less the discount Stripe applied at Checkout (all of it back is REFUNDED).
    status: paymentStatusAfterRefunds(Number(payment.amount) - Number(payment.amount_discount ?? 0), refunded),
  });
}

const paymentAfter = (payment: Row | null) => ({
  paymentStatus: payment ? (payment.status as PaymentStatus) : null,
  amountRefunded: payment ? Number(payment.amount_refunded ?? 0) : null,
});

/**
 * StripeRefund's callback handler. Refunds made in the Stripe Dashboard carry
 * no metadata of ours: they are matched to the payment by its intent and get
 * a refund row of their own, so the app never misses them.
 */
export async function handleRefundEvent(
  tx: Executor,
  projectId: number,
  event: StripeEventLike,
  stripe?: Stripe,
): Promise<RefundCallbackResult> {
  const ignored = {
    ...NO_REFUND_NOTICE,
    orderId: null,
    paymentId: null,
    refundId: null,
    status: null,
    paymentStatus: null,
    amountRefunded: null,
    alreadyProcessed: false,
    ignored: true,
  };
  const update = refundUpdateFromEvent(event);
  // Refunds can fail or be canceled after succeeding: re-fetched, the row takes Stripe's current state
  // whatever order the events arrive in (without a client, events may only move it forward).
  // Unreachable (or not on this account): the event alone may then only move the row forward.
  const fresh = update && stripe ? await stripe.refunds.retrieve(update.stripeRefundId).catch(() => null) : null;
  if (update && fresh) {
    update.status = refundStatusOf(fresh.status ?? 'pending');
    update.failureReason = fresh.failure_reason ?? undefined;
  }
  if (!update) {
    if (event.type !== 'charge.refunded') return ignored;
    const charge = event.data.object;
    const payment = await findAndLock(tx, projectId, PAYMENT_TABLE, null, [
      {
        column: 'stripe_payment_intent_id',
        value: typeof charge.payment_intent === 'string' ? charge.payment_intent : undefined,
      },
      { column: 'stripe_charge_id', value: charge.id },
    ]);
    if (!payment || !sameMode(payment, event)) return ignored;
    await settlePaymentTotals(tx, projectId, payment.id);
    const after = await getRow(tx, projectId, BACKEND, PAYMENT_TABLE, payment.id);
    const newlyRefunded = Number(after?.amount_refunded ?? 0) - Number(payment.amount_refunded ?? 0);
    return {
      ...(await refundNoticeFields(tx, projectId, after, newlyRefunded > 0 ? newlyRefunded : null, event)),
      orderId: Number(payment.order_id),
      paymentId: payment.id,
      refundId: null,
      status: after?.status === 'REFUNDED' ? 'REFUNDED' : 'PENDING',
      ...paymentAfter(after),
      alreadyProcessed: after?.status === payment.status,
      ignored: false,
    };
  }
  const payment = await findAndLock(tx, projectId, PAYMENT_TABLE, null, [
    { column: 'stripe_payment_intent_id', value: update.paymentIntentId },
    { column: 'stripe_charge_id', value: update.chargeId },
  ]);
  if (payment && !sameMode(payment, event)) return ignored;
  let refund = await findAndLock(tx, projectId, REFUND_TABLE, update.refundId, [
    { column: 'stripe_refund_id', value: update.stripeRefundId },
  ]);
  if (!refund) {
    if (!payment) return ignored;
    refund = await insertRow(tx, projectId, BACKEND, REFUND_TABLE, {
      payment_id: payment.id,
      payer: payment.payer ?? null,
      amount: update.amount,
      currency: update.currency,
      reason: update.reason ?? 'made in the Stripe Dashboard',
      status: 'PENDING',
      stripe_refund_id: update.stripeRefundId,
    });
  }
  const current = refund.status as RefundStatus;
  const apply = fresh ? current !== update.status : shouldApplyRefundStatus(current, update.status);
  const values: Record<string, unknown> = {};
  if (!refund.stripe_refund_id) values.stripe_refund_id = update.stripeRefundId;
  if (apply) {
    values.status = update.status;
    if (update.failureReason) values.failure_reason = update.failureReason;
  }
  if (Object.keys(values).length > 0)
    await updateRows(tx, projectId, BACKEND, REFUND_TABLE, [{ column: 'id', op: 'eq', value: refund.id }], values);
  const paymentId = Number(refund.payment_id);
  if (apply) await settlePaymentTotals(tx, projectId, paymentId);
  const owner = await getRow(tx, projectId, BACKEND, PAYMENT_TABLE, paymentId);
  const refundedNow = apply && update.status === 'REFUNDED';
  return {
    ...(await refundNoticeFields(tx, projectId, owner, refundedNow ? Number(refund.amount) : null, event)),
    orderId: owner ? Number(owner.order_id) : null,
    paymentId,
    refundId: refund.id,
    status: apply ? update.status : current,
    ...paymentAfter(owner),
    alreadyProcessed: !apply,
    ignored: false,
  };
}
