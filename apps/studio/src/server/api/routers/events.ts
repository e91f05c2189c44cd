import { listOperationsAlerts } from '@tillflow/payments';
import { listEvents, listRuns, projectQueueWait, replayEvent } from '@tillflow/runtime';
import { z } from 'zod';
import { createTRPCRouter, projectProcedure } from '../trpc';

export const eventsRouter = createTRPCRouter({
  /** Webhook events received, newest first: deliveries, duplicates and the runs each started. */
  list: projectProcedure
    .input(
      z.object({
        type: z.string().optional(),
        /** Only events whose data.object is one of these Stripe objects. */
        objectIds: z.array(z.string().min(1).max(255)).max(10).optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => listEvents(ctx.db.db, ctx.project.id, input)),

  /** Runs a stored event again through the flows that listen to it now. */
  replay: projectProcedure.input(z.object({ eventId: z.string().uuid() })).mutation(async ({ ctx, input }) => {
    const runIds = await replayEvent(ctx.db, input.eventId, ctx.project.id);
    return { runIds };
  }),

  /**
   * Operations for this project: incidents its owner was emailed about (open first), the runs that
   * failed for good (with their error, to retry with flows.retryRun), and how the queue is doing.
   */
  operations: projectProcedure.query(async ({ ctx }) => {
    const [alerts, failed, queue] = await Promise.all([
      listOperationsAlerts(ctx.db, ctx.project.id),
      listRuns(ctx.db.db, ctx.project.id, { status: 'failed', limit: 50 }),
      projectQueueWait(ctx.db.db, ctx.project.id),
    ]);
    return {
      alerts,
      deadLetters: failed
        .filter((r) => !r.testRun)
        .slice(0, 20)
        .map((r) => ({
          id: r.id,
          flowId: r.flowId,
          flowName: r.flowName,
          eventType: r.eventType,
          error: r.error,
          attempts: r.attempt,
          finishedAt: r.finishedAt,
        })),
      queue,
    };
  }),
});
