import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
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
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
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

  it('lets a sender that writes all 24 MB before reading still read its 413, then keeps the connection for the next request', async () => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.pause();
    const failed = new Promise<Error>((resolve) => socket.once('error', resolve));
    const write = (data: string | Buffer) =>
      new Promise<void>((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
    const path = `/api/hooks/stripe/${hook.endpointId}`;
    const sent = (async () => {
      await write(
        `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`,
      );
      const chunk = Buffer.concat([Buffer.from('10000\r\n'), Buffer.alloc(0x10000, 0x20), Buffer.from('\r\n')]);
      for (let sentBytes = 0; sentBytes < 24 * MB; sentBytes += 0x10000) await write(chunk);
      await write('0\r\n\r\n');
      await write(`POST /nowhere HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n`);
    })();
    const outcome = await Promise.race([sent.then(() => 'sent'), failed.then((error) => error.message)]);
    expect(outcome).toBe('sent');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      answer += text;
    });
    socket.resume();
    await expect
      .poll(() => answer.match(/HTTP\/1\.1 \d+/g), { timeout: 10_000 })
      .toEqual(['HTTP/1.1 413', 'HTTP/1.1 404']);
    expect(answer).toContain('body_too_large');
    socket.destroy();
  });

  it('closes a refused connection whose sender goes quiet mid-body, and one that trickles on past the limit, after answering both', async () => {
    const strict = await startWebhookServer(handle, { logger: testLogger, linger: { idleMs: 200, totalMs: 3_000 } });
    try {
      const open = (trickle: boolean) => {
        const socket = connect(Number(new URL(strict.url).port), '127.0.0.1');
        let answer = '';
        socket.setEncoding('utf8');
        socket.on('data', (text: string) => {
          answer += text;
        });
        socket.on('error', () => {});
        const started = Date.now();
        const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
        socket.write(
          `POST /api/hooks/stripe/${hook.endpointId}?n=${trickle} HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n`,
        );
        socket.write(Buffer.concat([Buffer.from('200000\r\n'), Buffer.alloc(0x200000, 0x20), Buffer.from('\r\n')]));
        const timer = trickle ? setInterval(() => socket.write('1\r\n \r\n'), 50) : undefined;
        return closed.then((ms) => {
          clearInterval(timer);
          return { ms, status: answer.match(/HTTP\/1\.1 \d+/g) };
        });
      };
      const [quiet, trickling] = await Promise.all([open(false), open(true)]);
      expect(quiet.status).toEqual(['HTTP/1.1 413']);
      expect(quiet.ms).toBeLessThan(2_500);
      expect(trickling.status).toEqual(['HTTP/1.1 413']);
      expect(trickling.ms).toBeGreaterThanOrEqual(2_900);
    } finally {
      await strict.close();
    }
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
