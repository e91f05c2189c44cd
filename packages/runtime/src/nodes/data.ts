import { NonRetriableError } from '@tillflow/core';
import { deleteRows, type Filter, insertRow, queryRows, updateRows } from '@tillflow/data-model';
import type { ExecutorOf } from '../registry';

// The four database nodes. They write through the data-access layer as the
// run's actor (the backend; in a flow called from the app, the end user who
// called it), on ctx.tx: the engine commits that transaction together with the
// step record, so each effect happens exactly once. Their config is the
// catalog's (flow-model), parsed by the engine before they run.

/** A bound limit that did not evaluate to a number (the catalog takes a number or a binding). */
function limitOf(limit: number | string): number {
  const n = Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > 500)
    throw new NonRetriableError(`The row limit must be 1 to 500, not ${limit}.`);
  return n;
}

export const queryRowsNode: ExecutorOf<'query_rows'> = {
  effect: 'database',
  async execute(ctx) {
    const c = ctx.config;
    const result = await queryRows(ctx.tx, ctx.projectId, ctx.actor, c.table, {
      filters: c.filters as Filter[],
      sort: c.sort,
      limit: limitOf(c.limit),
    });
    return { rows: result.rows, count: result.rows.length, first: result.rows[0] ?? null };
  },
};

export const insertRowNode: ExecutorOf<'insert_row'> = {
  effect: 'database',
  async execute(ctx) {
    return { row: await insertRow(ctx.tx, ctx.projectId, ctx.actor, ctx.config.table, ctx.config.values) };
  },
};

export const updateRowsNode: ExecutorOf<'update_rows'> = {
  effect: 'database',
  async execute(ctx) {
    const c = ctx.config;
    const rows = await updateRows(ctx.tx, ctx.projectId, ctx.actor, c.table, c.filters as Filter[], c.values);
    return { rows, count: rows.length };
  },
};

export const deleteRowsNode: ExecutorOf<'delete_rows'> = {
  effect: 'database',
  async execute(ctx) {
    const c = ctx.config;
    return { count: await deleteRows(ctx.tx, ctx.projectId, ctx.actor, c.table, c.filters as Filter[]) };
  },
};
