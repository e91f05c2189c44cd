import { BACKEND, updateRows } from '@tillflow/data-model';
import { authUser, type Executor, projects } from '@tillflow/db';
import type { DisputeStatus, OrderStatusByPayment } from '@tillflow/flow-model';
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { formatMinorUnits } from '../currencies';
import type { StripeEventLike } from '../event-mapping';
import { PAYMENT_TABLE } from '../system-tables';
import { findAndLock, sameMode } from './find';

export type { DisputeStatus };

export interface DisputeCallbackOutput {
  orderId: number | null;
  paymentId: number | null;
  disputeStatus: DisputeStatus | null;
  /** Where the order stands by its payment alone: where a won dispute puts a disputed order back. */
  orderStatusByPayment: OrderStatusByPayment | null;
  reason: string | null;
  /** Stripe's reason code in words, for the owner's email and screens. */
  reasonDisplay: string | null;
  alreadyProcessed: boolean;
  adminEmail: string | null;
  amount: number | null;
  currency: string | null;
  amountDisplay: string | null;
  ignored: boolean;
}

const idOf = (v: unknown) =>
  typeof v === 'string' ? v : v && typeof v === 'object' ? String((v as { id: unknown }).id) : undefined;

/** Stripe's dispute reasons (Dispute.reason) as the shop owner reads them. */
const DISPUTE_REASONS: Record<string, string> = {
  bank_cannot_process: 'the customer’s bank could not process the payment',
  check_returned: 'the check was returned',
  credit_not_processed: 'the customer says a refund or credit they were promised was not made',
  customer_initiated: 'the customer asked their bank to reverse the payment',
  debit_not_authorized: 'the customer says they did not authorise the debit',
  duplicate: 'the customer says they were charged twice',
  fraudulent: 'the customer says they did not make this payment',
  general: 'the customer’s bank gave no specific reason',
  incorrect_account_details: 'the account details were wrong',
  insufficient_funds: 'the customer’s account did not have enough money',
  noncompliant: 'the card network says the payment broke its rules',
  product_not_received: 'the customer says they did not receive what they paid for',
  product_unacceptable: 'the customer says what they received was faulty or not as described',
  subscription_canceled: 'the customer says they were charged after cancelling a subscription',
  unrecognized: 'the customer does not recognise the payment',
};

/** A dispute's reason in words; a code Stripe adds later reads with spaces instead of underscores. */
export function disputeReasonWords(reason: unknown): string | null {
  if (typeof reason !== 'string' || reason === '') return null;
  return DISPUTE_REASONS[reason] ?? reason.replace(/_/g, ' ');
}

/** Stripe's dispute states as the payment row keeps them: open until won or lost (a closed inquiry counts as won). */
export function disputeStatusOf(stripeStatus: string): DisputeStatus {
  if (stripeStatus === 'won' || stripeStatus === 'warning_closed') return 'WON';
  if (stripeStatus === 'lost') return 'LOST';
  return 'DISPUTED';
}

/** An order's status as its payment's status alone says it, in the default order words. */
export function orderStatusByPayment(paymentStatus: string): OrderStatusByPayment {
  if (paymentStatus === 'SUCCESSFUL') return 'paid';
  if (paymentStatus === 'PARTIALLY_REFUNDED') return 'partially_refunded';
  if (paymentStatus === 'REFUNDED') return 'refunded';
  if (paymentStatus === 'FAILED') return 'failed';
  return 'pending';
}

async function ownerEmail(tx: Executor, projectId: number): Promise<string | null> {
  const [row] = await tx
    .select({ email: authUser.email })
    .from(projects)
    .innerJoin(authUser, eq(authUser.id, projects.ownerId))
    .where(eq(projects.id, projectId));
  return row?.email ?? null;
}

/**
 * StripeDispute's callback handler (charge.dispute.created/updated/closed). The
 * dispute is re-fetched from Stripe, so whatever order the events arrive in,
 * the payment row ends with Stripe's outcome; `alreadyProcessed` is true when
 * that outcome was already recorded.
 */
export async function handleDisputeEvent(
  tx: Executor,
  projectId: number,
  event: StripeEventLike,
  stripe?: Stripe,
): Promise<DisputeCallbackOutput> {
  const ignored: DisputeCallbackOutput = {
    orderId: null,
    paymentId: null,
    disputeStatus: null,
    orderStatusByPayment: null,
    reason: null,
    reasonDisplay: null,
    alreadyProcessed: false,
    adminEmail: null,
    amount: null,
    currency: null,
    amountDisplay: null,
    ignored: true,
  };
  if (!event.type.startsWith('charge.dispute.')) return ignored;
  let dispute = event.data.object as Record<string, any>;
  const fresh = stripe ? await stripe.disputes.retrieve(String(dispute.id)).catch(() => null) : null;
  if (fresh) dispute = fresh as unknown as Record<string, any>;
  const payment = await findAndLock(tx, projectId, PAYMENT_TABLE, null, [
    { column: 'stripe_payment_intent_id', value: idOf(dispute.payment_intent) },
    { column: 'stripe_charge_id', value: idOf(dispute.charge) },
  ]);
  if (!payment || !sameMode(payment, event)) return ignored;
  const fetched = disputeStatusOf(String(dispute.status));
  // A dispute ends once (won or lost) and never reopens: a read of it made before it ended (this run fetched it,
  // then waited for the row while a later event's run recorded the outcome) does not put it back to open.
  const ended = payment.stripe_dispute_id === dispute.id && ['WON', 'LOST'].includes(String(payment.dispute_status));
  const status = ended && fetched === 'DISPUTED' ? (payment.dispute_status as DisputeStatus) : fetched;
  const amount = Number(dispute.amount);
  // A lost dispute takes the disputed amount back: recorded, so the dashboard's net counts it.
  const lost = status === 'LOST' ? amount : 0;
  const changed =
    payment.dispute_status !== status ||
    payment.stripe_dispute_id !== dispute.id ||
    Number(payment.amount_lost ?? 0) !== lost;
  if (changed)
    await updateRows(tx, projectId, BACKEND, PAYMENT_TABLE, [{ column: 'id', op: 'eq', value: payment.id }], {
      dispute_status: status,
      stripe_dispute_id: String(dispute.id),
      amount_lost: lost,
    });
  const currency = String(dispute.currency);
  return {
    orderId: Number(payment.order_id),
    paymentId: payment.id,
    disputeStatus: status,
    orderStatusByPayment: orderStatusByPayment(String(payment.status)),
    reason: typeof dispute.reason === 'string' ? dispute.reason : null,
    reasonDisplay: disputeReasonWords(dispute.reason),
    alreadyProcessed: !changed,
    adminEmail: await ownerEmail(tx, projectId),
    amount,
    currency,
    amountDisplay: formatMinorUnits(amount, currency),
    ignored: false,
  };
}
