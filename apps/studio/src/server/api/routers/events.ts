import { alertSettingsOf, listOperationsAlerts, saveAlertSettings } from '@tillflow/payments';
import {
  failuresInWords,
  listEvents,
  listRuns,
  projectQueueWait,
  projectWaitingRuns,
  queueStatus,
  replayEvent,
} from '@tillflow/runtime';
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
    const [alerts, failed, queue, waiting, status, alertSettings] = await Promise.all([
      listOperationsAlerts(ctx.db, ctx.project.id),
      listRuns(ctx.db.db, ctx.project.id, { status: 'failed', limit: 50 }),
      projectQueueWait(ctx.db.db, ctx.project.id),
      projectWaitingRuns(ctx.db.db, ctx.project.id),
      queueStatus(ctx.db),
      alertSettingsOf(ctx.db.db, ctx.project.id),
    ]);
    const alive = status.workers.filter((w) => w.alive);
    const deadLetters = failed.filter((r) => !r.testRun).slice(0, 20);
    // Each failure as its owner reads it: the step's title and its message (not "<step id>: message").
    const failures = await failuresInWords(ctx.db.db, deadLetters);
    return {
      alerts,
      alertSettings,
      /** The install's worker processes (shared by every project): how many beat, how busy, restarts. */
      workers: {
        alive: alive.length,
        activeRuns: alive.reduce((n, w) => n + w.activeRuns, 0),
        restarts: alive.reduce((n, w) => n + w.restarts, 0),
      },
      deadLetters: deadLetters.map((r, i) => ({
        id: r.id,
        flowId: r.flowId,
        flowName: r.flowName,
        eventType: r.eventType,
        /** The step it stopped at, by its title (null: it failed before or outside any step). */
        step: failures[i].step,
        error: failures[i].message,
        attempts: r.attempt,
        finishedAt: r.finishedAt,
      })),
      queue,
      /** The project's queued runs, longest-waiting first (due ones, then retries backing off). */
      waiting,
    };
  }),

  /** The project's alert settings: email the owner or not, and how long a run may wait (minutes; null: default). */
  saveAlertSettings: projectProcedure
    .input(z.object({ email: z.boolean(), queueAgeMinutes: z.number().int().min(1).max(1440).nullable() }))
    .mutation(({ ctx, input }) =>
      saveAlertSettings(ctx.db.db, ctx.project.id, {
        email: input.email,
        queueAgeS: input.queueAgeMinutes === null ? null : input.queueAgeMinutes * 60,
      }),
    ),
});
