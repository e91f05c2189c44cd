import { type Actor, aggregateRows, BACKEND, getRow, insertRow, queryRows, updateRows } from '@tillflow/data-model';
import { z } from 'zod';
import { formatMinorUnits } from '../currencies';
import { fromStripeError, PaymentError, parseInput } from '../errors';
import { lockRow } from '../row-lock';
import type { PaymentServices } from '../stripe-accounts';
import { collectedOf, PAYMENT_TABLE, REFUND_TABLE, REFUNDABLE_PAYMENT_STATUSES } from '../system-tables';
import { prepareAction } from './context';

export const refundInput = z.object({
  /** Our payment's id, or Stripe's PaymentIntent id (`pi_…`) of it, looked up as the caller. */
  paymentId: z.union([
    z.number().int().positive(),
    z.string().regex(/^pi_\w+$/, 'A payment is named by its id or by Stripe’s PaymentIntent id (pi_…).'),
  ]),
  /** Minor units; without it (or null, as no-code tools send an empty field), everything that remains refundable. */
  amount: z
    .number()
    .int('The refund amount is in minor units and must be a whole number.')
    .positive('The refund amount must be greater than zero.')
    .nullish(),
  reason: z.string().trim().max(500).optional(),
});

// Stripe's own reason codes; any other text is kept on our row and in metadata.
const STRIPE_REASONS = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);
export interface CreatedRefund {
  refundId: number;
  status: string;
  stripeRefundId: string | null;
  remaining: number;
  /** What this refund is for, in minor units (the remaining amount when none was named). */
  amount: number;
  currency: string;
}

/**
 * Our payment id for a reference by our id or by Stripe's PaymentIntent id, found only among the rows the caller
 * may read: a role allowed to refund still refunds only payments it can see (a shopper's own, say).
 */
async function paymentIdOf(
  services: PaymentServices,
  projectId: number,
  actor: Actor,
  ref: number | string,
): Promise<number> {
  const byStripe = typeof ref === 'string';
  const { rows } = await queryRows(services.database.db, projectId, actor, PAYMENT_TABLE, {
    filters: [{ column: byStripe ? 'stripe_payment_intent_id' : 'id', op: 'eq', value: ref }],
    limit: 1,
  });
  if (!rows[0])
    throw new PaymentError(
      'NOT_FOUND',
      byStripe ? 'No payment with that Stripe id.' : `Payment ${ref} was not found.`,
      {
        paymentId: 'Not found.',
      },
    );
  return Number(rows[0].id);
}

/**
 * The refund action. The amount is reserved by inserting a PENDING refund row
 * while the payment row is locked, so two concurrent refunds are serialised and
 * can never together exceed the payment; a refund Stripe refuses is marked
 * FAILED, which releases its reservation.
 */
export async function refundAction(
  services: PaymentServices,
  projectId: number,
  actor: Actor,
  rawInput: z.input<typeof refundInput>,
): Promise<CreatedRefund> {
  const handle = services.database;
  const parsed = parseInput(refundInput, rawInput);
  const ctx = await prepareAction(services, projectId, actor, 'stripe.refund');
  const input = { ...parsed, paymentId: await paymentIdOf(services, projectId, actor, parsed.paymentId) };

  const reserved = await handle.db.transaction(async (tx) => {
    if (!(await lockRow(tx, projectId, PAYMENT_TABLE, input.paymentId)))
      throw new PaymentError('NOT_FOUND', `Payment ${input.paymentId} was not found.`, { paymentId: 'Not found.' });
    const payment = await getRow(tx, projectId, BACKEND, PAYMENT_TABLE, input.paymentId);
    if (!payment) throw new PaymentError('NOT_FOUND', `Payment ${input.paymentId} was not found.`);
    if (!REFUNDABLE_PAYMENT_STATUSES.includes(String(payment.status)))
      throw new PaymentError(
        'PRECONDITION_FAILED',
        `Only a successful payment can be refunded (this one is ${payment.status}).`,
      );
    // Up to what was collected: for an AMOUNT_MISMATCH payment, what Stripe received, not what the order owed.
    const collected = collectedOf(payment);
    if (!collected)
      throw new PaymentError(
        'PRECONDITION_FAILED',
        'This payment was for a different amount than its order, and Tillflow did not record what was collected then. Refund it in your Stripe dashboard.',
      );
    const { value } = await aggregateRows(tx, projectId, BACKEND, REFUND_TABLE, {
      fn: 'sum',
      column: 'amount',
      filters: [
        { column: 'payment_id', op: 'eq', value: input.paymentId },
        { column: 'status', op: 'in', value: ['PENDING', 'REFUNDED'] },
      ],
    });
    const remaining = collected.amount - Number(value ?? 0);
    const left = formatMinorUnits(Math.max(remaining, 0), collected.currency);
    const amount = input.amount ?? remaining;
    if (amount > remaining || remaining <= 0)
      throw new PaymentError(
        'VALIDATION',
        remaining <= 0
          ? 'This payment has been refunded in full already.'
          : `Only ${left} of this payment remains refundable.`,
        { amount: `At most ${left}.` },
      );
    const refund = await insertRow(tx, projectId, BACKEND, REFUND_TABLE, {
      payment_id: input.paymentId,
      // Test and live never mix: callbacks ignore events of the other mode for this row.
      livemode: ctx.mode === 'live',
      payer: payment.payer ?? null,
      amount,
      currency: collected.currency,
      reason: input.reason ?? null,
      status: 'PENDING',
    });
    return { refund, payment, amount, currency: collected.currency, remaining: remaining - amount };
  });

  const { refund, payment, amount } = reserved;
  try {
    const reason = input.reason && STRIPE_REASONS.has(input.reason) ? (input.reason as 'duplicate') : undefined;
    const stripeRefund = await ctx.stripe.refunds.create(
      {
        // A mismatch is given back on the charge that collected it (possibly not our intent's).
        ...(payment.status === 'AMOUNT_MISMATCH' && payment.stripe_charge_id
          ? { charge: String(payment.stripe_charge_id) }
          : { payment_intent: String(payment.stripe_payment_intent_id) }),
        amount,
        reason,
        metadata: {
          tillflow_refund_id: String(refund.id),
          tillflow_payment_id: String(payment.id),
          tillflow_project_id: String(projectId),
          ...(input.reason && !reason ? { reason: input.reason.slice(0, 500) } : {}),
        },
      },
      { idempotencyKey: `tillflow-refund-${projectId}-${refund.id}` },
    );
    // The refund flow's callback makes the final word from the webhook (a refund Stripe completed at once is
    // PENDING here until then); this records what Stripe said now.
    const failed = stripeRefund.status === 'failed';
    await updateRows(handle.db, projectId, BACKEND, REFUND_TABLE, [{ column: 'id', op: 'eq', value: refund.id }], {
      stripe_refund_id: stripeRefund.id,
    });
    return {
      refundId: refund.id,
      status: failed ? 'FAILED' : 'PENDING',
      stripeRefundId: stripeRefund.id,
      remaining: reserved.remaining,
      amount,
      currency: reserved.currency,
    };
  } catch (error) {
    const failure = fromStripeError(error);
    await updateRows(handle.db, projectId, BACKEND, REFUND_TABLE, [{ column: 'id', op: 'eq', value: refund.id }], {
      status: 'FAILED',
      failure_reason: failure.message,
    });
    throw failure;
  }
}
