import { END_USER_TABLE, getRow, type Row, updateRows } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import { formatMinorUnits } from '../currencies';
import {
  type PaymentStatus,
  paymentUpdateFromEvent,
  type StripeEventLike,
  shouldApplyPaymentStatus,
} from '../event-mapping';
import { PAYMENT_TABLE } from '../system-tables';
import { BACKEND, findAndLock } from './find';

export interface PaymentCallbackOutput {
  orderId: number | null;
  paymentId: number | null;
  paymentStatus: 'SUCCESSFUL' | 'FAILED' | 'PENDING' | null;
  alreadyProcessed: boolean;
  /** What a receipt needs: the amount in minor units, its currency, both formatted, and where to send it. */
  amount: number | null;
  currency: string | null;
  amountDisplay: string | null;
  customerEmail: string | null;
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
    amount: null,
    currency: null,
    amountDisplay: null,
    customerEmail: null,
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
  const amount = Number(payment.amount);
  const currency = String(payment.currency);
  return {
    orderId: Number(payment.order_id),
    paymentId: payment.id,
    paymentStatus: outward(status),
    alreadyProcessed: !apply,
    amount,
    currency,
    amountDisplay: formatMinorUnits(amount, currency),
    customerEmail: await receiptAddress(tx, projectId, payment, event),
    ignored: false,
  };
}

/** The payer's own address in the app first; else what the buyer typed on Stripe's page. */
async function receiptAddress(tx: Executor, projectId: number, payment: Row, event: StripeEventLike) {
  if (payment.payer) {
    const payer = await getRow(tx, projectId, BACKEND, END_USER_TABLE, Number(payment.payer));
    if (typeof payer?.email === 'string' && payer.email) return payer.email;
  }
  const object = event.data.object as { customer_details?: { email?: unknown } | null; receipt_email?: unknown };
  const typed = object.customer_details?.email ?? object.receipt_email;
  return typeof typed === 'string' && typed ? typed : null;
}
