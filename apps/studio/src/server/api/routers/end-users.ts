import { createEndUser, listEndUsers, listRoles, setEndUserRole } from '@tillflow/data-model';
import { z } from 'zod';
import { createTRPCRouter } from '../trpc';
import { dataProcedure } from './data-model';

export const endUsersRouter = createTRPCRouter({
  list: dataProcedure
    .input(z.object({ search: z.string().optional(), beforeId: z.number().int().positive().optional() }))
    .query(async ({ ctx, input }) => ({
      users: await listEndUsers(ctx.db.db, ctx.project.id, {
        search: input.search,
        beforeId: input.beforeId,
        limit: 50,
      }),
      roles: (await listRoles(ctx.db.db, ctx.project.id)).map((r) => r.name),
    })),

  /** Until the generated app has sign-up, builders add end users here (no password: they cannot sign in yet). */
  create: dataProcedure
    .input(z.object({ email: z.string().email('Enter a valid email address.'), role: z.string().optional() }))
    .mutation(({ ctx, input }) => createEndUser(ctx.db.db, ctx.project.id, { email: input.email, role: input.role })),

  setRole: dataProcedure
    .input(z.object({ userId: z.number().int().positive(), role: z.string() }))
    .mutation(({ ctx, input }) => setEndUserRole(ctx.db.db, ctx.project.id, input.userId, input.role)),
});
