import { BACKEND, updateRows } from '@tillflow/data-model';
import { authUser, type Executor, projects } from '@tillflow/db';
import type { DisputeStatus } from '@tillflow/flow-model';
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
  reason: string | null;
  alreadyProcessed: boolean;
  adminEmail: string | null;
  amount: number | null;
  currency: string | null;
  amountDisplay: string | null;
  ignored: boolean;
}

const idOf = (v: unknown) =>
  typeof v === 'string' ? v : v && typeof v === 'object' ? String((v as { id: unknown }).id) : undefined;

/** Stripe's dispute states as the payment row keeps them: open until won or lost (a closed inquiry counts as won). */
export function disputeStatusOf(stripeStatus: string): DisputeStatus {
  if (stripeStatus === 'won' || stripeStatus === 'warning_closed') return 'WON';
  if (stripeStatus === 'lost') return 'LOST';
  return 'DISPUTED';
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
    reason: null,
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
  const status = disputeStatusOf(String(dispute.status));
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
    reason: typeof dispute.reason === 'string' ? dispute.reason : null,
    alreadyProcessed: !changed,
    adminEmail: await ownerEmail(tx, projectId),
    amount,
    currency,
    amountDisplay: formatMinorUnits(amount, currency),
    ignored: false,
  };
}
