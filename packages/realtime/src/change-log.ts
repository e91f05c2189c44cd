import { type Executor, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';
import type { ChangeOp, RawChange } from './visibility';

// Reads of the change log (`realtime_change`), for replays and catch-ups.

interface LogRecord {
  position: number | string;
  project_id: number;
  table_id: number;
  row_id: number | string;
  op: ChangeOp;
}

const LOG_COLUMNS = sql`position, project_id, table_id, row_id, op`;

const toRaw = (r: LogRecord): RawChange => ({
  position: Number(r.position),
  projectId: Number(r.project_id),
  tableId: Number(r.table_id),
  rowId: Number(r.row_id),
  op: r.op,
});

/**
 * Lower positions that may have committed after `after` was written: their transaction was still
 * running then (tx_id at or above the oldest running transaction `after`'s writer saw). Positions are
 * taken at insert time, so without this a resume could skip a slow transaction's change.
 */
const committedLate = (after: number) =>
  sql`position < ${after} and tx_id >= (select tx_floor from realtime_change where position = ${after})`;

/** A project's changes with a lower position than `after` that committed after it was written. */
export async function lateChanges(db: Executor, projectId: number, after: number): Promise<RawChange[]> {
  const rows = await executeRows<LogRecord>(
    db,
    sql`select ${LOG_COLUMNS} from realtime_change
        where project_id = ${projectId} and ${committedLate(after)} order by position`,
  );
  return rows.map(toRaw);
}

/** One page of a project's changes after `cursor`, in position order. */
export async function changesAfter(db: Executor, projectId: number, cursor: number, limit: number) {
  const rows = await executeRows<LogRecord>(
    db,
    sql`select ${LOG_COLUMNS} from realtime_change
        where project_id = ${projectId} and position > ${cursor} order by position limit ${limit}`,
  );
  return rows.map(toRaw);
}

/** What these projects may have missed since `position` (later ones, and lower ones that committed late). */
export async function missedSince(db: Executor, projectIds: number[], position: number): Promise<RawChange[]> {
  const rows = await executeRows<LogRecord>(
    db,
    sql`select ${LOG_COLUMNS} from realtime_change
        where (position > ${position} or (${committedLate(position)}))
          and project_id in (${sql.join(
            projectIds.map((p) => sql`${p}`),
            sql`, `,
          )}) order by position limit 10000`,
  );
  return rows.map(toRaw);
}

/** A deleted row as it was (kept so "own rows" scope can still be decided). */
export async function deletedRow(db: Executor, position: number): Promise<Record<string, unknown> | null> {
  const [record] = await executeRows<{ old_row: unknown }>(
    db,
    sql`select old_row from realtime_change where position = ${position}`,
  );
  const value = record?.old_row;
  return (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown> | null;
}
