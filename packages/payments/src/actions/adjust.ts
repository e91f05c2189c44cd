import { type Actor, BACKEND, getRow, updateRows } from '@tillflow/data-model';
import type Stripe from 'stripe';
import { z } from 'zod';
import { amountProblem, formatMinorUnits } from '../currencies';
import { fromStripeError, PaymentError, parseInput } from '../errors';
import type { PaymentServices } from '../stripe-accounts';
import { RECURRING_PAYMENT_TABLE } from '../system-tables';
import { liveSubscriptionId, prepareAction } from './context';

export const adjustRecurringInput = z.object({
  recurringPaymentId: z.number().int().positive(),
  amount: z.number().int('The amount is in minor units (e.g. cents) and must be a whole number.').positive(),
});

/**
 * Momen's "adjust subsequent charges": sets the amount of the subscription's
 * later charges, never above its initial amount (checked here, before Stripe
 * is called). On Stripe it becomes a new price on the subscription item with
 * no proration, so the next renewal invoice charges exactly this amount; the
 * renewal callback then expects it (a different collected amount is flagged).
 * Only the builder (studio) or the builder's backend (API key, flows) may call it.
 */
export async function adjustRecurringAmountAction(
  services: PaymentServices,
  projectId: number,
  actor: Actor,
  rawInput: z.input<typeof adjustRecurringInput>,
) {
  const handle = services.database;
  const input = parseInput(adjustRecurringInput, rawInput);
  if (actor.kind !== 'backend' && actor.kind !== 'builder')
    throw new PaymentError(
      'FORBIDDEN',
      "Only the app's backend (an API key) or the builder may change a subscription's amount.",
    );
  const ctx = await prepareAction(services, projectId, actor, 'stripe.recurring');
  const row = await getRow(handle.db, projectId, BACKEND, RECURRING_PAYMENT_TABLE, input.recurringPaymentId);
  if (!row) throw new PaymentError('NOT_FOUND', `Subscription ${input.recurringPaymentId} was not found.`);
  const subscriptionId = liveSubscriptionId(row, 'This subscription is canceled; its amount cannot change.');
  const currency = String(row.currency ?? 'usd');
  const problem = amountProblem(input.amount, currency);
  if (problem) throw new PaymentError('VALIDATION', problem, { amount: problem });
  const cap = row.initial_amount == null ? null : Number(row.initial_amount);
  if (cap !== null && input.amount > cap)
    throw new PaymentError(
      'VALIDATION',
      `Later charges can be at most the initial amount of ${formatMinorUnits(cap, currency)}.`,
      { amount: `At most ${cap}.` },
    );
  let subscription: Stripe.Subscription;
  try {
    subscription = await ctx.stripe.subscriptions.retrieve(subscriptionId);
    const item = subscription.items.data[0];
    const current = item.price;
    if (current.unit_amount !== input.amount) {
      const price = await ctx.stripe.prices.create(
        {
          product: typeof current.product === 'string' ? current.product : current.product.id,
          currency: current.currency,
          unit_amount: input.amount,
          recurring: {
            interval: current.recurring?.interval ?? 'month',
            interval_count: current.recurring?.interval_count ?? 1,
          },
          metadata: { tillflow_recurring_payment_id: String(row.id) },
        },
        { idempotencyKey: `tillflow-adjust-price-${projectId}-${row.id}-${input.amount}` },
      );
      subscription = await ctx.stripe.subscriptions.update(subscription.id, {
        items: [{ id: item.id, price: price.id }],
        proration_behavior: 'none',
      });
    }
  } catch (error) {
    throw fromStripeError(error);
  }
  await updateRows(
    handle.db,
    projectId,
    BACKEND,
    RECURRING_PAYMENT_TABLE,
    [{ column: 'id', op: 'eq', value: row.id }],
    {
      next_amount: input.amount,
    },
  );
  return {
    recurringPaymentId: row.id,
    nextAmount: input.amount,
    stripePriceId: subscription.items.data[0].price.id,
  };
}
