import { TillflowError } from '@tillflow/core';
import {
  addColumn,
  COLUMN_TYPES,
  createTable,
  deleteRows,
  deleteTable,
  FILTER_OPS,
  getRow,
  getTable,
  insertRow,
  listTables,
  queryRows,
  removeColumn,
  renameTable,
  setOwnerColumn,
  updateColumn,
  updateRows,
} from '@tillflow/data-model';
import { z } from 'zod';
import { createTRPCRouter, projectProcedure } from '../trpc';

/** Project-scoped procedures; DataAccessErrors are mapped to tRPC errors (with field errors) by trpc.ts. */
export const dataProcedure = projectProcedure;

const columnDef = z.object({
  name: z.string().min(1, 'Enter a column name.'),
  type: z.enum(COLUMN_TYPES),
  required: z.boolean().optional(),
  unique: z.boolean().optional(),
  default: z.unknown().optional(),
  enumOptions: z.array(z.string()).optional(),
  relationTable: z.string().optional(),
});

const filter = z.object({ column: z.string(), op: z.enum(FILTER_OPS), value: z.unknown().optional() });
const builder = { kind: 'builder' } as const;

export const dataModelRouter = createTRPCRouter({
  listTables: dataProcedure.query(({ ctx }) => listTables(ctx.db.db, ctx.project.id)),

  getTable: dataProcedure
    .input(z.object({ table: z.string() }))
    .query(({ ctx, input }) => getTable(ctx.db.db, ctx.project.id, input.table)),

  createTable: dataProcedure
    .input(z.object({ name: z.string().min(1, 'Enter a table name.'), columns: z.array(columnDef).optional() }))
    .mutation(({ ctx, input }) => createTable(ctx.db.db, ctx.project.id, { name: input.name, columns: input.columns })),

  renameTable: dataProcedure
    .input(z.object({ table: z.string(), name: z.string().min(1, 'Enter a table name.') }))
    .mutation(({ ctx, input }) => renameTable(ctx.db.db, ctx.project.id, input.table, input.name)),

  deleteTable: dataProcedure
    .input(z.object({ table: z.string(), confirm: z.boolean().optional() }))
    .mutation(async ({ ctx, input }) => {
      await deleteTable(ctx.db.db, ctx.project.id, input.table, {
        confirm: input.confirm,
        dependents: ctx.services.flowTables,
      });
      return { deleted: true };
    }),

  addColumn: dataProcedure
    .input(z.object({ table: z.string(), column: columnDef }))
    .mutation(({ ctx, input }) => addColumn(ctx.db.db, ctx.project.id, input.table, input.column)),

  updateColumn: dataProcedure
    .input(
      z.object({
        table: z.string(),
        column: z.string(),
        change: columnDef.partial(),
        confirm: z.boolean().optional(),
      }),
    )
    .mutation(({ ctx, input }) =>
      updateColumn(ctx.db.db, ctx.project.id, input.table, input.column, input.change, { confirm: input.confirm }),
    ),

  removeColumn: dataProcedure
    .input(z.object({ table: z.string(), column: z.string(), confirm: z.boolean().optional() }))
    .mutation(({ ctx, input }) =>
      removeColumn(ctx.db.db, ctx.project.id, input.table, input.column, { confirm: input.confirm }),
    ),

  setOwnerColumn: dataProcedure
    .input(z.object({ table: z.string(), column: z.string().nullable() }))
    .mutation(({ ctx, input }) => setOwnerColumn(ctx.db.db, ctx.project.id, input.table, input.column)),

  queryRows: dataProcedure
    .input(
      z.object({
        table: z.string(),
        filters: z.array(filter).optional(),
        sort: z.array(z.object({ column: z.string(), direction: z.enum(['asc', 'desc']) })).optional(),
        limit: z.number().int().min(1).max(500).optional(),
        after: z.string().nullish(),
        search: z.string().optional(),
      }),
    )
    .query(({ ctx, input }) => {
      const { table, ...options } = input;
      return queryRows(ctx.db.db, ctx.project.id, builder, table, options);
    }),

  getRow: dataProcedure
    .input(z.object({ table: z.string(), id: z.number().int().positive() }))
    .query(({ ctx, input }) => getRow(ctx.db.db, ctx.project.id, builder, input.table, input.id)),

  insertRow: dataProcedure
    .input(z.object({ table: z.string(), values: z.record(z.string(), z.unknown()) }))
    .mutation(({ ctx, input }) => insertRow(ctx.db.db, ctx.project.id, builder, input.table, input.values)),

  updateRow: dataProcedure
    .input(z.object({ table: z.string(), id: z.number().int().positive(), values: z.record(z.string(), z.unknown()) }))
    .mutation(async ({ ctx, input }) => {
      const [row] = await updateRows(
        ctx.db.db,
        ctx.project.id,
        builder,
        input.table,
        [{ column: 'id', op: 'eq', value: input.id }],
        input.values,
      );
      if (!row) throw new TillflowError('NOT_FOUND', `Row ${input.id} no longer exists.`);
      return row;
    }),

  deleteRow: dataProcedure
    .input(z.object({ table: z.string(), id: z.number().int().positive() }))
    .mutation(async ({ ctx, input }) => ({
      deleted: await deleteRows(ctx.db.db, ctx.project.id, builder, input.table, [
        { column: 'id', op: 'eq', value: input.id },
      ]),
    })),
});
