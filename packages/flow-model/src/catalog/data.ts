import { z } from 'zod';
import { t } from '../value-type';
import { bindable, columnTypes, defineNodeType, describeFilters, filterSchema, rowType } from './types';

// Data nodes go through the data-access layer; tables are the builder's own tables by name.
const table = z.string().min(1, 'Choose a table');
const filters = z.array(filterSchema);
const values = z.record(z.string().min(1), z.unknown());

export const queryRowsNode = defineNodeType({
  type: 'query_rows',
  label: 'Query rows',
  category: 'data',
  icon: '🔎',
  description: 'Reads rows from a table with filters, sort and limit.',
  configSchema: z.object({
    table,
    filters: filters.default([]),
    sort: z
      .array(z.object({ column: z.string().min(1), direction: z.enum(['asc', 'desc']).default('asc') }))
      .default([]),
    limit: bindable(z.number().int().min(1).max(500)).default(100),
  }),
  outputs: ['next'],
  outputShape: (c, ctx) => {
    const row = rowType(c.table, ctx);
    return t.object({ rows: t.array(row), count: t.number, first: row });
  },
  fieldTypes: (c, ctx) => ({ limit: t.number, ...filterFieldTypes(c.filters, c.table, ctx) }),
  summary: (c) => `Find rows in ${c.table}${describeFilters(c.filters)}`,
});

export const insertRowNode = defineNodeType({
  type: 'insert_row',
  label: 'Insert row',
  category: 'data',
  icon: '➕',
  description: 'Adds one row to a table.',
  configSchema: z.object({ table, values }),
  outputs: ['next'],
  outputShape: (c, ctx) => t.object({ row: rowType(c.table, ctx) }),
  fieldTypes: (c, ctx) => prefixed('values', columnTypes(c.table, ctx)),
  summary: (c) => `Insert into ${c.table} (${Object.keys(c.values).join(', ')})`,
});

export const updateRowsNode = defineNodeType({
  type: 'update_rows',
  label: 'Update rows',
  category: 'data',
  icon: '✏️',
  description: 'Changes the matching rows of a table.',
  configSchema: z.object({ table, filters: filters.min(1, 'Add a filter so only the intended rows change'), values }),
  outputs: ['next'],
  outputShape: (c, ctx) => t.object({ count: t.number, rows: t.array(rowType(c.table, ctx)) }),
  fieldTypes: (c, ctx) => ({
    ...prefixed('values', columnTypes(c.table, ctx)),
    ...filterFieldTypes(c.filters, c.table, ctx),
  }),
  summary: (c) => `Update ${c.table} set ${Object.keys(c.values).join(', ')}${describeFilters(c.filters)}`,
});

export const deleteRowsNode = defineNodeType({
  type: 'delete_rows',
  label: 'Delete rows',
  category: 'data',
  icon: '🗑️',
  description: 'Deletes the matching rows of a table.',
  configSchema: z.object({ table, filters: filters.min(1, 'Add a filter so only the intended rows are deleted') }),
  outputs: ['next'],
  outputShape: () => t.object({ count: t.number }),
  fieldTypes: (c, ctx) => filterFieldTypes(c.filters, c.table, ctx),
  summary: (c) => `Delete from ${c.table}${describeFilters(c.filters)}`,
});

function prefixed(prefix: string, fields: Record<string, ReturnType<typeof rowType>>) {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [`${prefix}.${k}`, v]));
}

function filterFieldTypes(list: z.infer<typeof filters>, tableName: string, ctx: Parameters<typeof rowType>[1]) {
  const cols = columnTypes(tableName, ctx);
  return Object.fromEntries(
    list.flatMap((f, i) => {
      const type = cols[f.column];
      if (!type || f.op === 'is_null' || f.op === 'not_null') return [];
      if (f.op === 'in') return [[`filters.${i}.value`, t.array(type)]];
      if (f.op === 'contains') return [[`filters.${i}.value`, t.string]];
      return [[`filters.${i}.value`, type]];
    }),
  );
}
