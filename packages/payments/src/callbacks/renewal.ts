import { BACKEND, getRow, getTable, insertRow, queryRows, type Row, updateRows } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import type { RENEWAL_STATUSES } from '@tillflow/flow-model';
import { formatMinorUnits } from '../currencies';
import {
  type PaymentStatus,
  type RenewalCharge,
  renewalChargeFromEvent,
  type StripeEventLike,
  shouldApplyPaymentStatus,
} from '../event-mapping';
import { PAYMENT_TABLE, RECURRING_PAYMENT_TABLE } from '../system-tables';
import { findAndLock, sameMode } from './find';
import { NO_RECEIPT, type ReceiptFields, receiptFields } from './receipt';

export interface RenewalCallbackOutput extends ReceiptFields {
  orderId: number | null;
  originalOrderId: number | null;
  paymentId: number | null;
  paymentStatus: (typeof RENEWAL_STATUSES)[number] | null;
  /** True when this exact change (this invoice reaching this status) was already applied. */
  alreadyProcessed: boolean;
  /** True when a renewal recorded FAILED was later collected (a retry, or another card). */
  recovered: boolean;
  /** Stripe collected an amount other than expected: recorded as collected, flagged here for review. */
  needsReview: boolean;
  ignored: boolean;
}

/** How the renewal node makes a renewal order (its editable mapping): columns copied, values set. */
export interface RenewalOrderMapping {
  /** Columns copied from the subscription's first order; unset: all but unique ones. */
  copyColumns?: string[];
  /** Values set on the new order (e.g. its status), after copying. */
  orderFieldMapping?: Record<string, unknown>;
}

/** Copies the original order's columns into the renewal order, then applies the flow's mapping. */
async function renewalOrderValues(
  tx: Executor,
  projectId: number,
  orderTable: string,
  original: Row,
  mapping: RenewalOrderMapping,
) {
  const table = await getTable(tx, projectId, orderTable);
  const values: Record<string, unknown> = {};
  for (const column of table.columns) {
    if (column.unique) continue; // a copied unique value (e.g. an order number) would collide
    if (mapping.copyColumns && !mapping.copyColumns.includes(column.name)) continue;
    values[column.name] = original[column.name] ?? null;
  }
  return { ...values, ...(mapping.orderFieldMapping ?? {}) };
}

/** What we expected this renewal to collect: the adjusted amount if the builder set one, else the first charge's. */
function reviewReason(recurring: Row, charge: RenewalCharge): string | null {
  if (!charge.paid) return null;
  const expected = recurring.next_amount ?? recurring.initial_amount;
  if (expected == null || Number(expected) === charge.amount) return null;
  const currency = charge.currency;
  return `Stripe collected ${formatMinorUnits(charge.amount, currency)}; ${formatMinorUnits(Number(expected), currency)} was expected. Review the subscription's price in Stripe.`;
}

const ignoredOutput: RenewalCallbackOutput = {
  orderId: null,
  originalOrderId: null,
  paymentId: null,
  paymentStatus: null,
  alreadyProcessed: false,
  recovered: false,
  needsReview: false,
  ...NO_RECEIPT,
  ignored: true,
};

/**
 * StripeRecurringPaymentDeduction's callback handler: each renewal invoice
 * creates a new order (mapped from the original) and a payment row for it.
 * Later events about the same invoice move that row along Stripe's states: a
 * declined renewal that is later collected becomes SUCCESSFUL (`recovered`),
 * a stale failure never regresses a paid one. The amount is what Stripe
 * collected; one that differs from what was expected is flagged, never failed.
 */
export async function handleRenewalEvent(
  tx: Executor,
  projectId: number,
  event: StripeEventLike,
  orderTable: string,
  mapping: RenewalOrderMapping = {},
): Promise<RenewalCallbackOutput> {
  const charge = renewalChargeFromEvent(event);
  if (!charge) return ignoredOutput;
  // The subscription's row lock serialises every event about its invoices (a paid and a failed one racing).
  const recurring = await findAndLock(tx, projectId, RECURRING_PAYMENT_TABLE, null, [
    { column: 'stripe_subscription_id', value: charge.subscriptionId },
  ]);
  if (!recurring || !sameMode(recurring, event)) return ignoredOutput;
  const originalOrderId = Number(recurring.order_id);
  const { rows: existing } = await queryRows(tx, projectId, BACKEND, PAYMENT_TABLE, {
    filters: [{ column: 'stripe_invoice_id', op: 'eq', value: charge.invoiceId }],
    limit: 1,
  });
  if (existing[0]) return advanceRenewal(tx, projectId, event, recurring, existing[0], charge);
  const original = await getRow(tx, projectId, BACKEND, orderTable, originalOrderId);
  if (!original) return ignoredOutput;
  const order = await insertRow(
    tx,
    projectId,
    BACKEND,
    orderTable,
    await renewalOrderValues(tx, projectId, orderTable, original, mapping),
  );
  const status = charge.paid ? 'SUCCESSFUL' : 'FAILED';
  const review = reviewReason(recurring, charge);
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
    failure_reason: charge.failureReason ?? null,
    review_reason: review,
    livemode: event.livemode === true,
  });
  return {
    orderId: order.id,
    originalOrderId,
    paymentId: payment.id,
    paymentStatus: status,
    alreadyProcessed: false,
    recovered: false,
    needsReview: review !== null,
    ...(await receiptFields(tx, projectId, payment, event)),
    ignored: false,
  };
}

/** A later event about an invoice we already recorded: apply it only if it moves the row forward. */
async function advanceRenewal(
  tx: Executor,
  projectId: number,
  event: StripeEventLike,
  recurring: Row,
  found: Row,
  charge: RenewalCharge,
): Promise<RenewalCallbackOutput> {
  const payment = (await findAndLock(tx, projectId, PAYMENT_TABLE, found.id, [])) ?? found;
  const current = payment.status as PaymentStatus;
  const next: PaymentStatus = charge.paid ? 'SUCCESSFUL' : 'FAILED';
  const apply = shouldApplyPaymentStatus(current, next);
  let row = payment;
  let review: string | null = null;
  if (apply) {
    review = reviewReason(recurring, charge);
    const values: Record<string, unknown> = { status: next, amount: charge.amount };
    if (charge.paid) {
      values.paid_at = new Date(event.created * 1000);
      values.failure_reason = null;
      values.review_reason = review;
    } else if (charge.failureReason) values.failure_reason = charge.failureReason;
    if (charge.paymentIntentId && !payment.stripe_payment_intent_id)
      values.stripe_payment_intent_id = charge.paymentIntentId;
    [row] = await updateRows(
      tx,
      projectId,
      BACKEND,
      PAYMENT_TABLE,
      [{ column: 'id', op: 'eq', value: payment.id }],
      values,
    );
  }
  const settled = (row.status as PaymentStatus) !== 'FAILED' && row.status !== 'PENDING';
  return {
    orderId: Number(row.order_id),
    originalOrderId: Number(recurring.order_id),
    paymentId: row.id,
    paymentStatus: settled ? 'SUCCESSFUL' : 'FAILED',
    alreadyProcessed: !apply,
    recovered: apply && current === 'FAILED' && next === 'SUCCESSFUL',
    needsReview: Boolean(row.review_reason),
    ...(await receiptFields(tx, projectId, row, event)),
    ignored: false,
  };
}
