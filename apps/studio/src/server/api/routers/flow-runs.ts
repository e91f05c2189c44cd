import { TillflowError } from '@tillflow/core';
import { getRun, listRuns, retryRun } from '@tillflow/runtime';
import { z } from 'zod';
import { projectProcedure } from '../trpc';

// Run history procedures, spread into the flows router (flows.runs, flows.run, flows.retryRun).
export const flowRunsProcedures = {
  /** Runs newest first (a flow's, or the project's), with status, timing and the trigger event. */
  runs: projectProcedure
    .input(
      z.object({
        flowId: z.string().uuid().optional(),
        status: z.enum(['queued', 'running', 'succeeded', 'failed']).optional(),
        includeTests: z.boolean().default(true),
        before: z.date().optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      const runs = await listRuns(ctx.db.db, ctx.project.id, input);
      return runs
        .filter((r) => input.includeTests || !r.testRun)
        .map((r) => ({
          ...r,
          durationMs: r.startedAt && r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
        }));
    }),

  /** One run with every step (input, output, error, duration, branch taken), to paint on the canvas. */
  run: projectProcedure.input(z.object({ runId: z.string().uuid() })).query(async ({ ctx, input }) => {
    const run = await getRun(ctx.db.db, input.runId, ctx.project.id);
    if (!run) throw new TillflowError('NOT_FOUND', 'Run not found.');
    return run;
  }),

  /** Queues a failed run again; its completed steps are reused, not repeated. */
  retryRun: projectProcedure.input(z.object({ runId: z.string().uuid() })).mutation(async ({ ctx, input }) => {
    const retried = await retryRun(ctx.db.db, input.runId, ctx.project.id);
    if (!retried)
      throw new TillflowError(
        'PRECONDITION_FAILED',
        'Only a failed run can be retried (test runs are run again from the canvas).',
      );
    return { retried };
  }),
};
