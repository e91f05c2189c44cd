import type { DbHandle } from '@tillflow/db';
import { executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, metrics, startWorkers, superviseWorkers } from '../src';
import { createHookedFlow, createRuntimeProject, type LooseFlow, post, stripeEvent, waitFor } from './harness';

// One database node (no code node: those run in low-priority threads, slow on a loaded machine).
const ledgerFlow = (): LooseFlow => ({
  trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
  nodes: [{ id: 'insert', type: 'insert_row', config: { table: 'ledger', values: { event_id: '{{trigger.id}}' } } }],
  edges: [],
});

let handle: DbHandle;
let projectId: number;
beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
});
afterAll(() => handle.close());

const runStatus = async (flowId: string) =>
  (await executeRows<{ status: string }>(handle.db, sql`select status from flow_run where flow_id = ${flowId}`))[0]
    ?.status;

describe('worker supervision', () => {
  it('restarts a worker whose claim loop wedged, counts the restart, and the run still completes', async () => {
    // A database whose queries stop answering (a half-open connection) until the first restart.
    let wedged = true;
    const stuckDb = new Proxy(handle.db, {
      get(target, key, receiver) {
        // No session: prepared statements (preparedRows) fall back to `execute`, so they stall here too.
        if (key === 'session') return undefined;
        const value = Reflect.get(target, key, receiver);
        if (key !== 'execute') return typeof value === 'function' ? value.bind(target) : value;
        return (query: unknown) => (wedged ? new Promise(() => {}) : value.call(target, query));
      },
    });
    const flaky = { ...handle, db: stuckDb } as DbHandle;
    const before = (await metrics.workerRestarts.get()).values[0]?.value ?? 0;
    const supervised = superviseWorkers(createRunServices({ database: flaky }), {
      pollMs: 20,
      stallMs: 1_000,
      heartbeatMs: 100,
      restartBaseMs: 50,
      projectIds: [projectId],
      log: () => {
        wedged = false;
      },
    });
    try {
      const hook = await createHookedFlow(handle, projectId, ledgerFlow());
      expect((await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(
        200,
      );
      await waitFor(async () => (await runStatus(hook.flow.id)) === 'succeeded');
      // (a loaded machine may stall the new worker past its 1 s limit too: then it is restarted again)
      expect(supervised.restarts()).toBeGreaterThanOrEqual(1);
      expect((await metrics.workerRestarts.get()).values[0]?.value).toBe(before + supervised.restarts());
    } finally {
      wedged = false;
      await supervised.stop();
    }
  });

  it("takes over a dead worker's run as soon as its heartbeat is stale, not when the lease ends", async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
    // A worker claimed the run with a 10-minute lease and was SIGKILLed: its last beat is 30 s old.
    await handle.db.execute(
      sql`insert into worker_heartbeat (worker_id, host, pid, kind, beat_at) values ('dead-worker', 'h', 1, 'worker', now() - interval '30 seconds')
          on conflict (worker_id) do update set beat_at = excluded.beat_at`,
    );
    await handle.db.execute(
      sql`update flow_run set status = 'running', attempt = 1, locked_by = 'dead-worker',
            lease_until = now() + interval '10 minutes' where flow_id = ${hook.flow.id}`,
    );
    const workers = await startWorkers(createRunServices({ database: handle }), {
      pollMs: 20,
      heartbeatMs: 200,
      projectIds: [projectId],
    });
    try {
      const started = Date.now();
      // Well inside the 10-minute lease, with room for a loaded CI machine.
      await waitFor(async () => (await runStatus(hook.flow.id)) === 'succeeded', 60_000);
      expect(Date.now() - started).toBeLessThan(60_000);
      const [beat] = await executeRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from worker_heartbeat where worker_id = ${workers.workerId}`,
      );
      expect(beat.n).toBe(1); // a live worker beats
    } finally {
      await workers.stop();
    }
    const [gone] = await executeRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from worker_heartbeat where worker_id = ${workers.workerId}`,
    );
    expect(gone.n).toBe(0); // a stopped one leaves no row
  });

  it('leaves a live worker’s run alone while its heartbeat is fresh', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
    await handle.db.execute(
      sql`insert into worker_heartbeat (worker_id, host, pid, kind) values ('busy-worker', 'h', 1, 'worker')
          on conflict (worker_id) do update set beat_at = now()`,
    );
    await handle.db.execute(
      sql`update flow_run set status = 'running', attempt = 1, locked_by = 'busy-worker',
            lease_until = now() + interval '10 minutes' where flow_id = ${hook.flow.id}`,
    );
    // Default beat (1 s): the busy worker’s row stays fresh for 5 s, longer than we watch.
    const workers = await startWorkers(createRunServices({ database: handle }), {
      pollMs: 20,
      projectIds: [projectId],
    });
    try {
      await new Promise((r) => setTimeout(r, 800));
      expect(await runStatus(hook.flow.id)).toBe('running');
    } finally {
      await workers.stop();
      await handle.db.execute(sql`delete from worker_heartbeat where worker_id = 'busy-worker'`);
    }
  });
});
