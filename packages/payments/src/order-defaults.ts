import {
  addColumn,
  END_USER_TABLE,
  getPermissionMatrix,
  getTable,
  setOwnerColumn,
  setTablePermission,
  type TableInfo,
  updateColumn,
} from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';

/**
 * The words an order's status takes, in the order they happen. The system flows move an order
 * from `pending` (set when it is created) to paid / failed / refunded / partially_refunded, to
 * disputed while a dispute is open (back as its payment says when won) and dispute_lost when lost;
 * the builder may rename the options in the studio (the flows' update steps name the value they set).
 */
export const ORDER_STATUSES = [
  'pending',
  'paid',
  'failed',
  'refunded',
  'partially_refunded',
  'disputed',
  'dispute_lost',
] as const;
export const ORDER_STATUS_DEFAULT = 'pending';
/** The owner column activation adds when the order table has none. */
export const ORDER_OWNER_COLUMN = 'customer';

/** One thing activation did to make buying work, in words for the person who asked for it. */
export interface ActivationChange {
  kind: 'owner_column' | 'status_column' | 'status_options' | 'status_default' | 'permission';
  description: string;
}

/**
 * What a shop needs before a shopper can buy, set on the order table inside the activation
 * transaction: who owns an order (a relation to the end-user table, marked as the owner), a status
 * column that can say pending / paid / failed / refunded / partially refunded / disputed / dispute lost (created when absent;
 * an existing enum gets only the missing options, an existing default is kept), and the shopper
 * role ("user") allowed to create and read its own orders, admins to read all. Only adds, never
 * removes or narrows what the builder set; returns what it did.
 */
export async function applyOrderTableDefaults(
  tx: Executor,
  projectId: number,
  orderTable: string,
): Promise<ActivationChange[]> {
  const changes: ActivationChange[] = [];
  let table = await getTable(tx, projectId, orderTable);

  if (!table.ownerColumn) {
    const endUser = await getTable(tx, projectId, END_USER_TABLE);
    const existing = table.columns.find((c) => c.type === 'relation' && c.relationTableId === endUser.id);
    if (existing) {
      table = await setOwnerColumn(tx, projectId, orderTable, existing.name);
      changes.push({
        kind: 'owner_column',
        description: `Marked "${existing.name}" as the column that says which shopper an order belongs to.`,
      });
    } else {
      const name = freeName(table, ORDER_OWNER_COLUMN);
      await addColumn(tx, projectId, orderTable, { name, type: 'relation', relationTable: END_USER_TABLE });
      table = await setOwnerColumn(tx, projectId, orderTable, name);
      changes.push({
        kind: 'owner_column',
        description: `Added a "${name}" column that says which shopper an order belongs to (filled in when they buy).`,
      });
    }
  }

  const status = table.columns.find((c) => c.name === 'status');
  if (!status) {
    await addColumn(tx, projectId, orderTable, {
      name: 'status',
      type: 'enum',
      enumOptions: [...ORDER_STATUSES],
      default: ORDER_STATUS_DEFAULT,
    });
    changes.push({
      kind: 'status_column',
      description: `Added a "status" column: new orders start as pending, then become paid, failed, refunded or partially refunded, and disputed (or dispute lost) when a buyer disputes a payment with their bank.`,
    });
  } else if (status.type === 'enum') {
    const options = status.enumOptions ?? [];
    const missing = ORDER_STATUSES.filter((s) => !options.includes(s));
    const change: { enumOptions?: string[]; default?: string } = {};
    if (missing.length > 0) change.enumOptions = [...options, ...missing];
    if (status.default === null || status.default === undefined) change.default = ORDER_STATUS_DEFAULT;
    if (Object.keys(change).length > 0) await updateColumn(tx, projectId, orderTable, 'status', change);
    if (missing.length > 0)
      changes.push({
        kind: 'status_options',
        description: `Added ${missing.map((s) => `"${s}"`).join(', ')} to the choices of "status".`,
      });
    if (change.default)
      changes.push({ kind: 'status_default', description: 'New orders start with the status "pending".' });
  } else if (status.type === 'text' && (status.default === null || status.default === undefined)) {
    await updateColumn(tx, projectId, orderTable, 'status', { default: ORDER_STATUS_DEFAULT });
    changes.push({ kind: 'status_default', description: 'New orders start with the status "pending".' });
  }

  const matrix = await getPermissionMatrix(tx, projectId);
  const granted = (role: string, operation: string) =>
    matrix.tablePermissions.some((t) => t.role === role && t.table === orderTable && t.operation === operation);
  const grants: { role: string; operation: 'insert' | 'read'; scope: 'own' | 'all'; words: string }[] = [
    { role: 'user', operation: 'insert', scope: 'own', words: 'Shoppers (role "user") may create their own orders.' },
    { role: 'user', operation: 'read', scope: 'own', words: 'Shoppers (role "user") may see their own orders.' },
    { role: 'admin', operation: 'read', scope: 'all', words: 'Admins may see every order.' },
  ];
  for (const grant of grants) {
    if (granted(grant.role, grant.operation)) continue;
    await setTablePermission(tx, projectId, { ...grant, table: orderTable, allowed: true });
    changes.push({ kind: 'permission', description: grant.words });
  }
  return changes;
}

function freeName(table: TableInfo, wanted: string): string {
  const taken = new Set(table.columns.map((c) => c.name));
  if (!taken.has(wanted)) return wanted;
  for (let i = 2; ; i++) if (!taken.has(`${wanted}_${i}`)) return `${wanted}_${i}`;
}
