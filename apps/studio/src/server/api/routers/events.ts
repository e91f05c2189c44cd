import { executeRows } from '@tillflow/db';
import { listOperationsAlerts } from '@tillflow/payments';
import { listRuns, replayEvent } from '@tillflow/runtime';
import { TRPCError } from '@trpc/server';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { createTRPCRouter, projectProcedure } from '../trpc';

interface EventRow {
  id: string;
  event_id: string;
  type: string;
  object_id: string | null;
  livemode: boolean;
  received_at: string | Date;
  delivery_count: number;
  duplicates: number;
  runs: { id: string; flowId: string; flowName: string; status: string }[] | null;
}

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
    .query(async ({ ctx, input }) => {
      const rows = await executeRows<EventRow>(
        ctx.db.db,
        sql`select e.id, e.event_id, e.type, e.object_id, e.livemode, e.received_at, e.delivery_count,
              (select count(*)::int from webhook_delivery d where d.event_row_id = e.id and d.duplicate) as duplicates,
              (select json_agg(json_build_object('id', r.id, 'flowId', r.flow_id, 'flowName', f.name, 'status', r.status)
                               order by r.created_at)
                 from flow_run r join flow f on f.id = r.flow_id where r.event_row_id = e.id) as runs
            from stripe_event e
            where e.project_id = ${ctx.project.id} ${input.type ? sql`and e.type = ${input.type}` : sql``}
              ${
                input.objectIds?.length
                  ? sql`and e.object_id in (${sql.join(
                      input.objectIds.map((id) => sql`${id}`),
                      sql`, `,
                    )})`
                  : sql``
              }
            order by e.received_at desc
            limit ${input.limit}`,
      );
      return rows.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        type: r.type,
        objectId: r.object_id,
        livemode: r.livemode,
        receivedAt: new Date(r.received_at),
        deliveries: Number(r.delivery_count),
        duplicates: Number(r.duplicates),
        runs: r.runs ?? [],
      }));
    }),

  /** Runs a stored event again through the flows that listen to it now. */
  replay: projectProcedure.input(z.object({ eventId: z.string().uuid() })).mutation(async ({ ctx, input }) => {
    try {
      const runIds = await replayEvent(ctx.db, input.eventId, ctx.project.id);
      return { runIds };
    } catch (error) {
      if (error instanceof Error && error.message === 'Event not found.')
        throw new TRPCError({ code: 'NOT_FOUND', message: 'Event not found.' });
      throw error;
    }
  }),

  /**
   * Operations for this project: incidents its owner was emailed about (open first), the runs that
   * failed for good (with their error, to retry with flows.retryRun), and how the queue is doing.
   */
  operations: projectProcedure.query(async ({ ctx }) => {
    const [alerts, failed, queue] = await Promise.all([
      listOperationsAlerts(ctx.db, ctx.project.id),
      listRuns(ctx.db.db, ctx.project.id, { status: 'failed', limit: 50 }),
      executeRows<{ waiting: number; oldest_s: number | null }>(
        ctx.db.db,
        sql`select count(*)::int as waiting, extract(epoch from now() - min(run_after))::float as oldest_s
            from flow_run where project_id = ${ctx.project.id} and status = 'queued'
              and test_run = false and run_after <= now()`,
      ),
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
      queue: { waiting: Number(queue[0]?.waiting ?? 0), oldestWaitingS: queue[0]?.oldest_s ?? null },
    };
  }),
});
