import { getTable, listTables, setSystemManagedColumns } from '@tillflow/data-model';
import { type Executor, paymentSettings } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import { assertEndpointRoom, ensureSystemEndpoints } from './endpoints';
import { PaymentError } from './errors';
import { bindingOf, protectOrderColumns, resolveBindingChoice } from './order-binding';
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
    /** The column holding what an order owes (minor units); default: a whole-number column named "amount". */
    amountColumn?: string | null;
    /** The column holding an order's currency; default: a text column named "currency". */
    currencyColumn?: string | null;
    /** The shop's currency, for orders without a currency column (or with it empty); default USD, shown as such. */
    currency?: string | null;
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
    // What an order owes is bound by column id; those columns and the status become the server's to write.
    const binding = resolveBindingChoice(bound, input);
    await protectOrderColumns(tx, projectId, bound, binding);
    await createPaymentSystemTables(tx, projectId, order.name);
    await createSystemFlows(tx, projectId, bound);
    const values = {
      projectId,
      orderTableId: order.id,
      amountColumnId: binding.amountColumn?.id ?? null,
      currencyColumnId: binding.currencyColumn?.id ?? null,
      currency: binding.currency,
      activatedAt: new Date(),
      updatedAt: new Date(),
    };
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

/**
 * Changes which columns say what an order owes, and the shop's currency, after activation (the order table
 * itself stays bound). The newly bound columns become the server's to write; the ones left are the
 * builder's again (status stays the server's).
 */
export async function saveOrderBinding(
  services: PaymentServices,
  projectId: number,
  input: { amountColumn?: string | null; currencyColumn?: string | null; currency?: string | null },
) {
  const settings = await loadPaymentSettings(services.database.db, projectId);
  const name = await orderTableName(services.database.db, projectId);
  if (!settings?.activatedAt || !name)
    throw new PaymentError('PRECONDITION_FAILED', 'Turn payments on first: choose the order table.');
  await services.database.db.transaction(async (tx) => {
    const table = await getTable(tx, projectId, name);
    const before = bindingOf(table, settings);
    const binding = resolveBindingChoice(table, {
      amountColumn: input.amountColumn === undefined ? (before.amountColumn?.name ?? null) : input.amountColumn,
      currencyColumn: input.currencyColumn === undefined ? (before.currencyColumn?.name ?? null) : input.currencyColumn,
      currency: input.currency ?? before.currency,
    });
    const released = [before.amountColumn, before.currencyColumn].filter(
      (c): c is NonNullable<typeof c> =>
        c !== null && c.name !== 'status' && c.id !== binding.amountColumn?.id && c.id !== binding.currencyColumn?.id,
    );
    if (released.length > 0)
      await setSystemManagedColumns(
        tx,
        projectId,
        name,
        released.map((c) => c.id),
        false,
      );
    await protectOrderColumns(tx, projectId, table, binding);
    await tx
      .update(paymentSettings)
      .set({
        amountColumnId: binding.amountColumn?.id ?? null,
        currencyColumnId: binding.currencyColumn?.id ?? null,
        currency: binding.currency,
        updatedAt: new Date(),
      })
      .where(eq(paymentSettings.projectId, projectId));
  });
  return orderBindingView(services.database.db, projectId);
}

/** The binding as the studio shows it: column names, the shop's currency, and which columns only the server writes. */
export async function orderBindingView(db: Executor, projectId: number) {
  const name = await orderTableName(db, projectId);
  if (!name) return null;
  const binding = bindingOf(await getTable(db, projectId, name), await loadPaymentSettings(db, projectId));
  return {
    amountColumn: binding.amountColumn?.name ?? null,
    currencyColumn: binding.currencyColumn?.name ?? null,
    currency: binding.currency,
    serverColumns: binding.table.columns.filter((c) => c.systemManaged).map((c) => c.name),
    /** Columns that could hold the amount (whole numbers, minor units) or the currency (text). */
    amountChoices: binding.table.columns.filter((c) => c.type === 'integer').map((c) => c.name),
    currencyChoices: binding.table.columns.filter((c) => c.type === 'text').map((c) => c.name),
  };
}
