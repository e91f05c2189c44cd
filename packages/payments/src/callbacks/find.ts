import { BACKEND, getRow, queryRows, type Row } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import { lockRow } from '../row-lock';

/**
 * A system-table row by our own id (from metadata) or else by a Stripe id,
 * locked for the rest of the transaction so concurrent events on the same
 * object apply one after the other.
 */
export async function findAndLock(
  tx: Executor,
  projectId: number,
  table: string,
  ownId: number | null,
  byStripeId: { column: string; value: string | undefined }[],
): Promise<Row | null> {
  let row: Row | null = null;
  if (ownId) row = await getRow(tx, projectId, BACKEND, table, ownId);
  for (const { column, value } of byStripeId) {
    if (row || !value) continue;
    const { rows } = await queryRows(tx, projectId, BACKEND, table, {
      filters: [{ column, op: 'eq', value }],
      limit: 1,
    });
    row = rows[0] ?? null;
  }
  if (!row) return null;
  await lockRow(tx, projectId, table, row.id);
  // Re-read after the lock: another transaction may have changed it while we waited.
  return getRow(tx, projectId, BACKEND, table, row.id);
}

/** A live event never touches a test row, nor a test event a live one (sandbox and test rows are not live). */
export const sameMode = (row: Row, event: { livemode?: boolean }) =>
  Boolean(row.livemode) === (event.livemode === true);
