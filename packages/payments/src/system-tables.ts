import {
  addColumn,
  addTableDependency,
  BACKEND,
  createSystemTable,
  END_USER_TABLE,
  getTable,
  setActionPermission,
  setTablePermission,
  type TableDef,
  updateColumn,
  updateRows,
} from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import { DISPUTE_STATUSES, PAYMENT_STATUSES, RECURRING_STATUSES, REFUND_STATUSES } from '@tillflow/flow-model';

export const PAYMENT_TABLE = 'payment';
export const RECURRING_PAYMENT_TABLE = 'recurring_payment';
export const REFUND_TABLE = 'refund';

// The statuses are declared once in the flow model (the callbacks' outputs read the same tuples).
export { DISPUTE_STATUSES, PAYMENT_STATUSES, RECURRING_STATUSES, REFUND_STATUSES };

// Each system table carries the end user it belongs to, so "own rows" scope
// works on it directly (a user sees only their payments, refunds, subscriptions).
function systemTableDefs(orderTable: string): TableDef[] {
  return [
    {
      name: PAYMENT_TABLE,
      ownerColumn: 'payer',
      columns: [
        { name: 'order_id', type: 'relation', relationTable: orderTable, required: true },
        { name: 'payer', type: 'relation', relationTable: END_USER_TABLE },
        { name: 'amount', type: 'integer', required: true },
        { name: 'currency', type: 'text', required: true },
        { name: 'status', type: 'enum', enumOptions: [...PAYMENT_STATUSES], required: true, default: 'PENDING' },
        { name: 'method', type: 'enum', enumOptions: ['checkout', 'payment_intent', 'renewal'], required: true },
        { name: 'amount_refunded', type: 'integer', required: true, default: 0 },
        { name: 'stripe_checkout_session_id', type: 'text', unique: true },
        { name: 'stripe_payment_intent_id', type: 'text', unique: true },
        { name: 'stripe_charge_id', type: 'text' },
        { name: 'stripe_invoice_id', type: 'text', unique: true },
        { name: 'checkout_url', type: 'text' },
        { name: 'idempotency_key', type: 'text', unique: true },
        { name: 'paid_at', type: 'timestamp' },
        { name: 'failure_reason', type: 'text' },
        // Added after the first release: upgradePaymentSystemTables adds them to older projects.
        { name: 'review_reason', type: 'text' },
        { name: 'dispute_status', type: 'enum', enumOptions: [...DISPUTE_STATUSES] },
        { name: 'stripe_dispute_id', type: 'text' },
        { name: 'livemode', type: 'boolean', required: true, default: false },
        // Minor units a lost dispute took back (Stripe's dispute amount); 0 otherwise.
        { name: 'amount_lost', type: 'integer', required: true, default: 0 },
        // What Stripe says was actually collected (minor units, its currency), recorded with the success. Differs
        // from amount / currency only on an AMOUNT_MISMATCH payment, which is refundable up to this.
        { name: 'amount_received', type: 'integer' },
        { name: 'currency_received', type: 'text' },
        // Catalog prices sold (price, quantity, name, unit amount in minor units, currency); null for an order's amount.
        { name: 'items', type: 'json' },
        // The discount Stripe applied at Checkout: minor units off, its coupon, promotion code id and the code typed.
        { name: 'amount_discount', type: 'integer', required: true, default: 0 },
        { name: 'discount_coupon', type: 'text' },
        { name: 'discount_promotion_code', type: 'text' },
        { name: 'discount_code', type: 'text' },
      ],
    },
    {
      name: RECURRING_PAYMENT_TABLE,
      ownerColumn: 'subscriber',
      columns: [
        { name: 'order_id', type: 'relation', relationTable: orderTable, required: true },
        { name: 'subscriber', type: 'relation', relationTable: END_USER_TABLE },
        { name: 'stripe_subscription_id', type: 'text', unique: true },
        { name: 'stripe_customer_id', type: 'text' },
        { name: 'stripe_price_id', type: 'text', required: true },
        { name: 'stripe_checkout_session_id', type: 'text', unique: true },
        { name: 'checkout_url', type: 'text' },
        { name: 'status', type: 'enum', enumOptions: [...RECURRING_STATUSES], required: true, default: 'INCOMPLETE' },
        { name: 'initial_amount', type: 'integer' },
        { name: 'currency', type: 'text' },
        { name: 'trial_days', type: 'integer' },
        { name: 'current_period_start', type: 'timestamp' },
        { name: 'current_period_end', type: 'timestamp' },
        { name: 'cancel_at_period_end', type: 'boolean', required: true, default: false },
        { name: 'canceled_at', type: 'timestamp' },
        { name: 'idempotency_key', type: 'text', unique: true },
        { name: 'next_amount', type: 'integer' },
        { name: 'livemode', type: 'boolean', required: true, default: false },
        // What Stripe says the plan is now (mirrored from each subscription event: plan switches, quantity,
        // pauses and the paying card the customer changed, e.g. in the customer portal).
        { name: 'quantity', type: 'integer' },
        { name: 'plan_amount', type: 'integer' },
        { name: 'plan_interval', type: 'text' },
        { name: 'collection_paused', type: 'boolean', required: true, default: false },
        { name: 'payment_method', type: 'text' },
      ],
    },
    {
      name: REFUND_TABLE,
      ownerColumn: 'payer',
      columns: [
        { name: 'payment_id', type: 'relation', relationTable: PAYMENT_TABLE, required: true },
        { name: 'payer', type: 'relation', relationTable: END_USER_TABLE },
        { name: 'amount', type: 'integer', required: true },
        { name: 'currency', type: 'text', required: true },
        { name: 'reason', type: 'text' },
        { name: 'status', type: 'enum', enumOptions: [...REFUND_STATUSES], required: true, default: 'PENDING' },
        { name: 'stripe_refund_id', type: 'text', unique: true },
        { name: 'failure_reason', type: 'text' },
        { name: 'livemode', type: 'boolean', required: true, default: false },
      ],
    },
  ];
}

/**
 * The system tables and Momen's default permissions: payment and recurring
 * actions open to `user`, refund closed to every role; users read their own
 * payment rows, admins read all; aggregates stay closed until a builder opens them.
 */
export async function createPaymentSystemTables(tx: Executor, projectId: number, orderTable: string): Promise<void> {
  for (const def of systemTableDefs(orderTable)) await createSystemTable(tx, projectId, def);
  await addTableDependency(tx, projectId, orderTable, {
    kind: 'payment module',
    description: 'the payment module is bound to it as the order table (permanent)',
  });
  for (const table of [PAYMENT_TABLE, RECURRING_PAYMENT_TABLE, REFUND_TABLE]) {
    await setTablePermission(tx, projectId, { role: 'user', table, operation: 'read', allowed: true, scope: 'own' });
    await setTablePermission(tx, projectId, { role: 'admin', table, operation: 'read', allowed: true, scope: 'all' });
  }
  for (const role of ['user', 'admin']) {
    await setActionPermission(tx, projectId, { role, action: 'stripe.payment', allowed: true });
    await setActionPermission(tx, projectId, { role, action: 'stripe.recurring', allowed: true });
  }
}

/**
 * Projects activated before a payment status existed (e.g. AMOUNT_MISMATCH) get it added to
 * their payment table's status column the first time it is needed; options are only ever added.
 */
export async function ensurePaymentStatusOption(tx: Executor, projectId: number, status: string): Promise<void> {
  const table = await getTable(tx, projectId, PAYMENT_TABLE);
  const column = table.columns.find((c) => c.name === 'status');
  const options = column?.enumOptions ?? [];
  if (!column || options.includes(status)) return;
  const enumOptions: string[] = PAYMENT_STATUSES.filter((s) => s === status || options.includes(s));
  for (const extra of options) if (!enumOptions.includes(extra)) enumOptions.push(extra);
  await updateColumn(tx, projectId, PAYMENT_TABLE, 'status', { enumOptions }, { allowSystem: true });
}

/**
 * Brings an older project's system tables up to today's definitions: columns
 * added since it was activated are added (empty, or their default). Idempotent;
 * run by maintenance and before the callbacks first touch a project.
 */
export async function upgradePaymentSystemTables(
  db: Executor,
  projectId: number,
  orderTable: string,
  live = false,
): Promise<number> {
  let added = 0;
  for (const def of systemTableDefs(orderTable)) {
    const table = await getTable(db, projectId, def.name);
    for (const column of def.columns ?? []) {
      if (table.columns.some((c) => c.name === column.name)) continue;
      await addColumn(db, projectId, def.name, column, { allowSystem: true });
      added++;
      // Rows written before rows carried their mode belong to the project's mode at upgrade time.
      if (column.name === 'livemode' && live)
        await updateRows(db, projectId, BACKEND, def.name, [{ column: 'id', op: 'not_null' }], {
          livemode: true,
        });
    }
  }
  return added;
}

/**
 * What a payment actually collected: the amount Stripe reported with its success, or (recorded before that was
 * kept, or not reported) the amount asked for. Null for an AMOUNT_MISMATCH payment recorded before Tillflow kept
 * what was received: nobody can say here what it collected.
 */
export function collectedOf(payment: Record<string, unknown>): { amount: number; currency: string } | null {
  if (payment.amount_received !== null && payment.amount_received !== undefined)
    return {
      amount: Number(payment.amount_received),
      currency: String(payment.currency_received ?? payment.currency).toLowerCase(),
    };
  if (payment.status === 'AMOUNT_MISMATCH') return null;
  return { amount: Number(payment.amount), currency: String(payment.currency).toLowerCase() };
}

/** Statuses whose payment collected money that can be refunded (a mismatch too: up to what it collected). */
export const REFUNDABLE_PAYMENT_STATUSES = ['SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED', 'AMOUNT_MISMATCH'];
