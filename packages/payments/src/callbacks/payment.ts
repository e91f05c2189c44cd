import { updateRows } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import {
  type PaymentStatus,
  paymentUpdateFromEvent,
  type StripeEventLike,
  shouldApplyPaymentStatus,
} from '../event-mapping';
import { PAYMENT_TABLE } from '../system-tables';
import { BACKEND, findAndLock } from './find';
import { NO_RECEIPT, type ReceiptFields, receiptFields } from './receipt';

export interface PaymentCallbackOutput extends ReceiptFields {
  orderId: number | null;
  paymentId: number | null;
  paymentStatus: 'SUCCESSFUL' | 'FAILED' | 'PENDING' | null;
  alreadyProcessed: boolean;
  /** True when the event is not about a one-time payment of this project (e.g. an invoice's intent). */
  ignored: boolean;
}

const outward = (status: PaymentStatus): PaymentCallbackOutput['paymentStatus'] =>
  status === 'PENDING' ? 'PENDING' : status === 'SUCCESSFUL' || status.endsWith('REFUNDED') ? 'SUCCESSFUL' : 'FAILED';

/** StripePayment's callback handler: mirrors the event into the payment row, never regressing it. */
export async function handlePaymentEvent(
  tx: Executor,
  projectId: number,
  event: StripeEventLike,
): Promise<PaymentCallbackOutput> {
  const update = paymentUpdateFromEvent(event);
  const ignored = {
    orderId: null,
    paymentId: null,
    paymentStatus: null,
    alreadyProcessed: false,
    ...NO_RECEIPT,
    ignored: true,
  };
  if (!update) return ignored;
  const payment = await findAndLock(tx, projectId, PAYMENT_TABLE, update.paymentId, [
    { column: 'stripe_checkout_session_id', value: update.checkoutSessionId },
    { column: 'stripe_payment_intent_id', value: update.paymentIntentId },
  ]);
  if (!payment) return ignored;
  const current = payment.status as PaymentStatus;
  const apply = shouldApplyPaymentStatus(current, update.status);
  const values: Record<string, unknown> = {};
  // Ids are filled in whenever they are new, even if the status does not move.
  if (update.paymentIntentId && !payment.stripe_payment_intent_id)
    values.stripe_payment_intent_id = update.paymentIntentId;
  if (update.chargeId && !payment.stripe_charge_id) values.stripe_charge_id = update.chargeId;
  if (apply) {
    values.status = update.status;
    if (update.paidAt) values.paid_at = update.paidAt;
    if (update.failureReason) values.failure_reason = update.failureReason;
    // A retry that succeeds on the same intent (a declined card, then another) leaves no failure behind, as in Stripe.
    else if (update.status === 'SUCCESSFUL' && payment.failure_reason) values.failure_reason = null;
  }
  if (Object.keys(values).length > 0)
    await updateRows(tx, projectId, BACKEND, PAYMENT_TABLE, [{ column: 'id', op: 'eq', value: payment.id }], values);
  const status = apply ? update.status : current;
  return {
    orderId: Number(payment.order_id),
    paymentId: payment.id,
    paymentStatus: outward(status),
    alreadyProcessed: !apply,
    ...(await receiptFields(tx, projectId, payment, event)),
    ignored: false,
  };
}
