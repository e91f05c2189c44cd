import { openSecret } from '@tillflow/core';
import { queryRows, type Row } from '@tillflow/data-model';
import { type DbHandle, webhookEndpoints } from '@tillflow/db';
import type { SystemFlowKind } from '@tillflow/flow-model';
import { ingestStripeWebhook, stripeSignatureHeader, webhookSecretOwner } from '@tillflow/runtime';
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { type RecurringStatus, recurringStatusOf, refundStatusOf } from './event-mapping';
import { reconcileFromStripe } from './reconcile';
import { getProjectStripe } from './settings';
import { STRIPE_API_VERSION } from './stripe-client';
import { PAYMENT_TABLE, RECURRING_PAYMENT_TABLE, REFUND_TABLE } from './system-tables';

const BACKEND = { kind: 'backend' } as const;

export interface Difference {
  table: 'payment' | 'refund' | 'recurring_payment';
  id: number;
  ours: string;
  stripe: string;
  why: string;
}

export interface CheckReport {
  ranAt: string;
  /** Missed events fetched from Stripe's Events API and run. */
  events: { checked: number; recovered: number };
  /** Non-final rows compared with Stripe's object. */
  checked: number;
  /** Rows found differing and repaired through the webhook path (their flows run, exactly once). */
  fixed: Difference[];
  /** Rows that still differ: no way to repair them here (listed with the reason). */
  stillDiffering: Difference[];
}

interface Repair {
  kind: SystemFlowKind;
  type: string;
  object: Record<string, any>;
  difference: Difference;
}

/** Stripe's view of one non-final payment row, and the event that would have told us. */
async function paymentRepair(stripe: Stripe, row: Row): Promise<Repair | null> {
  const diff = (stripeState: string, why: string) => ({
    table: 'payment' as const,
    id: row.id,
    ours: String(row.status),
    stripe: stripeState,
    why,
  });
  if (row.method === 'renewal' && row.stripe_invoice_id) {
    const invoice = await stripe.invoices.retrieve(String(row.stripe_invoice_id));
    if (invoice.status === 'paid' && row.status !== 'SUCCESSFUL')
      return {
        kind: 'StripeRecurringPaymentDeduction',
        type: 'invoice.paid',
        object: invoice as never,
        difference: diff('paid', 'the renewal invoice was paid after it failed'),
      };
    return null;
  }
  if (row.stripe_checkout_session_id) {
    const session = await stripe.checkout.sessions.retrieve(String(row.stripe_checkout_session_id));
    if (session.status === 'complete' && session.payment_status === 'paid' && row.status === 'PENDING')
      return {
        kind: 'StripePayment',
        type: 'checkout.session.completed',
        object: session as never,
        difference: diff('paid', 'the checkout was paid; its event never arrived'),
      };
    if (session.status === 'expired' && row.status === 'PENDING')
      return {
        kind: 'StripePayment',
        type: 'checkout.session.expired',
        object: session as never,
        difference: diff('expired', 'the checkout session expired'),
      };
    if (session.status !== 'complete') return null;
  }
  if (row.stripe_payment_intent_id) {
    const intent = await stripe.paymentIntents.retrieve(String(row.stripe_payment_intent_id));
    if (intent.status === 'succeeded' && row.status !== 'SUCCESSFUL')
      return {
        kind: 'StripePayment',
        type: 'payment_intent.succeeded',
        object: intent as never,
        difference: diff('succeeded', 'the payment succeeded; its event never arrived'),
      };
    if (intent.status === 'canceled' && row.status === 'PENDING')
      return {
        kind: 'StripePayment',
        type: 'payment_intent.canceled',
        object: intent as never,
        difference: diff('canceled', 'the payment was canceled'),
      };
  }
  return null;
}

async function refundRepair(stripe: Stripe, row: Row): Promise<Repair | null> {
  if (!row.stripe_refund_id) return null;
  const refund = await stripe.refunds.retrieve(String(row.stripe_refund_id));
  const theirs = refundStatusOf(refund.status ?? 'pending');
  if (theirs === row.status) return null;
  return {
    kind: 'StripeRefund',
    type: 'refund.updated',
    object: refund as never,
    difference: {
      table: 'refund',
      id: row.id,
      ours: String(row.status),
      stripe: String(refund.status),
      why: 'the refund settled; its event never arrived',
    },
  };
}

async function subscriptionRepair(stripe: Stripe, row: Row): Promise<Repair | null> {
  if (!row.stripe_subscription_id) return null;
  const sub = await stripe.subscriptions.retrieve(String(row.stripe_subscription_id));
  const theirs: RecurringStatus = recurringStatusOf(sub.status);
  if (theirs === row.status && Boolean(row.cancel_at_period_end) === sub.cancel_at_period_end) return null;
  return {
    kind: 'StripeRecurringPaymentManagement',
    type: 'customer.subscription.updated',
    object: sub as never,
    difference: {
      table: 'recurring_payment',
      id: row.id,
      ours: String(row.status),
      stripe: sub.status,
      why: 'the subscription changed in Stripe; its event never arrived',
    },
  };
}

async function rowsToCheck(handle: DbHandle, projectId: number) {
  const q = (table: string, statuses: string[]) =>
    queryRows(handle.db, projectId, BACKEND, table, {
      filters: [{ column: 'status', op: 'in', value: statuses }],
      limit: 500,
    }).then((r) => r.rows);
  return {
    payments: await q(PAYMENT_TABLE, ['PENDING', 'FAILED']),
    refunds: await q(REFUND_TABLE, ['PENDING']),
    subscriptions: await q(RECURRING_PAYMENT_TABLE, [
      'INCOMPLETE',
      'ACTIVE',
      'PAST_DUE',
      'TRIALING',
      'UNPAID',
      'PAUSED',
    ]),
  };
}

/**
 * "Check against Stripe": (a) fetch events that never arrived (Events API) and
 * run them; (b) compare every non-final payment, refund and subscription row
 * with Stripe's object and, where they differ, feed the event that would have
 * told us through the same ingestion path (signed with the endpoint's secret,
 * with an id derived from the object and its state, so repeating the check
 * never runs a flow twice). The report says what was checked, fixed and why.
 */
export async function checkAgainstStripe(
  handle: DbHandle,
  projectId: number,
  options: { sinceSeconds?: number } = {},
): Promise<CheckReport> {
  const events = await reconcileFromStripe(handle, projectId, options);
  const { stripe } = await getProjectStripe(handle.db, projectId);
  const endpoints = await handle.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.projectId, projectId));
  const { payments, refunds, subscriptions } = await rowsToCheck(handle, projectId);
  const report: CheckReport = { ranAt: new Date().toISOString(), events, checked: 0, fixed: [], stillDiffering: [] };
  const jobs: [Row, (s: Stripe, r: Row) => Promise<Repair | null>][] = [
    ...payments.map((r) => [r, paymentRepair] as [Row, typeof paymentRepair]),
    ...refunds.map((r) => [r, refundRepair] as [Row, typeof refundRepair]),
    ...subscriptions.map((r) => [r, subscriptionRepair] as [Row, typeof subscriptionRepair]),
  ];
  for (const [row, find] of jobs) {
    report.checked++;
    let repair: Repair | null;
    try {
      repair = await find(stripe, row);
    } catch (error) {
      report.stillDiffering.push({
        table: 'payment',
        id: row.id,
        ours: String(row.status),
        stripe: 'unknown',
        why: `Stripe could not be asked: ${(error as Error).message}`,
      });
      continue;
    }
    if (!repair) continue;
    const endpoint = endpoints.find((e) => e.purpose === repair.kind);
    if (!endpoint) {
      report.stillDiffering.push({
        ...repair.difference,
        why: `${repair.difference.why}; the ${repair.kind} endpoint is missing (repair endpoints)`,
      });
      continue;
    }
    const event = {
      id: `evt_check_${repair.object.id}_${String(repair.object.status ?? '').replace(/\W/g, '')}`,
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: Math.floor(Date.now() / 1000),
      livemode: repair.object.livemode === true,
      type: repair.type,
      data: { object: repair.object },
    };
    const rawBody = JSON.stringify(event);
    const result = await ingestStripeWebhook(handle, {
      endpointId: endpoint.id,
      rawBody,
      signatureHeader: stripeSignatureHeader(
        rawBody,
        openSecret(endpoint.secretEncrypted, webhookSecretOwner(projectId)),
      ),
      contentType: 'application/json',
    });
    if (result.status === 200) report.fixed.push(repair.difference);
    else
      report.stillDiffering.push({
        ...repair.difference,
        why: `${repair.difference.why}; the repair was refused (${result.status})`,
      });
  }
  lastReports.set(projectId, report);
  return report;
}

// The last report per project, for the dashboard (this process; maintenance and buttons both record here).
const lastReports = new Map<number, CheckReport>();
export const lastCheckReport = (projectId: number): CheckReport | null => lastReports.get(projectId) ?? null;
