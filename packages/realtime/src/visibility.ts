import { type Actor, DataAccessError, getRow, getTable, type Row, type TableInfo } from '@tillflow/data-model';
import { tableAccess } from '@tillflow/data-model/permissions';
import type { Executor } from '@tillflow/db';

export type ChangeOp = 'INSERT' | 'UPDATE' | 'DELETE';

/** One committed change as the log stores it. */
export interface RawChange {
  position: number;
  projectId: number;
  tableId: number;
  rowId: number;
  op: ChangeOp;
  /** Deletes only (read from the log on demand). */
  oldRow?: Record<string, unknown> | null;
}

/** What a subscriber receives: the row as that actor may read it now (null for a delete). */
export interface ChangeEvent {
  position: number;
  projectId: number;
  table: string;
  op: ChangeOp;
  rowId: number;
  row: Row | null;
}

export function actorKey(actor: Actor): string {
  switch (actor.kind) {
    case 'endUser':
      return `u:${actor.userId}:${actor.role}`;
    default:
      return actor.kind;
  }
}

function isAccessRefusal(error: unknown): boolean {
  return error instanceof DataAccessError && (error.code === 'FORBIDDEN' || error.code === 'NOT_FOUND');
}

/**
 * Whether an actor may see a deleted row: the same role grant as reads, and
 * for "own rows" scope the deleted row's owner column must name the actor.
 */
async function deleteVisibleTo(tx: Executor, table: TableInfo, actor: Actor, oldRow: Record<string, unknown> | null) {
  let scope: 'all' | 'own';
  try {
    scope = await tableAccess(tx, table, actor, 'read');
  } catch (error) {
    if (isAccessRefusal(error)) return false;
    throw error;
  }
  if (scope === 'all') return true;
  if (actor.kind !== 'endUser' || !table.ownerColumn || !oldRow) return false;
  const physical = table.isEndUserTable ? 'id' : table.columns.find((c) => c.name === table.ownerColumn)?.physicalName;
  return physical !== undefined && Number(oldRow[physical]) === actor.userId;
}

/**
 * The event this actor should receive for a change, or null. Inserts and
 * updates re-read the row through the data-access layer as the actor, so the
 * permission and row-scope rules are exactly those of reads.
 */
export async function eventFor(
  tx: Executor,
  change: RawChange,
  tableName: string,
  actor: Actor,
  loadOldRow: () => Promise<Record<string, unknown> | null>,
): Promise<ChangeEvent | null> {
  const base = {
    position: change.position,
    projectId: change.projectId,
    table: tableName,
    op: change.op,
    rowId: change.rowId,
  };
  if (change.op === 'DELETE') {
    const table = await getTable(tx, change.projectId, tableName);
    return (await deleteVisibleTo(tx, table, actor, await loadOldRow())) ? { ...base, row: null } : null;
  }
  try {
    const row = await getRow(tx, change.projectId, actor, tableName, change.rowId);
    return row ? { ...base, row } : null;
  } catch (error) {
    if (isAccessRefusal(error)) return null;
    throw error;
  }
}
