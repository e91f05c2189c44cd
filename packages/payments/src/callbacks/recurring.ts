import { getRow, getTable, insertRow, queryRows, type Row, updateRows } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import type Stripe from 'stripe';
import {
  type RecurringStatus,
  renewalChargeFromEvent,
  type StripeEventLike,
  subscriptionSnapshot,
} from '../event-mapping';
import { PAYMENT_TABLE, RECURRING_PAYMENT_TABLE } from '../system-tables';
import { BACKEND, findAndLock } from './find';
import { NO_RECEIPT, type ReceiptFields, receiptFields } from './receipt';

export interface RecurringCallbackOutput {
  orderId: number | null;
  recurringPaymentId: number | null;
  status: RecurringStatus | null;
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
  const ignored = { orderId: null, recurringPaymentId: null, status: null, alreadyProcessed: false, ignored: true };
  if (!event.type.startsWith('customer.subscription.')) return ignored;
  const fromEvent = subscriptionSnapshot(event.data.object);
  const row = await findAndLock(tx, projectId, RECURRING_PAYMENT_TABLE, fromEvent.recurringPaymentId, [
    { column: 'stripe_subscription_id', value: fromEvent.subscriptionId },
  ]);
  if (!row) return ignored;
  const fresh = subscriptionSnapshot(
    (await stripe.subscriptions.retrieve(fromEvent.subscriptionId)) as unknown as Record<string, unknown>,
  );
  const values: Record<string, unknown> = {
    stripe_subscription_id: fresh.subscriptionId,
    stripe_customer_id: fresh.customerId ?? row.stripe_customer_id ?? null,
    status: fresh.status,
    current_period_start: fresh.currentPeriodStart,
    current_period_end: fresh.currentPeriodEnd,
    cancel_at_period_end: fresh.cancelAtPeriodEnd,
    canceled_at: fresh.canceledAt,
  };
  const changed =
    row.status !== fresh.status ||
    row.stripe_subscription_id !== fresh.subscriptionId ||
    Boolean(row.cancel_at_period_end) !== fresh.cancelAtPeriodEnd ||
    !sameTime(row.current_period_end, fresh.currentPeriodEnd) ||
    !sameTime(row.canceled_at, fresh.canceledAt);
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
    alreadyProcessed: !changed,
    ignored: false,
  };
}

export interface RenewalCallbackOutput extends ReceiptFields {
  orderId: number | null;
  originalOrderId: number | null;
  paymentId: number | null;
  paymentStatus: 'SUCCESSFUL' | 'FAILED' | null;
  alreadyProcessed: boolean;
  ignored: boolean;
}

/** Copies the original order's own columns into the renewal order, then applies the flow's mapping. */
async function renewalOrderValues(
  tx: Executor,
  projectId: number,
  orderTable: string,
  original: Row,
  mapping: Record<string, unknown>,
) {
  const table = await getTable(tx, projectId, orderTable);
  const values: Record<string, unknown> = {};
  for (const column of table.columns) {
    if (column.unique) continue; // a copied unique value (e.g. an order number) would collide
    values[column.name] = original[column.name] ?? null;
  }
  return { ...values, ...mapping };
}

/**
 * StripeRecurringPaymentDeduction's callback handler: each renewal invoice
 * creates a new order (mapped from the original) and a payment row for it.
 * The invoice id is unique on the payment table, so a replay finds the first
 * one; a renewal above the subscription's initial amount is recorded FAILED
 * and flagged rather than accepted silently.
 */
export async function handleRenewalEvent(
  tx: Executor,
  projectId: number,
  event: StripeEventLike,
  orderTable: string,
  orderFieldMapping: Record<string, unknown> = {},
): Promise<RenewalCallbackOutput> {
  const ignored = {
    orderId: null,
    originalOrderId: null,
    paymentId: null,
    paymentStatus: null,
    alreadyProcessed: false,
    ...NO_RECEIPT,
    ignored: true,
  };
  const charge = renewalChargeFromEvent(event);
  if (!charge) return ignored;
  const recurring = await findAndLock(tx, projectId, RECURRING_PAYMENT_TABLE, null, [
    { column: 'stripe_subscription_id', value: charge.subscriptionId },
  ]);
  if (!recurring) return ignored;
  const originalOrderId = Number(recurring.order_id);
  const { rows: existing } = await queryRows(tx, projectId, BACKEND, PAYMENT_TABLE, {
    filters: [{ column: 'stripe_invoice_id', op: 'eq', value: charge.invoiceId }],
    limit: 1,
  });
  if (existing[0])
    return {
      orderId: Number(existing[0].order_id),
      originalOrderId,
      paymentId: existing[0].id,
      paymentStatus: existing[0].status === 'SUCCESSFUL' ? 'SUCCESSFUL' : 'FAILED',
      alreadyProcessed: true,
      ...(await receiptFields(tx, projectId, existing[0], event)),
      ignored: false,
    };
  const original = await getRow(tx, projectId, BACKEND, orderTable, originalOrderId);
  if (!original) return ignored;
  const order = await insertRow(
    tx,
    projectId,
    BACKEND,
    orderTable,
    await renewalOrderValues(tx, projectId, orderTable, original, orderFieldMapping),
  );
  const cap = recurring.initial_amount == null ? Number.POSITIVE_INFINITY : Number(recurring.initial_amount);
  const overCap = charge.amount > cap;
  const status = charge.paid && !overCap ? 'SUCCESSFUL' : 'FAILED';
  const payment = await insertRow(tx, projectId, BACKEND, PAYMENT_TABLE, {
    order_id: order.id,
    payer: recurring.subscriber ?? null,
    amount: charge.amount,
    currency: charge.currency,
    status,
    method: 'renewal',
    stripe_invoice_id: charge.invoiceId,
    stripe_payment_intent_id: charge.paymentIntentId ?? null,
    paid_at: charge.paid ? new Date(event.created * 1000) : null,
    failure_reason: overCap
      ? `Renewal of ${charge.amount} exceeds the subscription's initial amount of ${cap}; review it in Stripe.`
      : (charge.failureReason ?? null),
  });
  return {
    orderId: order.id,
    originalOrderId,
    paymentId: payment.id,
    paymentStatus: status,
    alreadyProcessed: false,
    ...(await receiptFields(tx, projectId, payment, event)),
    ignored: false,
  };
}
