import { type DbHandle, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, startWorkers } from '../src';
import {
  createHookedFlow,
  createRuntimeProject,
  type LooseFlow,
  loopbackEgress,
  post,
  startTestEndpoint,
  stripeEvent,
  type TestEndpoint,
  waitFor,
} from './harness';
import { finishLedgerRow, ledgerRows, sharedDatabase, spawnWorker } from './worker-process';

// A worker is SIGKILLed in the middle of a flow (after its first database node
// committed, while an HTTP node waits). Another worker must take the run over
// once the lease expires, reuse the committed step, and finish: the database
// effect exactly once. PGlite: one process at a time opens a folder database,
// so the parent closes it while the child runs and reopens it after the kill.
const { pglite, dir, open } = sharedDatabase('tillflow-crash-');

/** The HTTP node's upstream: its first call is never answered (the worker is killed while it waits). */
let upstream: TestEndpoint;

beforeAll(async () => {
  upstream = await startTestEndpoint('/notify');
});
afterAll(async () => {
  await upstream?.close();
});

function flow(): LooseFlow {
  return {
    trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
    nodes: [
      {
        id: 'record',
        type: 'insert_row',
        config: { table: 'ledger', values: { event_id: '{{trigger.id}}', note: 'recorded' } },
      },
      {
        id: 'notify',
        type: 'http_request',
        config: { method: 'POST', url: upstream.url, body: { event: '{{trigger.id}}' } },
      },
      finishLedgerRow,
    ],
    edges: [
      { source: 'record', target: 'notify' },
      { source: 'notify', target: 'finish' },
    ],
  };
}

describe('crash recovery', () => {
  it('finishes a run whose worker was killed mid-flow, applying the database effect exactly once', async () => {
    let handle: DbHandle = await open();
    const project = await createRuntimeProject(handle);
    const hook = await createHookedFlow(handle, project.id, flow());
    const event = stripeEvent('payment_intent.succeeded');
    expect((await post(handle, hook.endpointId, hook.secret, event)).status).toBe(200);
    if (pglite) await handle.close();

    const child = spawnWorker(dir, project.id);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve) => {
      upstream.answer = (hit) => {
        if (hit > 1) return Promise.resolve(200);
        child.kill('SIGKILL'); // the first call: kill the worker while it waits for this answer
        resolve();
        return new Promise<number>(() => {});
      };
    });
    expect(await exited).toBe('SIGKILL');

    if (pglite) handle = await open();
    const [mid] = await executeRows<{ status: string; attempt: number }>(
      handle.db,
      sql`select status, attempt from flow_run where flow_id = ${hook.flow.id}`,
    );
    expect(mid).toMatchObject({ status: 'running', attempt: 1 });
    const workers = await startWorkers(createRunServices({ database: handle }), {
      pollMs: 50,
      leaseMs: 3000,
      projectIds: [project.id],
      egress: loopbackEgress(),
    });
    try {
      const run = await waitFor(async () => {
        const [row] = await executeRows<{ id: string; status: string; attempt: number }>(
          handle.db,
          sql`select id, status, attempt from flow_run where flow_id = ${hook.flow.id}`,
        );
        return row.status === 'succeeded' ? row : null;
      });
      expect(run.attempt).toBe(2);
      const rows = await ledgerRows(handle, project.id, event.id);
      expect(rows).toHaveLength(1);
      expect(rows[0].note).toBe('finished');
      expect(upstream.hits).toBe(2); // the external call is at least once: repeated after the crash
      const steps = await executeRows<{ node_id: string; attempt: number; status: string }>(
        handle.db,
        sql`select node_id, attempt, status from flow_step where run_id = ${run.id} order by node_id`,
      );
      expect(steps.map((s) => [s.node_id, s.status, s.attempt])).toEqual([
        ['finish', 'succeeded', 2],
        ['notify', 'succeeded', 2],
        ['record', 'succeeded', 1],
        ['trigger', 'succeeded', 1], // pure: recorded with the first database step
      ]);
    } finally {
      await workers.stop();
      await handle.close();
    }
  }, 240_000); // a child process that compiles and opens its database: slow on a loaded machine (PGlite took 128 s at load 28)
});
