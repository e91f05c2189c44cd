import { NonRetriableError } from '@tillflow/core';
import { deleteRows, type Filter, insertRow, queryRows, updateRows } from '@tillflow/data-model';
import { z } from 'zod';
import type { NodeExecutor } from '../registry';

// The four database nodes. They write through the data-access layer as the
// backend, on ctx.tx: the engine commits that transaction together with the
// step record, so each effect happens exactly once.
const BACKEND = { kind: 'backend' } as const;

const filterSchema = z.object({
  column: z.string().min(1),
  op: z.enum(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'contains', 'in', 'is_null', 'not_null']).default('eq'),
  value: z.unknown().optional(),
});
const filtersSchema = z.array(filterSchema).default([]);

function parse<T extends z.ZodType>(schema: T, config: unknown, nodeType: string): z.output<T> {
  const result = schema.safeParse(config);
  if (!result.success)
    throw new NonRetriableError(
      `Invalid ${nodeType} config: ${result.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ')}`,
    );
  return result.data;
}

const queryConfig = z.object({
  table: z.string().min(1),
  filters: filtersSchema,
  sort: z.array(z.object({ column: z.string(), direction: z.enum(['asc', 'desc']).default('asc') })).optional(),
  limit: z.coerce.number().int().positive().max(500).optional(),
});

export const queryRowsNode: NodeExecutor = {
  effect: 'database',
  async execute(ctx) {
    const c = parse(queryConfig, ctx.config, 'query rows');
    const result = await queryRows(ctx.tx, ctx.projectId, BACKEND, c.table, {
      filters: c.filters as Filter[],
      sort: c.sort,
      limit: c.limit,
    });
    return { rows: result.rows, count: result.rows.length, first: result.rows[0] ?? null };
  },
};

const insertConfig = z.object({ table: z.string().min(1), values: z.record(z.string(), z.unknown()).default({}) });

export const insertRowNode: NodeExecutor = {
  effect: 'database',
  async execute(ctx) {
    const c = parse(insertConfig, ctx.config, 'insert row');
    return { row: await insertRow(ctx.tx, ctx.projectId, BACKEND, c.table, c.values) };
  },
};

const updateConfig = z.object({
  table: z.string().min(1),
  filters: filtersSchema,
  values: z.record(z.string(), z.unknown()).default({}),
});

export const updateRowsNode: NodeExecutor = {
  effect: 'database',
  async execute(ctx) {
    const c = parse(updateConfig, ctx.config, 'update rows');
    if (c.filters.length === 0) throw new NonRetriableError('Update rows needs at least one filter.');
    const rows = await updateRows(ctx.tx, ctx.projectId, BACKEND, c.table, c.filters as Filter[], c.values);
    return { rows, count: rows.length };
  },
};

const deleteConfig = z.object({ table: z.string().min(1), filters: filtersSchema });

export const deleteRowsNode: NodeExecutor = {
  effect: 'database',
  async execute(ctx) {
    const c = parse(deleteConfig, ctx.config, 'delete rows');
    if (c.filters.length === 0) throw new NonRetriableError('Delete rows needs at least one filter.');
    return { count: await deleteRows(ctx.tx, ctx.projectId, BACKEND, c.table, c.filters as Filter[]) };
  },
};

export { parse as parseNodeConfig };
