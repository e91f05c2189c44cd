import { BACKEND, updateRows } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import type Stripe from 'stripe';
import {
  type RecurringStatus,
  type StripeEventLike,
  subscriptionMatchesStart,
  subscriptionSnapshot,
} from '../event-mapping';
import { RECURRING_PAYMENT_TABLE } from '../system-tables';
import { findAndLock, sameMode } from './find';

export interface RecurringCallbackOutput {
  orderId: number | null;
  recurringPaymentId: number | null;
  status: RecurringStatus | null;
  /** False when the subscription is not the one the row started (another price, or a longer trial). */
  amountMatches: boolean;
  alreadyProcessed: boolean;
  ignored: boolean;
}

const sameTime = (a: unknown, b: Date | null) =>
  (a ? new Date(a as string).getTime() : null) === (b ? b.getTime() : null);

/**
 * StripeRecurringPaymentManagement's callback handler. Events about one
 * subscription arrive out of order (even two in the same second), so the event
 * only says *which* subscription changed: its state is re-fetched from Stripe
 * and mirrored, and the final row always matches Stripe whatever the order.
 */
export async function handleSubscriptionEvent(
  tx: Executor,
  projectId: number,
  event: StripeEventLike,
  stripe: Stripe,
): Promise<RecurringCallbackOutput> {
  const ignored = {
    orderId: null,
    recurringPaymentId: null,
    status: null,
    amountMatches: true,
    alreadyProcessed: false,
    ignored: true,
  };
  if (!event.type.startsWith('customer.subscription.')) return ignored;
  const fromEvent = subscriptionSnapshot(event.data.object);
  const row = await findAndLock(tx, projectId, RECURRING_PAYMENT_TABLE, fromEvent.recurringPaymentId, [
    { column: 'stripe_subscription_id', value: fromEvent.subscriptionId },
  ]);
  if (!row || !sameMode(row, event)) return ignored;
  // Expanded so the row can say which card pays (the subscription's own, else the customer's default).
  const fresh = subscriptionSnapshot(
    (await stripe.subscriptions.retrieve(fromEvent.subscriptionId, {
      expand: ['default_payment_method', 'customer.invoice_settings.default_payment_method'],
    })) as unknown as Record<string, unknown>,
  );
  const expected = { priceId: String(row.stripe_price_id), trialDays: (row.trial_days as number | null) ?? null };
  // Bound once; later price changes are the shop's own (plan changes, adjusted charges).
  if (!row.stripe_subscription_id && !subscriptionMatchesStart(expected, fresh))
    return {
      orderId: Number(row.order_id),
      recurringPaymentId: row.id,
      status: row.status as RecurringStatus,
      amountMatches: false,
      alreadyProcessed: false,
      ignored: false,
    };
  const values: Record<string, unknown> = {
    stripe_subscription_id: fresh.subscriptionId,
    stripe_customer_id: fresh.customerId ?? row.stripe_customer_id ?? null,
    status: fresh.status,
    current_period_start: fresh.currentPeriodStart,
    current_period_end: fresh.currentPeriodEnd,
    cancel_at_period_end: fresh.cancelAtPeriodEnd,
    canceled_at: fresh.canceledAt,
    // What the customer changed since (a plan switch, the quantity, a pause, the card; e.g. in the portal).
    stripe_price_id: fresh.priceId ?? row.stripe_price_id,
    quantity: fresh.quantity,
    plan_amount: fresh.planAmount,
    plan_interval: fresh.planInterval,
    collection_paused: fresh.collectionPaused,
    payment_method: fresh.paymentMethod ?? row.payment_method ?? null,
  };
  const changed =
    row.status !== fresh.status ||
    row.stripe_subscription_id !== fresh.subscriptionId ||
    Boolean(row.cancel_at_period_end) !== fresh.cancelAtPeriodEnd ||
    !sameTime(row.current_period_end, fresh.currentPeriodEnd) ||
    !sameTime(row.canceled_at, fresh.canceledAt) ||
    (['stripe_price_id', 'quantity', 'plan_amount', 'plan_interval', 'payment_method'] as const).some(
      (k) => (row[k] ?? null) !== (values[k] ?? null),
    ) ||
    Boolean(row.collection_paused) !== fresh.collectionPaused;
  if (changed)
    await updateRows(
      tx,
      projectId,
      BACKEND,
      RECURRING_PAYMENT_TABLE,
      [{ column: 'id', op: 'eq', value: row.id }],
      values,
    );
  return {
    orderId: Number(row.order_id),
    recurringPaymentId: row.id,
    status: fresh.status,
    amountMatches: true,
    alreadyProcessed: !changed,
    ignored: false,
  };
}
