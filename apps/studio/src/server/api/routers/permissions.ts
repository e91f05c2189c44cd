import {
  createRole,
  deleteRole,
  getPermissionMatrix,
  listTables,
  setActionPermission,
  setTablePermission,
  TABLE_OPERATIONS,
} from '@tillflow/data-model';
import { z } from 'zod';
import { createTRPCRouter } from '../trpc';
import { dataProcedure } from './data-model';

export const permissionsRouter = createTRPCRouter({
  /** Roles, tables (with whether "own rows" can apply), granted table operations and actions. */
  matrix: dataProcedure.query(async ({ ctx }) => {
    const matrix = await getPermissionMatrix(ctx.db.db, ctx.project.id);
    const tables = await listTables(ctx.db.db, ctx.project.id);
    return {
      ...matrix,
      operations: TABLE_OPERATIONS,
      ownerColumns: Object.fromEntries(tables.map((t) => [t.name, t.ownerColumn])) as Record<string, string | null>,
      // roles only read system tables; the backend writes them
      systemTables: tables.filter((t) => t.isSystem).map((t) => t.name),
    };
  }),

  setTablePermission: dataProcedure
    .input(
      z.object({
        role: z.string(),
        table: z.string(),
        operation: z.enum(TABLE_OPERATIONS),
        allowed: z.boolean(),
        scope: z.enum(['all', 'own']).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const { projectId: _projectId, ...change } = input;
      await setTablePermission(ctx.db.db, ctx.project.id, change);
      return { ok: true };
    }),

  setActionPermission: dataProcedure
    .input(z.object({ role: z.string(), action: z.string(), allowed: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      await setActionPermission(ctx.db.db, ctx.project.id, {
        role: input.role,
        action: input.action,
        allowed: input.allowed,
      });
      return { ok: true };
    }),

  createRole: dataProcedure
    .input(z.object({ name: z.string().min(1, 'Enter a role name.') }))
    .mutation(({ ctx, input }) => createRole(ctx.db.db, ctx.project.id, input.name)),

  deleteRole: dataProcedure.input(z.object({ name: z.string() })).mutation(async ({ ctx, input }) => {
    await deleteRole(ctx.db.db, ctx.project.id, input.name);
    return { deleted: true };
  }),
});
