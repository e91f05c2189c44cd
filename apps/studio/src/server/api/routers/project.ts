import { projects } from '@tillflow/db';
import { TRPCError } from '@trpc/server';
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { projectNameSchema, projectSlugSchema } from '~/lib/project-validation';
import { createProjectRecord, deleteProjectRecord } from '../../projects';
import { setupGuide } from '../../setup-guide';
import { createTRPCRouter, projectProcedure, protectedProcedure } from '../trpc';

export const projectRouter = createTRPCRouter({
  list: protectedProcedure.query(({ ctx }) =>
    ctx.db.db.select().from(projects).where(eq(projects.ownerId, ctx.user.id)).orderBy(desc(projects.createdAt)),
  ),

  get: projectProcedure.query(({ ctx }) => ctx.project),

  /** The overview's setup guide: each step read from the project's real state. */
  setupGuide: projectProcedure.query(({ ctx }) => setupGuide(ctx.db, ctx.project)),

  create: protectedProcedure
    .input(z.object({ name: projectNameSchema, slug: projectSlugSchema }))
    .mutation(({ ctx, input }) => createProjectRecord(ctx.db, ctx.user.id, input)),

  rename: projectProcedure
    .input(z.object({ name: projectNameSchema, slug: projectSlugSchema.optional() }))
    .mutation(async ({ ctx, input }) => {
      if (input.slug && input.slug !== ctx.project.slug) {
        const [taken] = await ctx.db.db.select({ id: projects.id }).from(projects).where(eq(projects.slug, input.slug));
        if (taken) throw new TRPCError({ code: 'CONFLICT', message: `The URL slug "${input.slug}" is already taken.` });
      }
      const [updated] = await ctx.db.db
        .update(projects)
        .set({ name: input.name, slug: input.slug ?? ctx.project.slug, updatedAt: new Date() })
        .where(and(eq(projects.id, ctx.project.id), eq(projects.ownerId, ctx.user.id)))
        .returning();
      return updated;
    }),

  delete: projectProcedure.input(z.object({ confirmName: z.string() })).mutation(async ({ ctx, input }) => {
    if (input.confirmName !== ctx.project.name)
      throw new TRPCError({
        code: 'BAD_REQUEST',
        message: `Type the project name "${ctx.project.name}" exactly to delete it.`,
      });
    await deleteProjectRecord(ctx.db, ctx.project);
    return { deleted: true };
  }),
});
