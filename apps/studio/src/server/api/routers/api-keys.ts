import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../api-keys';
import { createTRPCRouter, projectProcedure } from '../trpc';

export const apiKeysRouter = createTRPCRouter({
  list: projectProcedure.query(({ ctx }) => listApiKeys(ctx.db, ctx.project.id)),
  /** The full key is in this response only; the studio shows it once. */
  create: projectProcedure
    .input(z.object({ name: z.string().trim().min(1, 'Name the key (e.g. "backend").').max(60) }))
    .mutation(({ ctx, input }) => createApiKey(ctx.db, ctx.project.id, input.name)),
  revoke: projectProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .mutation(({ ctx, input }) => revokeApiKey(ctx.db, ctx.project.id, input.id)),
});
