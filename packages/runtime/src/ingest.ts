import {
  type DbHandle,
  type Executor,
  flowRuns,
  flows,
  stripeEvents,
  webhookDeliveries,
  webhookEndpoints,
  webhookRejections,
} from '@tillflow/db';
import { and, eq, isNotNull, or, sql } from 'drizzle-orm';
import { acceptedSecrets } from './endpoints';
import { type FlowTrigger, triggerAccepts } from './graph';
import { RUNS_CHANNEL, signalRunsQueued } from './signals';
import { type SignatureFailure, verifyStripeSignature } from './stripe-signature';

export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface IngestRequest {
  endpointId: string;
  rawBody: string | Buffer;
  signatureHeader: string | null | undefined;
  contentType?: string | null;
  /** The size the client sent, when the caller stopped buffering early. */
  bodyBytes?: number;
  toleranceSec?: number;
  now?: number;
}

export interface IngestResponse {
  status: 200 | 400 | 404;
  body: Record<string, unknown>;
}

type RejectReason = SignatureFailure | 'body_too_large' | 'not_json' | 'not_an_event' | 'unknown_endpoint';

interface StripeEventEnvelope {
  id: string;
  type: string;
  created: number;
  livemode?: boolean;
  data: { object: { id?: string } & Record<string, unknown> };
}

function asEvent(value: unknown): StripeEventEnvelope | null {
  const e = value as StripeEventEnvelope;
  if (!e || typeof e !== 'object' || Array.isArray(e)) return null;
  if (typeof e.id !== 'string' || !e.id || typeof e.type !== 'string' || !e.type) return null;
  if (typeof e.created !== 'number' || !e.data || typeof e.data.object !== 'object' || !e.data.object) return null;
  return e;
}

/**
 * Stripe → us. Verifies, then stores the event and queues its flow runs in one
 * transaction and answers; flows never run inside the request. A re-delivered
 * event is recorded as a duplicate delivery and queues nothing: its effects
 * already happened (or are queued) once. Replays are explicit (replayEvent).
 */
export async function ingestStripeWebhook(handle: DbHandle, request: IngestRequest): Promise<IngestResponse> {
  const bytes = Math.max(
    request.bodyBytes ?? 0,
    typeof request.rawBody === 'string' ? Buffer.byteLength(request.rawBody) : request.rawBody.length,
  );
  const { endpointId } = request;
  if (!UUID.test(endpointId)) return reject(handle.db, endpointId, null, 'unknown_endpoint', bytes);
  const [endpoint] = await handle.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId));
  if (!endpoint) return reject(handle.db, endpointId, null, 'unknown_endpoint', bytes);
  if (bytes > MAX_WEBHOOK_BODY_BYTES) return reject(handle.db, endpointId, endpoint.projectId, 'body_too_large', bytes);

  const check = verifyStripeSignature(
    request.rawBody,
    request.signatureHeader,
    acceptedSecrets(endpoint),
    request.toleranceSec ?? 300,
    request.now,
  );
  if (!check.ok) return reject(handle.db, endpointId, endpoint.projectId, check.reason, bytes);
  if (request.contentType && !/^application\/json\b/i.test(request.contentType))
    return reject(handle.db, endpointId, endpoint.projectId, 'not_json', bytes);
  let event: StripeEventEnvelope | null;
  try {
    event = asEvent(
      JSON.parse(typeof request.rawBody === 'string' ? request.rawBody : request.rawBody.toString('utf8')),
    );
  } catch {
    return reject(handle.db, endpointId, endpoint.projectId, 'not_json', bytes);
  }
  if (!event) return reject(handle.db, endpointId, endpoint.projectId, 'not_an_event', bytes);

  const projectId = endpoint.projectId;
  const stored = await handle.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(stripeEvents)
      .values({
        projectId,
        endpointId,
        eventId: event.id,
        type: event.type,
        livemode: event.livemode === true,
        objectId: typeof event.data.object.id === 'string' ? event.data.object.id : null,
        eventCreated: Math.trunc(event.created),
        payload: event,
      })
      .onConflictDoNothing({ target: [stripeEvents.projectId, stripeEvents.eventId] })
      .returning({ id: stripeEvents.id });
    if (!inserted) {
      const [existing] = await tx
        .update(stripeEvents)
        .set({ deliveryCount: sql`${stripeEvents.deliveryCount} + 1` })
        .where(and(eq(stripeEvents.projectId, projectId), eq(stripeEvents.eventId, event.id)))
        .returning({ id: stripeEvents.id });
      await tx.insert(webhookDeliveries).values({ endpointId, eventRowId: existing.id, duplicate: true });
      return { eventRowId: existing.id, duplicate: true, runs: 0 };
    }
    await tx.insert(webhookDeliveries).values({ endpointId, eventRowId: inserted.id, duplicate: false });
    const runs = await enqueueRunsForEvent(tx, handle.driver, {
      projectId,
      endpoint,
      eventRowId: inserted.id,
      event,
    });
    return { eventRowId: inserted.id, duplicate: false, runs };
  });
  if (stored.runs > 0) signalRunsQueued();
  // Throttled, outside the transaction: every delivery updating one row would serialise them.
  await handle.db
    .update(webhookEndpoints)
    .set({ lastDeliveryAt: new Date() })
    .where(
      and(
        eq(webhookEndpoints.id, endpointId),
        or(
          sql`${webhookEndpoints.lastDeliveryAt} is null`,
          sql`${webhookEndpoints.lastDeliveryAt} < now() - interval '5 seconds'`,
        ),
      ),
    );
  return {
    status: 200,
    body: {
      received: true,
      eventId: event.id,
      duplicate: stored.duplicate,
      alreadyProcessed: stored.duplicate,
      runsQueued: stored.runs,
    },
  };
}

/** The flows of the endpoint's project listening on it for this event type. */
export async function subscribedFlows(
  tx: Executor,
  endpoint: typeof webhookEndpoints.$inferSelect,
  eventType: string,
): Promise<{ id: string; publishedVersionId: string }[]> {
  const conditions = [sql`${flows.trigger}->>'endpointId' = ${endpoint.id}`];
  if (endpoint.flowId) conditions.push(eq(flows.id, endpoint.flowId));
  else conditions.push(and(eq(flows.kind, 'system'), eq(flows.systemKind, endpoint.purpose)) as never);
  const rows = await tx
    .select({ id: flows.id, publishedVersionId: flows.publishedVersionId, trigger: flows.trigger })
    .from(flows)
    .where(and(eq(flows.projectId, endpoint.projectId), isNotNull(flows.publishedVersionId), or(...conditions)));
  return rows
    .filter((f) => triggerAccepts(f.trigger as FlowTrigger, eventType))
    .map((f) => ({ id: f.id, publishedVersionId: f.publishedVersionId as string }));
}

export async function enqueueRunsForEvent(
  tx: Executor,
  driver: DbHandle['driver'],
  args: {
    projectId: number;
    endpoint: typeof webhookEndpoints.$inferSelect;
    eventRowId: string;
    event: StripeEventEnvelope;
  },
): Promise<number> {
  const targets = await subscribedFlows(tx, args.endpoint, args.event.type);
  if (targets.length === 0) return 0;
  await tx.insert(flowRuns).values(
    targets.map((f) => ({
      projectId: args.projectId,
      flowId: f.id,
      flowVersionId: f.publishedVersionId,
      eventRowId: args.eventRowId,
      triggerPayload: args.event,
    })),
  );
  // Delivered at commit, so a worker never wakes before the run is visible.
  if (driver === 'postgres') await tx.execute(sql`select pg_notify(${RUNS_CHANNEL}, '')`);
  return targets.length;
}

async function reject(
  db: Executor,
  endpointId: string,
  projectId: number | null,
  reason: RejectReason,
  bodyBytes: number,
): Promise<IngestResponse> {
  // Only the endpoint, reason and size are kept: never the body, the signature or a secret.
  await db.insert(webhookRejections).values({ endpointId: endpointId.slice(0, 100), projectId, reason, bodyBytes });
  if (projectId !== null)
    await db
      .update(webhookEndpoints)
      .set({ failureCount: sql`${webhookEndpoints.failureCount} + 1` })
      .where(eq(webhookEndpoints.id, endpointId));
  if (process.env.TILLFLOW_QUIET_WEBHOOKS !== '1')
    console.warn(`[webhook] rejected endpoint=${endpointId.slice(0, 40)} reason=${reason} bytes=${bodyBytes}`);
  const status = reason === 'unknown_endpoint' ? 404 : 400;
  return { status, body: { error: reason } };
}
