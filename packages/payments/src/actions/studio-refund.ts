import { tryParseMoney } from '@tillflow/core/money';
import { type Actor, aggregateRows, BACKEND, getRow, queryRows } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import { formatMinorUnits } from '../currencies';
import { PaymentError } from '../errors';
import type { PaymentServices } from '../stripe-accounts';
import { collectedOf, PAYMENT_TABLE, REFUND_TABLE } from '../system-tables';
import { type CreatedRefund, refundAction } from './refund';

const BUILDER: Actor = { kind: 'builder' };
/** Payments with money left to give back: paid ones, and a mismatch (up to what it collected). */
const REFUNDABLE = ['SUCCESSFUL', 'PARTIALLY_REFUNDED', 'AMOUNT_MISMATCH'];

/** How much of a payment can still be refunded, for the studio's Refund dialog. */
export interface Refundable {
  paymentId: number;
  orderId: number;
  currency: string;
  /** Minor units. */
  amount: number;
  refunded: number;
  remaining: number;
  /** The same three as a person reads them ("$8.50"). */
  amountDisplay: string;
  refundedDisplay: string;
  remainingDisplay: string;
}

async function refundableOf(db: Executor, projectId: number, payment: Record<string, unknown>): Promise<Refundable> {
  const { value } = await aggregateRows(db, projectId, BACKEND, REFUND_TABLE, {
    fn: 'sum',
    column: 'amount',
    filters: [
      { column: 'payment_id', op: 'eq', value: payment.id },
      { column: 'status', op: 'in', value: ['PENDING', 'REFUNDED'] },
    ],
  });
  // What was collected (for an AMOUNT_MISMATCH payment, what Stripe received rather than what the order owed).
  const collected = collectedOf(payment);
  const currency = collected?.currency ?? String(payment.currency);
  const amount = collected?.amount ?? 0;
  const refunded = Number(value ?? 0);
  const remaining = REFUNDABLE.includes(String(payment.status)) ? Math.max(amount - refunded, 0) : 0;
  return {
    paymentId: Number(payment.id),
    orderId: Number(payment.order_id),
    currency,
    amount,
    refunded,
    remaining,
    amountDisplay: formatMinorUnits(amount, currency),
    refundedDisplay: formatMinorUnits(refunded, currency),
    remainingDisplay: formatMinorUnits(remaining, currency),
  };
}

/** The payment a refund of `target` is about: the payment itself, or an order's latest refundable payment. */
async function findPayment(db: Executor, projectId: number, target: { paymentId?: number; orderId?: number }) {
  if (target.paymentId !== undefined) {
    const payment = await getRow(db, projectId, BACKEND, PAYMENT_TABLE, target.paymentId);
    if (!payment) throw new PaymentError('NOT_FOUND', 'This payment was not found.', { paymentId: 'Not found.' });
    return payment;
  }
  if (target.orderId === undefined)
    throw new PaymentError('VALIDATION', 'Name the payment or the order to refund.', { paymentId: 'Required.' });
  const { rows } = await queryRows(db, projectId, BACKEND, PAYMENT_TABLE, {
    filters: [
      { column: 'order_id', op: 'eq', value: target.orderId },
      { column: 'status', op: 'in', value: REFUNDABLE },
    ],
    sort: [{ column: 'id', direction: 'desc' }],
    limit: 1,
  });
  if (!rows[0])
    throw new PaymentError('PRECONDITION_FAILED', `Order #${target.orderId} has no paid payment to refund.`, {
      orderId: 'Nothing to refund.',
    });
  return rows[0];
}

/** What remains refundable of a payment (or of an order's paid payment). */
export async function refundableAmount(
  services: PaymentServices,
  projectId: number,
  target: { paymentId?: number; orderId?: number },
): Promise<Refundable> {
  return refundableOf(services.database.db, projectId, await findPayment(services.database.db, projectId, target));
}

export interface StudioRefund extends Refundable {
  refundId: number;
  /** PENDING until Stripe's webhook confirms it (the refund flow then moves the order), or FAILED. */
  status: CreatedRefund['status'];
  refundAmount: number;
  refundDisplay: string;
}

/**
 * A refund the builder makes in the studio: the amount as typed, in the payment's own currency's major
 * units ("2.00" of a USD payment is 200 cents; "500" of a JPY one is 500 yen), or nothing for all that
 * remains. Goes through the same refund action as the app and the REST API (same locks, same limits,
 * same Stripe call), acting as the builder, who may always refund.
 */
export async function refundFromStudio(
  services: PaymentServices,
  projectId: number,
  input: { paymentId?: number; orderId?: number; amount?: string | null; reason?: string },
): Promise<StudioRefund> {
  const payment = await findPayment(services.database.db, projectId, input);
  const currency = collectedOf(payment)?.currency ?? String(payment.currency);
  let amount: number | undefined;
  if (input.amount !== undefined && input.amount !== null && input.amount.trim() !== '') {
    const parsed = tryParseMoney(input.amount, currency);
    if (!parsed.ok) throw new PaymentError('VALIDATION', parsed.message, { amount: parsed.message });
    if (parsed.amount <= 0)
      throw new PaymentError('VALIDATION', 'The refund must be more than zero.', { amount: 'More than zero.' });
    amount = parsed.amount;
  }
  const created = await refundAction(services, projectId, BUILDER, {
    paymentId: Number(payment.id),
    amount,
    reason: input.reason || 'requested_by_customer',
  });
  const after = await refundableAmount(services, projectId, { paymentId: Number(payment.id) });
  return {
    ...after,
    refundId: created.refundId,
    status: created.status,
    refundAmount: created.amount,
    refundDisplay: formatMinorUnits(created.amount, currency),
  };
}
