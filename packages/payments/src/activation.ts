import { getTable, listTables } from '@tillflow/data-model';
import { type Executor, paymentSettings } from '@tillflow/db';
import { assertEndpointRoom, ensureSystemEndpoints } from './endpoints';
import { PaymentError } from './errors';
import { applyOrderTableDefaults } from './order-defaults';
import { ensureSandboxAccount } from './sandbox-account';
import { loadPaymentSettings, toPublicSettings } from './settings';
import type { PaymentServices } from './stripe-accounts';
import { createSystemFlows } from './system-flows';
import { createPaymentSystemTables } from './system-tables';

/**
 * Binds the order table and creates the system tables, permissions and flows,
 * in one transaction: a failure at any step leaves the project as it was.
 * The binding is permanent (Momen's rule): it cannot be undone or replaced.
 */
export async function activatePayments(
  services: PaymentServices,
  projectId: number,
  input: {
    orderTable: string;
    confirmPermanent: boolean;
    /**
     * Also make buying work (asked in the studio): an owner column, a status column with
     * pending / paid / failed / refunded / partially_refunded, shoppers allowed to create and read their
     * own orders. What was done comes back as `changes`.
     */
    setupDefaults?: boolean;
  },
) {
  if (input.confirmPermanent !== true)
    throw new PaymentError('VALIDATION', 'Confirm that binding the order table is permanent.', {
      confirmPermanent: 'Required.',
    });
  const existing = await loadPaymentSettings(services.database.db, projectId);
  if (existing?.activatedAt)
    throw new PaymentError('CONFLICT', 'Payments are already activated; the order table binding cannot be changed.');
  const tables = await listTables(services.database.db, projectId);
  const order = tables.find((t) => t.name === input.orderTable);
  if (!order)
    throw new PaymentError('NOT_FOUND', `There is no table "${input.orderTable}".`, { orderTable: 'Not found.' });
  if (order.isSystem)
    throw new PaymentError('VALIDATION', `"${order.name}" is a system table; bind a table you created.`, {
      orderTable: 'System table.',
    });
  // Outside the transaction: an HTTP call. Harmless if activation then fails.
  await ensureSandboxAccount(services, projectId);
  await assertEndpointRoom(services, projectId);
  const changes = await services.database.db.transaction(async (tx) => {
    const made = input.setupDefaults ? await applyOrderTableDefaults(tx, projectId, order.name) : [];
    // The flows' status steps depend on what the status column can say after the defaults.
    const bound = made.length > 0 ? await getTable(tx, projectId, order.name) : order;
    await createPaymentSystemTables(tx, projectId, order.name);
    await createSystemFlows(tx, projectId, bound);
    const values = { projectId, orderTableId: order.id, activatedAt: new Date(), updatedAt: new Date() };
    await tx
      .insert(paymentSettings)
      .values(values)
      .onConflictDoUpdate({ target: paymentSettings.projectId, set: values });
    return made;
  });
  // Stripe calls stay outside the transaction. If registration fails here the
  // binding stands and the studio's Repair button finishes the job.
  await ensureSystemEndpoints(services, projectId);
  return { ...toPublicSettings(await loadPaymentSettings(services.database.db, projectId)), changes };
}

export async function orderTableName(db: Executor, projectId: number): Promise<string | null> {
  const settings = await loadPaymentSettings(db, projectId);
  if (!settings?.orderTableId) return null;
  const tables = await listTables(db, projectId);
  return tables.find((t) => t.id === settings.orderTableId)?.name ?? null;
}
