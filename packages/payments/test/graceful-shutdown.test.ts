import { type ChildProcess, fork } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createEgressGuard } from '@tillflow/core';
import { createDb, type DbHandle, executeRows } from '@tillflow/db';
import { startTestCluster, type TestCluster, testClusterUnavailable } from '@tillflow/db/test-cluster';
import { startWorkers } from '@tillflow/runtime';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHookedFlow,
  createRuntimeProject,
  type LooseFlow,
  post,
  stripeEvent,
  waitFor,
} from '../../runtime/test/harness';
import { finishLedgerRow, ledgerRows } from '../../runtime/test/worker-process';
import { testServices } from './harness';

// A real `npm run worker` gets SIGTERM while a run waits on an HTTP node. Within
// TILLFLOW_SHUTDOWN_MS the run finishes and the process exits 0 without claiming
// anything new; past it the run is released (lease in the past) and another worker
// takes it over at once. Either way the database effect happens once and nothing is
// lost. Its own cluster: the worker process claims every project's runs.
const unavailable = testClusterUnavailable();
if (unavailable) console.warn(`[skipped] graceful shutdown tests: ${unavailable}`);

describe.skipIf(unavailable)('SIGTERM during an in-flight run', () => {
  let cluster: TestCluster;
  let handle: DbHandle;
  let server: Server;
  let url: string;
  let hits = 0;
  let onHit: (res: ServerResponse) => void = (res) => res.writeHead(200).end('{}');

  beforeAll(async () => {
    cluster = await startTestCluster();
    handle = await createDb({ url: cluster.url() });
    server = createServer((_req, res) => {
      hits += 1;
      onHit(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
  }, 120_000);
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    await handle?.close();
    await cluster?.stop();
  });

  const flow = (): LooseFlow => ({
    trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
    nodes: [
      { id: 'record', type: 'insert_row', config: { table: 'ledger', values: { event_id: '{{trigger.id}}' } } },
      { id: 'notify', type: 'http_request', config: { method: 'POST', url, body: { event: '{{trigger.id}}' } } },
      finishLedgerRow,
    ],
    edges: [
      { source: 'record', target: 'notify' },
      { source: 'notify', target: 'finish' },
    ],
  });

  function spawnWorker(shutdownMs: number): { child: ChildProcess; exited: Promise<number | string | null> } {
    const child = fork(path.join(import.meta.dirname, '../src/worker-cli.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        DATABASE_URL: cluster.url(),
        TILLFLOW_SHUTDOWN_MS: String(shutdownMs),
        TILLFLOW_EGRESS_ALLOW_PRIVATE: '127.0.0.1/32', // this test's HTTP server
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const exited = new Promise<number | string | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    return { child, exited };
  }

  const runOf = async (flowId: string, eventId: string) =>
    (
      await executeRows<{ status: string; attempt: number; released: boolean }>(
        handle.db,
        sql`select r.status, r.attempt, r.lease_until < now() as released
            from flow_run r join stripe_event e on e.id = r.event_row_id
            where r.flow_id = ${flowId} and e.event_id = ${eventId}`,
      )
    )[0];

  const ledger = (projectId: number, eventId: string) => ledgerRows(handle, projectId, eventId);

  it('a run that can finish within the deadline finishes; nothing new is claimed; the worker exits 0', async () => {
    const project = await createRuntimeProject(handle);
    const hook = await createHookedFlow(handle, project.id, flow());
    const { child, exited } = spawnWorker(20_000);
    hits = 0;
    const arrived = new Promise<ServerResponse>((resolve) => {
      onHit = resolve;
    });
    const first = stripeEvent('payment_intent.succeeded');
    expect((await post(handle, hook.endpointId, hook.secret, first)).status).toBe(200);
    const pending = await arrived; // the run waits on its HTTP node now
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    // Arrives after SIGTERM: the stopping worker must leave it queued.
    const second = stripeEvent('payment_intent.succeeded');
    expect((await post(handle, hook.endpointId, hook.secret, second)).status).toBe(200);
    onHit = (res) => res.writeHead(200).end('{}');
    pending.writeHead(200).end('{}');
    expect(await exited).toBe(0);

    expect(await runOf(hook.flow.id, first.id)).toMatchObject({ status: 'succeeded', attempt: 1 });
    expect(await runOf(hook.flow.id, second.id)).toMatchObject({ status: 'queued', attempt: 0 });
    const rows = await ledger(project.id, first.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].note).toBe('finished');
    expect(hits).toBe(1);
    const [beats] = await executeRows<{ n: number }>(handle.db, sql`select count(*)::int as n from worker_heartbeat`);
    expect(beats.n).toBe(0); // it said goodbye: nobody waits for its beat

    // The queued run is there for the next worker.
    const pool = await startWorkers(testServices(handle), { pollMs: 50, projectIds: [project.id], egress: loopback() });
    try {
      await waitFor(async () => (await runOf(hook.flow.id, second.id))?.status === 'succeeded', 60_000);
    } finally {
      await pool.stop();
    }
  }, 120_000);

  it('a run still busy at the deadline is released and taken over at once, its effect once', async () => {
    const project = await createRuntimeProject(handle);
    const hook = await createHookedFlow(handle, project.id, flow());
    const { child, exited } = spawnWorker(1000);
    hits = 0;
    const held: ServerResponse[] = [];
    const arrived = new Promise<void>((resolve) => {
      onHit = (res) => {
        held.push(res); // never answered: the run is still busy when the deadline passes
        resolve();
      };
    });
    const event = stripeEvent('payment_intent.succeeded');
    expect((await post(handle, hook.endpointId, hook.secret, event)).status).toBe(200);
    await arrived;
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const res of held) res.destroy();

    // Released, not left for its 30 s lease to run out.
    expect(await runOf(hook.flow.id, event.id)).toMatchObject({ status: 'running', attempt: 1, released: true });
    onHit = (res) => res.writeHead(200).end('{}');
    const pool = await startWorkers(testServices(handle), { pollMs: 50, projectIds: [project.id], egress: loopback() });
    try {
      await waitFor(async () => (await runOf(hook.flow.id, event.id))?.status === 'succeeded', 60_000);
    } finally {
      await pool.stop();
    }
    expect(await runOf(hook.flow.id, event.id)).toMatchObject({ status: 'succeeded', attempt: 2 });
    const rows = await ledger(project.id, event.id);
    expect(rows).toHaveLength(1); // the insert committed before SIGTERM and was reused, not repeated
    expect(rows[0].note).toBe('finished');
    expect(hits).toBe(2); // the HTTP call is at least once (same Idempotency-Key)
  }, 120_000);
});

function loopback() {
  return createEgressGuard({ allow: ['127.0.0.1/32'] });
}
