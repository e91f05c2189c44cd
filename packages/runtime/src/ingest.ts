import { type DbHandle, type Executor, executeRows, flows, webhookEndpoints, webhookRejections } from '@tillflow/db';
import { and, eq, isNotNull, or, sql } from 'drizzle-orm';
import { acceptedSecrets } from './endpoints';
import { type FlowTrigger, triggerAccepts } from './graph';
import { routingCache } from './routing-cache';
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
  let endpoint = await loadEndpoint(handle.db, endpointId, false);
  if (!endpoint) return reject(handle.db, endpointId, null, 'unknown_endpoint', bytes);
  if (bytes > MAX_WEBHOOK_BODY_BYTES) return reject(handle.db, endpointId, endpoint.projectId, 'body_too_large', bytes);

  const verify = (e: WebhookEndpoint) =>
    verifyStripeSignature(
      request.rawBody,
      request.signatureHeader,
      acceptedSecrets(e),
      request.toleranceSec ?? 300,
      request.now,
    );
  let check = verify(endpoint);
  if (!check.ok && check.reason === 'bad_signature') {
    // The cached endpoint may predate a secret rotation: look again before refusing.
    endpoint = await loadEndpoint(handle.db, endpointId, true);
    if (!endpoint) return reject(handle.db, endpointId, null, 'unknown_endpoint', bytes);
    check = verify(endpoint);
  }
  if (!check.ok) return reject(handle.db, endpointId, endpoint.projectId, check.reason, bytes);
  if (request.contentType && !/^application\/json\b/i.test(request.contentType))
    return reject(handle.db, endpointId, endpoint.projectId, 'not_json', bytes);
  let event: StripeEventEnvelope | null;
  const rawText = typeof request.rawBody === 'string' ? request.rawBody : request.rawBody.toString('utf8');
  try {
    event = asEvent(JSON.parse(rawText));
  } catch {
    return reject(handle.db, endpointId, endpoint.projectId, 'not_json', bytes);
  }
  if (!event) return reject(handle.db, endpointId, endpoint.projectId, 'not_an_event', bytes);

  const targets = await subscribedFlowsCached(handle.db, endpoint, event.type);
  const stored = await storeEvent(handle, endpoint, event, rawText, targets);
  if (stored.runs > 0) signalRunsQueued();
  await touchEndpoint(handle.db, endpointId);
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

// Every delivery needs its endpoint and the flows listening on it; both change
// rarely, so they are cached briefly (a new secret is looked up at once on a
// signature miss; a newly published flow is seen within CACHE_MS everywhere,
// at once in the process that published it).
const CACHE_MS = 2000;
const endpointCache = routingCache as Map<string, { at: number; endpoint: WebhookEndpoint | null }>;
const flowCache = routingCache as Map<string, { at: number; flows: SubscribedFlow[] }>;

async function loadEndpoint(db: Executor, endpointId: string, fresh: boolean): Promise<WebhookEndpoint | null> {
  const hit = endpointCache.get(endpointId);
  if (!fresh && hit && Date.now() - hit.at < CACHE_MS) return hit.endpoint;
  const [endpoint] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId));
  if (endpointCache.size > 10_000) endpointCache.clear();
  endpointCache.set(endpointId, { at: Date.now(), endpoint: endpoint ?? null });
  return endpoint ?? null;
}

async function subscribedFlowsCached(db: Executor, endpoint: WebhookEndpoint, eventType: string) {
  const key = `flows|${endpoint.id}|${endpoint.flowId ?? ''}|${endpoint.purpose}|${eventType}`;
  const hit = flowCache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.flows;
  const found = await subscribedFlows(db, endpoint, eventType);
  if (flowCache.size > 10_000) flowCache.clear();
  flowCache.set(key, { at: Date.now(), flows: found });
  return found;
}

const touched = new Map<string, number>();
/** last_delivery_at, at most every few seconds per endpoint and process: one hot row must not serialise deliveries. */
async function touchEndpoint(db: Executor, endpointId: string): Promise<void> {
  const last = touched.get(endpointId) ?? 0;
  if (Date.now() - last < 5000) return;
  touched.set(endpointId, Date.now());
  await db.update(webhookEndpoints).set({ lastDeliveryAt: new Date() }).where(eq(webhookEndpoints.id, endpointId));
}

/**
 * One statement, so one transaction and one round trip: store the event (or
 * count a re-delivery: ON CONFLICT DO UPDATE sees a concurrently committed
 * twin, `xmax = 0` tells a fresh insert apart), record the delivery, queue the
 * runs (the outbox: workers claim them from flow_run), and NOTIFY workers.
 */
async function storeEvent(
  handle: DbHandle,
  endpoint: WebhookEndpoint,
  event: StripeEventEnvelope,
  rawText: string,
  targets: SubscribedFlow[],
): Promise<{ eventRowId: string; duplicate: boolean; runs: number }> {
  const flowIds = `{${targets.map((t) => t.id).join(',')}}`;
  const versionIds = `{${targets.map((t) => t.publishedVersionId).join(',')}}`;
  const notify = handle.driver === 'postgres' && targets.length > 0;
  const [row] = await executeRows<{ id: string; inserted: boolean; runs: number }>(
    handle.db,
    sql`with ev as (
          insert into stripe_event (project_id, endpoint_id, event_id, type, livemode, object_id, event_created, payload)
          values (${endpoint.projectId}, ${endpoint.id}, ${event.id}, ${event.type}, ${event.livemode === true},
            ${typeof event.data.object.id === 'string' ? event.data.object.id : null}, ${Math.trunc(event.created)},
            ${rawText}::jsonb)
          on conflict (project_id, endpoint_id, event_id) do update set delivery_count = stripe_event.delivery_count + 1
          returning id, (xmax = 0) as inserted),
        delivery as (
          insert into webhook_delivery (endpoint_id, event_row_id, duplicate)
          select ${endpoint.id}, id, not inserted from ev),
        runs as (
          insert into flow_run (project_id, flow_id, flow_version_id, event_row_id, trigger_payload)
          select ${endpoint.projectId}, f.flow_id, f.version_id, ev.id, ${rawText}::jsonb
          from ev, unnest(${flowIds}::uuid[], ${versionIds}::uuid[]) as f(flow_id, version_id)
          where ev.inserted
          returning id)
        select ev.id, ev.inserted, (select count(*) from runs)::int as runs
          ${notify ? sql`, case when ev.inserted then pg_notify(${RUNS_CHANNEL}, '') end as notified` : sql``}
        from ev`,
  );
  return { eventRowId: row.id, duplicate: !row.inserted, runs: Number(row.runs) };
}

type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
type SubscribedFlow = { id: string; publishedVersionId: string };

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
