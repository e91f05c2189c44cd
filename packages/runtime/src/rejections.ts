import { type Logger, setting } from '@tillflow/core';
import { type Executor, webhookEndpoints, webhookRejections } from '@tillflow/db';
import { eq, sql } from 'drizzle-orm';
import { metrics } from './metrics';
import type { SignatureFailure } from './stripe-signature';

export type RejectReason = SignatureFailure | 'body_too_large' | 'not_json' | 'not_an_event' | 'unknown_endpoint';

export interface IngestResponse {
  status: 200 | 400 | 404 | 413;
  body: Record<string, unknown>;
}

const quiet = () => setting('TILLFLOW_QUIET_WEBHOOKS') === '1';

/**
 * A delivery to an endpoint of ours that we refuse: one row (endpoint, reason,
 * size: never the body, the signature or a secret) and the endpoint's failure count.
 */
export async function rejectForEndpoint(
  db: Executor,
  endpointId: string,
  projectId: number,
  reason: Exclude<RejectReason, 'unknown_endpoint'>,
  bodyBytes: number,
  logger: Logger,
): Promise<IngestResponse> {
  metrics.webhookRejections.inc({ reason });
  await db.insert(webhookRejections).values({ endpointId, projectId, reason, bodyBytes });
  await db
    .update(webhookEndpoints)
    .set({ failureCount: sql`${webhookEndpoints.failureCount} + 1` })
    .where(eq(webhookEndpoints.id, endpointId));
  if (!quiet()) logger.warn({ endpointId, projectId, reason, bytes: bodyBytes }, 'webhook refused');
  return { status: reason === 'body_too_large' ? 413 : 400, body: { error: reason } };
}

// Deliveries to endpoint ids we never issued are anyone's to send, as fast as they
// like: they are counted here, in memory, and logged once a minute at most; they
// never write a row (and their body is never read).
const MINUTE_MS = 60_000;
const unknown = { total: 0, minuteStart: 0, inMinute: 0, lastMinute: 0 };

export function rejectUnknownEndpoint(endpointId: string, now: number, logger: Logger): IngestResponse {
  const warn = (fields: Record<string, unknown>, message: string) => logger.warn(fields, message);
  const minute = now - (now % MINUTE_MS);
  if (minute !== unknown.minuteStart) {
    if (unknown.inMinute > 1 && !quiet())
      warn({ deliveries: unknown.inMinute }, 'deliveries to unknown endpoints in the minute before');
    unknown.lastMinute = minute - unknown.minuteStart === MINUTE_MS ? unknown.inMinute : 0;
    unknown.minuteStart = minute;
    unknown.inMinute = 0;
    if (!quiet()) warn({ endpointId: endpointId.slice(0, 40) }, 'delivery to an unknown endpoint (more are counted)');
  }
  metrics.webhookRejections.inc({ reason: 'unknown_endpoint' });
  unknown.total += 1;
  unknown.inMinute += 1;
  return { status: 404, body: { error: 'unknown_endpoint' } };
}

/** Deliveries refused for naming no endpoint of ours, in this process: all time, this minute and the one before. */
export function unknownEndpointRejections(): { total: number; thisMinute: number; lastMinute: number } {
  return { total: unknown.total, thisMinute: unknown.inMinute, lastMinute: unknown.lastMinute };
}
