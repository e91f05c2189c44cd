import { z } from 'zod';
import { projectNameSchema, projectSlugSchema } from '../../../lib/project-validation';
import { createProjectRecord, deleteProjectRecord, listProjects, renameProject } from '../../projects';
import { setupGuide } from '../../setup-guide';
import { createTRPCRouter, projectProcedure, protectedProcedure } from '../trpc';

export const projectRouter = createTRPCRouter({
  list: protectedProcedure.query(({ ctx }) => listProjects(ctx.db, ctx.user.id)),

  get: projectProcedure.query(({ ctx }) => ctx.project),

  /** The overview's setup guide: each step read from the project's real state. */
  setupGuide: projectProcedure.query(({ ctx }) => setupGuide(ctx.services, ctx.project)),

  create: protectedProcedure
    .input(z.object({ name: projectNameSchema, slug: projectSlugSchema }))
    .mutation(({ ctx, input }) => createProjectRecord(ctx.db, ctx.user.id, input)),

  rename: projectProcedure
    .input(z.object({ name: projectNameSchema, slug: projectSlugSchema.optional() }))
    .mutation(({ ctx, input }) => renameProject(ctx.db, ctx.project, input)),

  delete: projectProcedure.input(z.object({ confirmName: z.string() })).mutation(async ({ ctx, input }) => {
    await deleteProjectRecord(ctx.db, ctx.project, input.confirmName);
    return { deleted: true };
  }),
});
