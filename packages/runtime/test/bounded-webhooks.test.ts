import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { createLogger, readBodyCapped } from '@tillflow/core';
import { countingBody } from '@tillflow/core/testing';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_WEBHOOK_BODY_BYTES,
  receiveStripeWebhook,
  startWebhookServer,
  stripeSignatureHeader,
  unknownEndpointRejections,
} from '../src';
import { createHookedFlow, createRuntimeProject, ledgerFlow, stripeEvent } from './harness';

// The process's logger these tests hand in (JSON lines on stdout, warnings and errors only).
const testLogger = createLogger({ TILLFLOW_LOG_LEVEL: 'warn' });

const MB = 1024 * 1024;
let handle: DbHandle;
let server: Awaited<ReturnType<typeof startWebhookServer>>;
let hook: Awaited<ReturnType<typeof createHookedFlow>>;
let projectId: number;

beforeAll(async () => {
  process.env.TILLFLOW_QUIET_WEBHOOKS = '1';
  handle = await createTestDb();
  const project = await createRuntimeProject(handle);
  projectId = project.id;
  hook = await createHookedFlow(handle, project.id, ledgerFlow());
  server = await startWebhookServer(handle, { logger: testLogger });
});
afterAll(async () => {
  await server?.close();
  await handle?.close();
});

/**
 * Rows in every table a delivery can write, and the endpoints' counters: this file's project, rows with no
 * project, and rejections naming the given endpoint ids (on PostgreSQL other test files write beside us).
 */
async function ingestionFootprint(endpointIds: string[] = []) {
  const project = projectId;
  const named = endpointIds.length
    ? sql`or endpoint_id in (${sql.join(
        endpointIds.map((id) => sql`${id}`),
        sql`, `,
      )})`
    : sql``;
  const [row] = await executeRows<Record<string, number>>(
    handle.db,
    sql`select (select count(*) from stripe_event where project_id is null or project_id = ${project})::int as events,
               (select count(*) from webhook_delivery d where d.endpoint_id is null or d.endpoint_id in
                  (select id from webhook_endpoint where project_id = ${project}))::int as deliveries,
               (select count(*) from flow_run where project_id = ${project})::int as runs,
               (select count(*) from webhook_rejection where project_id = ${project}
                  ${named})::int as rejections,
               (select count(*) from webhook_endpoint where project_id = ${project})::int as endpoints,
               (select coalesce(sum(failure_count), 0) from webhook_endpoint where project_id = ${project})::int as failures`,
  );
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

function deliver(endpointId: string, body: ReadableStream<Uint8Array>, contentLength?: string) {
  return receiveStripeWebhook(handle, {
    endpointId,
    signatureHeader: 't=1,v1=00',
    contentType: 'application/json',
    readBody: (max) => readBodyCapped(body, max, contentLength),
    logger: testLogger,
  });
}

/** A chunked POST (no Content-Length) of `total` bytes, written as fast as the server takes them. */
function postChunked(path: string, total: number): Promise<number> {
  const url = new URL(path, server.url);
  return new Promise((resolve) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', () => {});
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < total && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

describe('bounded webhook reads', () => {
  it('refuses a chunked 5 MB body with 413 after pulling about 1 MB of it', async () => {
    const { stream, counter } = countingBody(5 * MB);
    const response = await deliver(hook.endpointId, stream);
    expect(response).toMatchObject({ status: 413, body: { error: 'body_too_large' } });
    expect(counter.pulled).toBeGreaterThan(MAX_WEBHOOK_BODY_BYTES);
    expect(counter.pulled).toBeLessThanOrEqual(MAX_WEBHOOK_BODY_BYTES + 64 * 1024);
  });

  it('answers 404 for a made-up endpoint without pulling a byte of the body', async () => {
    const { stream, counter } = countingBody(5 * MB);
    expect((await deliver(randomUUID(), stream)).status).toBe(404);
    expect(counter.pulled).toBe(0);
  });

  it('refuses a chunked 24 MB body over HTTP with 413 while the server heap stays flat', async () => {
    global.gc?.();
    const before = process.memoryUsage();
    const status = await postChunked(`/api/hooks/stripe/${hook.endpointId}`, 24 * MB);
    const after = process.memoryUsage();
    expect(status).toBe(413);
    // The cap is 1 MB. Buffering the body would grow the process by 24 MB or more; the margin of
    // 8 MB absorbs the garbage a busy test process leaves between the two readings (seen: 2.2 MB).
    expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(8 * MB);
  });

  it('writes no row for 100 junk deliveries to made-up endpoint ids, and counts them in memory', async () => {
    const ids = Array.from({ length: 100 }, (_, i) =>
      i % 4 === 0 ? `junk-${i}` : i % 4 === 1 ? encodeURIComponent('../../etc') : randomUUID(),
    );
    const named = [...new Set(ids.flatMap((id) => [id, decodeURIComponent(id)]))];
    const before = await ingestionFootprint(named);
    const counted = unknownEndpointRejections().total;
    const event = JSON.stringify(stripeEvent('payment_intent.succeeded'));
    const statuses: number[] = [];
    for (let i = 0; i < ids.length; i += 10) {
      const batch = ids.slice(i, i + 10).map((id) =>
        fetch(`${server.url}/api/hooks/stripe/${id}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignatureHeader(event, 'whsec_x') },
          body: event,
        }).then((r) => r.status),
      );
      statuses.push(...(await Promise.all(batch)));
    }
    expect(new Set(statuses)).toEqual(new Set([404]));
    expect(await ingestionFootprint(named)).toEqual(before);
    expect(unknownEndpointRejections().total - counted).toBe(100);
  });
});
