import { TillflowError } from '@tillflow/core';
import {
  type DbHandle,
  type Executor,
  executeRows,
  flowRuns,
  flowSteps,
  flows,
  flowVersions,
  stripeEvents,
  webhookDeliveries,
  webhookRejections,
} from '@tillflow/db';
import { type FlowDefinition, getNodeType } from '@tillflow/flow-model';
import { and, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import { type FlowTrigger, triggerAccepts } from './graph';
import { signalRunsQueued } from './signals';

export interface ListRunsOptions {
  flowId?: string;
  status?: 'queued' | 'running' | 'succeeded' | 'failed';
  limit?: number;
  /** created_at of the last run of the previous page. */
  before?: Date;
}

export async function listRuns(db: Executor, projectId: number, options: ListRunsOptions = {}) {
  const conditions = [eq(flowRuns.projectId, projectId)];
  if (options.flowId) conditions.push(eq(flowRuns.flowId, options.flowId));
  if (options.status) conditions.push(eq(flowRuns.status, options.status));
  if (options.before) conditions.push(lt(flowRuns.createdAt, options.before));
  return db
    .select({
      id: flowRuns.id,
      flowId: flowRuns.flowId,
      flowName: flows.name,
      flowVersionId: flowRuns.flowVersionId,
      eventRowId: flowRuns.eventRowId,
      eventType: stripeEvents.type,
      eventId: stripeEvents.eventId,
      status: flowRuns.status,
      attempt: flowRuns.attempt,
      error: flowRuns.error,
      testRun: flowRuns.testRun,
      createdAt: flowRuns.createdAt,
      startedAt: flowRuns.startedAt,
      finishedAt: flowRuns.finishedAt,
      runAfter: flowRuns.runAfter,
    })
    .from(flowRuns)
    .innerJoin(flows, eq(flows.id, flowRuns.flowId))
    .leftJoin(stripeEvents, eq(stripeEvents.id, flowRuns.eventRowId))
    .where(and(...conditions))
    .orderBy(desc(flowRuns.createdAt))
    .limit(Math.min(options.limit ?? 50, 200));
}

/** A run with its trigger and every step (input, output, error, duration). */
export async function getRun(db: Executor, runId: string, projectId?: number) {
  const [run] = await db
    .select()
    .from(flowRuns)
    .where(
      projectId === undefined ? eq(flowRuns.id, runId) : and(eq(flowRuns.id, runId), eq(flowRuns.projectId, projectId)),
    );
  if (!run) return null;
  if (run.triggerPayload === null && run.eventRowId) {
    // A webhook run's trigger is its event's payload (not copied into the run).
    const [event] = await db
      .select({ payload: stripeEvents.payload })
      .from(stripeEvents)
      .where(eq(stripeEvents.id, run.eventRowId));
    run.triggerPayload = event?.payload ?? null;
  }
  const steps = await db
    .select()
    .from(flowSteps)
    .where(eq(flowSteps.runId, runId))
    .orderBy(flowSteps.startedAt, flowSteps.id);
  return { ...run, steps };
}

/** Put a failed run back in the queue; its completed steps are kept and reused. */
export async function retryRun(db: Executor, runId: string, projectId?: number): Promise<boolean> {
  const rows = await executeRows(
    db,
    sql`update flow_run set status = 'queued', run_after = now(), finished_at = null, lease_until = null,
          locked_by = null, max_attempts = attempt + 5
        where id = ${runId} and status = 'failed' and test_run = false
          ${projectId === undefined ? sql`` : sql`and project_id = ${projectId}`}
        returning id`,
  );
  if (rows.length > 0) signalRunsQueued();
  return rows.length > 0;
}

/**
 * Run a stored event again through the flows subscribed to it now (new runs on
 * the current published versions). Callback handlers see rows they already
 * updated and report alreadyProcessed.
 */
export async function replayEvent(handle: DbHandle, eventRowId: string, projectId?: number): Promise<string[]> {
  const ids = await handle.db.transaction(async (tx) => {
    const [event] = await tx.select().from(stripeEvents).where(eq(stripeEvents.id, eventRowId));
    if (!event || (projectId !== undefined && event.projectId !== projectId))
      throw new TillflowError('NOT_FOUND', 'Event not found.');
    // The flows that ran for it originally, plus any now listening for its type on the same endpoint.
    const candidates = await executeRows<{ id: string; published_version_id: string; trigger: FlowTrigger }>(
      tx,
      sql`select f.id, f.published_version_id, f.trigger from flow f
          where f.project_id = ${event.projectId} and f.published_version_id is not null and (
            f.id in (select flow_id from flow_run where event_row_id = ${eventRowId})
            or f.id in (select flow_id from webhook_endpoint where id = ${event.endpointId})
            or (f.kind = 'system' and f.system_kind = (select purpose from webhook_endpoint where id = ${event.endpointId})))`,
    );
    const targets = candidates.filter((f) => triggerAccepts(f.trigger, event.type));
    if (targets.length === 0) return [];
    const inserted = await tx
      .insert(flowRuns)
      .values(
        targets.map((f) => ({
          projectId: event.projectId,
          flowId: f.id,
          flowVersionId: f.published_version_id,
          eventRowId,
        })),
      )
      .returning({ id: flowRuns.id });
    return inserted.map((r) => r.id);
  });
  if (ids.length > 0) signalRunsQueued(handle);
  return ids;
}

/** Retention: finished runs (and their steps), deliveries and rejection logs older than the period. */
export async function purgeOldRuns(db: Executor, olderThanDays: number): Promise<{ runs: number }> {
  const cutoff = new Date(Date.now() - olderThanDays * 24 * 3600 * 1000);
  const runs = await db
    .delete(flowRuns)
    .where(and(lt(flowRuns.createdAt, cutoff), sql`${flowRuns.status} in ('succeeded', 'failed')`))
    .returning({ id: flowRuns.id });
  await db.delete(webhookDeliveries).where(lt(webhookDeliveries.receivedAt, cutoff));
  await db.delete(webhookRejections).where(lt(webhookRejections.receivedAt, cutoff));
  return { runs: runs.length };
}

/** Webhook events received, newest first: deliveries, duplicates and the runs each started. */
export async function listEvents(
  db: Executor,
  projectId: number,
  options: { type?: string; objectIds?: string[]; limit?: number } = {},
) {
  const rows = await executeRows<{
    id: string;
    event_id: string;
    type: string;
    object_id: string | null;
    livemode: boolean;
    received_at: string | Date;
    delivery_count: number;
    duplicates: number;
    runs: { id: string; flowId: string; flowName: string; status: string }[] | null;
  }>(
    db,
    sql`select e.id, e.event_id, e.type, e.object_id, e.livemode, e.received_at, e.delivery_count,
          (select count(*)::int from webhook_delivery d where d.event_row_id = e.id and d.duplicate) as duplicates,
          (select json_agg(json_build_object('id', r.id, 'flowId', r.flow_id, 'flowName', f.name, 'status', r.status)
                           order by r.created_at)
             from flow_run r join flow f on f.id = r.flow_id where r.event_row_id = e.id) as runs
        from stripe_event e
        where e.project_id = ${projectId} ${options.type ? sql`and e.type = ${options.type}` : sql``}
          ${
            options.objectIds?.length
              ? sql`and e.object_id in (${sql.join(
                  options.objectIds.map((id) => sql`${id}`),
                  sql`, `,
                )})`
              : sql``
          }
        order by e.received_at desc
        limit ${Math.min(options.limit ?? 50, 200)}`,
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
}

export async function countRejections(db: Executor, endpointId: string) {
  const rows = await executeRows<{ reason: string; count: number }>(
    db,
    sql`select reason, count(*)::int as count from webhook_rejection where endpoint_id = ${endpointId} group by reason`,
  );
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.count)]));
}

/** Why a run failed, as its owner reads it: the step it stopped at (by its title) and what went wrong. */
export interface FailureInWords {
  /** The step's title (its label on the canvas, else its kind's name); null when no step failed. */
  step: string | null;
  /** The step's message, without the step's internal id. */
  message: string;
}

/**
 * A run's stored error (the engine writes "<node id>: message", the id being for logs and support) read
 * against the flow version the run ran: the step's title and the message alone.
 */
export function failureInWords(error: string | null, definition: FlowDefinition | null | undefined): FailureInWords {
  if (!error) return { step: null, message: 'It stopped without saying why.' };
  const nodes = (definition?.graph.nodes ?? []) as { id: string; type: string; label?: string }[];
  // The longest matching id first, so a node "pay" never takes the error of a node "pay_2".
  for (const node of [...nodes].sort((a, b) => b.id.length - a.id.length)) {
    if (!error.startsWith(`${node.id}: `)) continue;
    const title = node.label?.trim() || getNodeType(node.type)?.label || 'A step';
    return { step: title, message: error.slice(node.id.length + 2) };
  }
  return { step: null, message: error };
}

/** failureInWords for several runs, each read against its own flow version (loaded once per version). */
export async function failuresInWords(
  db: Executor,
  runs: { flowVersionId: string | null; error: string | null }[],
): Promise<FailureInWords[]> {
  const ids = [...new Set(runs.map((r) => r.flowVersionId).filter((id): id is string => !!id))];
  const versions = ids.length
    ? await db
        .select({ id: flowVersions.id, definition: flowVersions.definition })
        .from(flowVersions)
        .where(inArray(flowVersions.id, ids))
    : [];
  const byId = new Map(versions.map((v) => [v.id, v.definition as FlowDefinition]));
  return runs.map((r) => failureInWords(r.error, r.flowVersionId ? byId.get(r.flowVersionId) : null));
}
