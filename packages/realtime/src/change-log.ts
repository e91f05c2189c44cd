import { type Executor, executeRows, preparedRows } from '@tillflow/db';
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

/**
 * What a listener whose last read ended at `cursor` has not seen yet: the project's later changes, and
 * lower ones that committed late (their transaction was running when `cursor` was written), in position
 * order. A late one may come again on the next read (the hub drops positions it has dispatched).
 */
export async function changesSince(db: Executor, projectId: number, cursor: number, limit: number) {
  const rows = await preparedRows<LogRecord>(
    db,
    sql`select ${LOG_COLUMNS} from realtime_change
        where project_id = ${projectId} and (position > ${cursor} or (${committedLate(cursor)}))
        order by position limit ${limit}`,
  );
  return rows.map(toRaw);
}

/**
 * Where a listener starts reading a project's log: its highest position so far (0 when it has none), and the
 * lower positions the late rule of `changesSince` would return for it that have already committed (read in the
 * same statement, so the same snapshot). Those, and the highest position itself, are older than the listener and
 * must not be sent to it: on a shared server another database's long transaction can hold the snapshot floor far
 * back, and a later read's late rule then returns them.
 */
export async function startPosition(
  db: Executor,
  projectId: number,
): Promise<{ position: number; committed: number[] }> {
  const [row] = await preparedRows<{
    position: number | string | null;
    committed: (number | string)[] | string | null;
  }>(
    db,
    sql`with m as (select max(position) as p from realtime_change where project_id = ${projectId})
        select m.p as position,
          (select coalesce(array_agg(c.position), '{}') from realtime_change c
            where c.project_id = ${projectId} and c.position < m.p
              and c.tx_id >= (select tx_floor from realtime_change where position = m.p)) as committed
        from m`,
  );
  const committed = row?.committed ?? [];
  const list = typeof committed === 'string' ? committed.replace(/[{}]/g, '').split(',').filter(Boolean) : committed;
  return { position: Number(row?.position ?? 0), committed: list.map(Number) };
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

/** A deleted row as it was (kept so "own rows" scope can still be decided). */
export async function deletedRow(db: Executor, position: number): Promise<Record<string, unknown> | null> {
  const [record] = await executeRows<{ old_row: unknown }>(
    db,
    sql`select old_row from realtime_change where position = ${position}`,
  );
  const value = record?.old_row;
  return (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown> | null;
}
