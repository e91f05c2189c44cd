import { type CappedBody, type Logger, WEBHOOK_BODY_LIMIT_BYTES } from '@tillflow/core';
import { type DbHandle, type Executor, flows, webhookEndpoints } from '@tillflow/db';
import { and, eq, isNotNull } from 'drizzle-orm';
import { ackBatcher, type SubscribedFlow } from './ack-batches';
import { acceptedSecrets } from './endpoints';
import { type FlowTrigger, triggerAccepts } from './graph';
import { metrics } from './metrics';
import { type IngestResponse, rejectForEndpoint, rejectUnknownEndpoint } from './rejections';
import { routingCache } from './routing-cache';
import { signalRunsQueued } from './signals';
import { verifyStripeSignature } from './stripe-signature';

export type { IngestResponse } from './rejections';
export const MAX_WEBHOOK_BODY_BYTES = WEBHOOK_BODY_LIMIT_BYTES;
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
  /**
   * Where refusals, secrets that do not open and bookkeeping failures are logged: the process's logger
   * (a test passes its own). Required: a refusal is never recorded only as a row and a metric.
   */
  logger: Logger;
}

/** A delivery whose body is still on the wire: read (capped) only once its endpoint is known. */
export interface IncomingDelivery {
  endpointId: string;
  signatureHeader: string | null | undefined;
  contentType?: string | null;
  readBody(maxBytes: number): Promise<CappedBody>;
  logger: Logger;
}

/**
 * The HTTP entry (the studio's route, the standalone receiver): look the endpoint
 * up first (an unknown id is refused without reading the body or writing a row),
 * then read at most MAX_WEBHOOK_BODY_BYTES, then ingest.
 */
export async function receiveStripeWebhook(handle: DbHandle, delivery: IncomingDelivery): Promise<IngestResponse> {
  const endpoint = await findWebhookEndpoint(handle.db, delivery.endpointId);
  if (!endpoint) return rejectUnknownEndpoint(delivery.endpointId, Date.now(), delivery.logger);
  const body = await delivery.readBody(MAX_WEBHOOK_BODY_BYTES);
  if (!body.ok)
    return rejectForEndpoint(
      handle.db,
      endpoint.id,
      endpoint.projectId,
      'body_too_large',
      body.bytesRead,
      delivery.logger,
    );
  const { endpointId, signatureHeader, contentType, logger } = delivery;
  return ingestStripeWebhook(handle, { endpointId, signatureHeader, contentType, rawBody: body.bytes, logger });
}

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
  let endpoint = await findWebhookEndpoint(handle.db, endpointId);
  if (!endpoint) return rejectUnknownEndpoint(endpointId, Date.now(), request.logger);
  const { projectId } = endpoint;
  const reject = (reason: Parameters<typeof rejectForEndpoint>[3]) =>
    rejectForEndpoint(handle.db, endpointId, projectId, reason, bytes, request.logger);
  if (bytes > MAX_WEBHOOK_BODY_BYTES) return reject('body_too_large');

  const verify = (e: WebhookEndpoint) =>
    verifyStripeSignature(
      request.rawBody,
      request.signatureHeader,
      acceptedSecrets(e, undefined, request.logger),
      request.toleranceSec ?? 300,
      request.now,
    );
  let check = verify(endpoint);
  if (!check.ok && check.reason === 'bad_signature') {
    // The cached endpoint may predate a secret rotation: look again before refusing.
    endpoint = await loadEndpoint(handle.db, endpointId, true);
    if (!endpoint) return rejectUnknownEndpoint(endpointId, Date.now(), request.logger);
    check = verify(endpoint);
  }
  if (!check.ok) return reject(check.reason);
  if (request.contentType && !/^application\/json\b/i.test(request.contentType)) return reject('not_json');
  let event: StripeEventEnvelope | null;
  const rawText = typeof request.rawBody === 'string' ? request.rawBody : request.rawBody.toString('utf8');
  try {
    event = asEvent(JSON.parse(rawText));
  } catch {
    return reject('not_json');
  }
  if (!event) return reject('not_an_event');

  const targets = await subscribedFlowsCached(handle.db, endpoint, event.type);
  // Stored with whatever other deliveries arrive meanwhile (ack-batches.ts): one commit for all, each answered after it.
  const stored = await ackBatcher(handle).store({
    projectId,
    endpointId: endpoint.id,
    eventId: event.id,
    type: event.type,
    livemode: event.livemode === true,
    objectId: typeof event.data.object.id === 'string' ? event.data.object.id : null,
    eventCreated: event.created,
    rawText,
    targets,
  });
  // After the commit, coalesced (signals.ts): never a NOTIFY inside the acknowledgement's transaction.
  if (stored.runs > 0) signalRunsQueued(handle);
  metrics.webhookAcks.inc({ duplicate: String(stored.duplicate) });
  // Bookkeeping only: the event is stored and its runs queued, so a failed write here must not turn the
  // acknowledgement into an error (Stripe would deliver again for nothing).
  await touchEndpoint(handle.db, endpointId).catch((error: unknown) =>
    request.logger.warn({ err: error, endpointId }, 'webhook: last delivery time not recorded'),
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

// Every delivery needs its endpoint and the flows listening on it; both change
// rarely, so they are cached briefly (a new secret is looked up at once on a
// signature miss; a newly published flow is seen within CACHE_MS everywhere,
// at once in the process that published it).
const CACHE_MS = 2000;
const endpointCache = routingCache as Map<string, { at: number; endpoint: WebhookEndpoint | null }>;
const flowCache = routingCache as Map<string, { at: number; flows: SubscribedFlow[] }>;

/** The endpoint a delivery names, or null for an id we never issued (no body needs to be read for that). */
export async function findWebhookEndpoint(db: Executor, endpointId: string): Promise<WebhookEndpoint | null> {
  return UUID.test(endpointId) ? loadEndpoint(db, endpointId, false) : null;
}

async function loadEndpoint(db: Executor, endpointId: string, fresh: boolean): Promise<WebhookEndpoint | null> {
  const hit = endpointCache.get(endpointId);
  if (!fresh && hit && Date.now() - hit.at < CACHE_MS) return hit.endpoint;
  const load = async () => {
    const [endpoint] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId));
    if (endpointCache.size > 10_000) endpointCache.clear();
    endpointCache.set(endpointId, { at: Date.now(), endpoint: endpoint ?? null });
    return endpoint ?? null;
  };
  // A burst of deliveries finding the entry expired shares one lookup (a fresh one after a signature miss never waits on an older one).
  return fresh ? load() : singleFlight(`endpoint|${endpointId}`, load);
}

/** One load at a time per key: callers arriving while it runs get its result. */
function singleFlight<T>(key: string, load: () => Promise<T>): Promise<T> {
  const inflightKey = `inflight|${key}`;
  const running = routingCache.get(inflightKey) as Promise<T> | undefined;
  if (running) return running;
  const started = load().finally(() => routingCache.delete(inflightKey));
  routingCache.set(inflightKey, started);
  return started;
}

async function subscribedFlowsCached(db: Executor, endpoint: WebhookEndpoint, eventType: string) {
  const key = `flows|${endpoint.id}|${endpoint.flowId ?? ''}|${endpoint.purpose}|${eventType}`;
  const hit = flowCache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) return hit.flows;
  return singleFlight(key, async () => {
    const found = await subscribedFlows(db, endpoint, eventType);
    if (flowCache.size > 10_000) flowCache.clear();
    flowCache.set(key, { at: Date.now(), flows: found });
    return found;
  });
}

const touched = new Map<string, number>();
/** last_delivery_at, at most every few seconds per endpoint and process: one hot row must not serialise deliveries. */
async function touchEndpoint(db: Executor, endpointId: string): Promise<void> {
  const last = touched.get(endpointId) ?? 0;
  if (Date.now() - last < 5000) return;
  touched.set(endpointId, Date.now());
  await db.update(webhookEndpoints).set({ lastDeliveryAt: new Date() }).where(eq(webhookEndpoints.id, endpointId));
}

type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;

/** The flows of the endpoint's project listening on it for this event type. */
export async function subscribedFlows(
  tx: Executor,
  endpoint: typeof webhookEndpoints.$inferSelect,
  eventType: string,
): Promise<SubscribedFlow[]> {
  // A custom endpoint serves its one flow; a shared (system) endpoint serves the project's system flows of its purpose.
  const listening = endpoint.flowId
    ? eq(flows.id, endpoint.flowId)
    : and(eq(flows.kind, 'system'), eq(flows.systemKind, endpoint.purpose));
  const rows = await tx
    .select({ id: flows.id, publishedVersionId: flows.publishedVersionId, trigger: flows.trigger })
    .from(flows)
    .where(and(eq(flows.projectId, endpoint.projectId), isNotNull(flows.publishedVersionId), listening));
  return rows
    .filter((f) => triggerAccepts(f.trigger as FlowTrigger, eventType))
    .map((f) => ({ id: f.id, publishedVersionId: f.publishedVersionId as string }));
}
