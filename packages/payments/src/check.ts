import { BACKEND, queryRows, type Row } from '@tillflow/data-model';
import { type Executor, paymentSettings } from '@tillflow/db';
import { flowTitle, type SystemFlowKind } from '@tillflow/flow-model';
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { type RecurringStatus, recurringStatusOf, refundStatusOf } from './event-mapping';
import { feedAsDelivered, projectEndpoints, reconcileFromStripe } from './reconcile';
import type { PaymentServices } from './stripe-accounts';
import { STRIPE_API_VERSION } from './stripe-client';
import { PAYMENT_TABLE, RECURRING_PAYMENT_TABLE, RECURRING_STATUSES, REFUND_TABLE } from './system-tables';

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

type Table = Difference['table'];

/** The event that would have told us, and why the row differs: one shape for every repair. */
function repairOf(
  table: Table,
  row: Row,
  kind: SystemFlowKind,
  type: string,
  object: unknown,
  stripe: string,
  why: string,
): Repair {
  return {
    kind,
    type,
    object: object as Record<string, any>,
    difference: { table, id: row.id, ours: String(row.status), stripe, why },
  };
}

/** One rule: when Stripe's object is in this state and our row in one of these, this event repairs it. */
interface PaymentRule {
  when: (object: Record<string, any>, ours: string) => boolean;
  type: string;
  stripe: string;
  why: string;
}

const SESSION_RULES: PaymentRule[] = [
  {
    when: (s, ours) => s.status === 'complete' && s.payment_status === 'paid' && ours === 'PENDING',
    type: 'checkout.session.completed',
    stripe: 'paid',
    why: 'the checkout was paid; its event never arrived',
  },
  {
    // Declined first, then expired: Stripe's intent is canceled, so a FAILED row moves on too.
    when: (s, ours) => s.status === 'expired' && (ours === 'PENDING' || ours === 'FAILED'),
    type: 'checkout.session.expired',
    stripe: 'expired',
    why: 'the checkout session expired',
  },
];
const INTENT_RULES: PaymentRule[] = [
  {
    when: (i, ours) => i.status === 'succeeded' && ours !== 'SUCCESSFUL',
    type: 'payment_intent.succeeded',
    stripe: 'succeeded',
    why: 'the payment succeeded; its event never arrived',
  },
  {
    when: (i, ours) => i.status === 'canceled' && (ours === 'PENDING' || ours === 'FAILED'),
    type: 'payment_intent.canceled',
    stripe: 'canceled',
    why: 'the payment was canceled',
  },
  {
    // A failed attempt (a declined card, a bank debit that failed after checkout) whose events never arrived.
    when: (i, ours) => i.status === 'requires_payment_method' && !!i.last_payment_error && ours === 'PENDING',
    type: 'payment_intent.payment_failed',
    stripe: 'failed',
    why: 'the payment failed; its event never arrived',
  },
];
const INVOICE_RULES: PaymentRule[] = [
  {
    when: (inv, ours) => inv.status === 'paid' && ours !== 'SUCCESSFUL',
    type: 'invoice.paid',
    stripe: 'paid',
    why: 'the renewal invoice was paid after it failed',
  },
];

function firstRule(rules: PaymentRule[], row: Row, kind: SystemFlowKind, object: Record<string, any>): Repair | null {
  const rule = rules.find((r) => r.when(object, String(row.status)));
  return rule ? repairOf('payment', row, kind, rule.type, object, rule.stripe, rule.why) : null;
}

/** Stripe's view of one non-final payment row, and the event that would have told us. */
async function paymentRepair(stripe: Stripe, row: Row): Promise<Repair | null> {
  if (row.method === 'renewal' && row.stripe_invoice_id) {
    const invoice = await stripe.invoices.retrieve(String(row.stripe_invoice_id));
    return firstRule(INVOICE_RULES, row, 'StripeRecurringPaymentDeduction', invoice as never);
  }
  if (row.stripe_checkout_session_id) {
    const session = await stripe.checkout.sessions.retrieve(String(row.stripe_checkout_session_id));
    const repair = firstRule(SESSION_RULES, row, 'StripePayment', session as never);
    if (repair || session.status !== 'complete') return repair;
  }
  if (!row.stripe_payment_intent_id) return null;
  const intent = await stripe.paymentIntents.retrieve(String(row.stripe_payment_intent_id));
  return firstRule(INTENT_RULES, row, 'StripePayment', intent as never);
}

async function refundRepair(stripe: Stripe, row: Row): Promise<Repair | null> {
  if (!row.stripe_refund_id) return null;
  const refund = await stripe.refunds.retrieve(String(row.stripe_refund_id));
  if (refundStatusOf(refund.status ?? 'pending') === row.status) return null;
  const why = 'the refund settled; its event never arrived';
  return repairOf('refund', row, 'StripeRefund', 'refund.updated', refund, String(refund.status), why);
}

async function subscriptionRepair(stripe: Stripe, row: Row): Promise<Repair | null> {
  if (!row.stripe_subscription_id) return null;
  const sub = await stripe.subscriptions.retrieve(String(row.stripe_subscription_id));
  const theirs: RecurringStatus = recurringStatusOf(sub.status);
  if (theirs === row.status && Boolean(row.cancel_at_period_end) === sub.cancel_at_period_end) return null;
  const why = 'the subscription changed in Stripe; its event never arrived';
  const type = 'customer.subscription.updated';
  return repairOf('recurring_payment', row, 'StripeRecurringPaymentManagement', type, sub, sub.status, why);
}

/** Why Stripe could not be asked, in words (Stripe's messages name object ids; the shop owner reads this). */
function couldNotAsk(error: unknown): string {
  const e = error as { code?: string; type?: string };
  if (e.code === 'resource_missing') return 'Stripe does not know it on the account whose keys are saved';
  if (e.type === 'StripeAuthenticationError' || e.type === 'StripePermissionError')
    return 'Stripe refused the saved keys';
  return 'Stripe could not be reached; it is tried again at the next check';
}

/** Rows Stripe may still move: every status but the final ones. */
const FINAL_RECURRING: RecurringStatus[] = ['CANCELED', 'INCOMPLETE_EXPIRED'];
const CHECKED: { table: Table; statuses: readonly string[]; find: (s: Stripe, r: Row) => Promise<Repair | null> }[] = [
  { table: PAYMENT_TABLE, statuses: ['PENDING', 'FAILED'], find: paymentRepair },
  { table: REFUND_TABLE, statuses: ['PENDING'], find: refundRepair },
  {
    table: RECURRING_PAYMENT_TABLE,
    statuses: RECURRING_STATUSES.filter((s) => !FINAL_RECURRING.includes(s)),
    find: subscriptionRepair,
  },
];

async function rowsToCheck(services: PaymentServices, projectId: number) {
  const jobs: { table: Table; row: Row; find: (s: Stripe, r: Row) => Promise<Repair | null> }[] = [];
  for (const { table, statuses, find } of CHECKED) {
    const { rows } = await queryRows(services.database.db, projectId, BACKEND, table, {
      filters: [{ column: 'status', op: 'in', value: [...statuses] }],
      limit: 500,
    });
    for (const row of rows) jobs.push({ table, row, find });
  }
  return jobs;
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
  services: PaymentServices,
  projectId: number,
  options: { sinceSeconds?: number } = {},
): Promise<CheckReport> {
  const events = await reconcileFromStripe(services, projectId, options);
  const { stripe } = await services.stripeAccounts.forProject(services.database.db, projectId);
  const endpoints = await projectEndpoints(services, projectId);
  const jobs = await rowsToCheck(services, projectId);
  const report: CheckReport = { ranAt: new Date().toISOString(), events, checked: 0, fixed: [], stillDiffering: [] };
  for (const { table, row, find } of jobs) {
    report.checked++;
    let repair: Repair | null;
    try {
      repair = await find(stripe, row);
    } catch (error) {
      report.stillDiffering.push({
        table,
        id: row.id,
        ours: String(row.status),
        stripe: 'unknown',
        why: couldNotAsk(error),
      });
      continue;
    }
    if (!repair) continue;
    const endpoint = endpoints.find((e) => e.purpose === repair.kind);
    if (!endpoint) {
      report.stillDiffering.push({
        ...repair.difference,
        why: `${repair.difference.why}; the address Stripe calls for “${flowTitle(repair.kind)}” is missing (press Reconnect missing addresses)`,
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
    const status = await feedAsDelivered(services, endpoint, event);
    if (status === 200) report.fixed.push(repair.difference);
    else
      report.stillDiffering.push({
        ...repair.difference,
        why: `${repair.difference.why}; the repair was refused, it is tried again at the next check`,
      });
  }
  await services.database.db
    .update(paymentSettings)
    .set({ lastCheck: report, updatedAt: new Date() })
    .where(eq(paymentSettings.projectId, projectId));
  return report;
}

/** The last report (button, REST or maintenance; stored with the project's payment settings), for the dashboard. */
export async function lastCheckReport(db: Executor, projectId: number): Promise<CheckReport | null> {
  const [row] = await db
    .select({ lastCheck: paymentSettings.lastCheck })
    .from(paymentSettings)
    .where(eq(paymentSettings.projectId, projectId));
  return (row?.lastCheck as CheckReport | null | undefined) ?? null;
}
