import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, startWorkers, type Workers } from '../src';
import { beat, DEFAULT_HEARTBEAT_MS, staleAfterMs } from '../src/heartbeat';
import { claimRuns, extendLeases } from '../src/run-queue';
import { createHookedFlow, createRuntimeProject, type LooseFlow, post, stripeEvent, waitFor } from './harness';

// A database outage must never make live workers take each other's runs: when the database comes
// back every heartbeat is old and every lease may have run out, yet the holders are alive and about
// to beat again. A worker is judged dead only by a claimer that has itself beaten without a break for
// the whole stale window while the holder did not (heartbeat.ts). A SIGKILLed worker's runs are still
// taken over within that window, and a released run at once. Checked on the claim itself (heartbeat
// rows set back as an outage leaves them) and with two real worker pools cut off from the database.

const STALE_MS = staleAfterMs(DEFAULT_HEARTBEAT_MS);
let handle: DbHandle;
let projectId: number;
const pools: Workers[] = [];

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
});
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.stop({ deadlineMs: 1000 });
});
afterAll(() => handle.close());

const insertFlow = (): LooseFlow => ({
  trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
  nodes: [{ id: 'record', type: 'insert_row', config: { table: 'ledger', values: { event_id: '{{trigger.id}}' } } }],
  edges: [],
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runOf(flowId: string) {
  const [run] = await executeRows<{ id: string; status: string; attempt: number; locked_by: string | null }>(
    handle.db,
    sql`select id, status, attempt, locked_by from flow_run where flow_id = ${flowId}`,
  );
  return run;
}

/** A run held by `holder` (attempt 1), with its lease ending `leaseS` seconds from now (negative: already over). */
async function heldRun(holder: string, leaseS: number) {
  const hook = await createHookedFlow(handle, projectId, insertFlow());
  await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
  await handle.db.execute(
    sql`update flow_run set status = 'running', attempt = 1, locked_by = ${holder},
          lease_until = now() + make_interval(secs => ${leaseS}) where flow_id = ${hook.flow.id}`,
  );
  return (await runOf(hook.flow.id)).id;
}

/** Heartbeat rows as two workers leave them: beating for an hour, last beat `ageS` seconds ago. */
async function heartbeatRow(workerId: string, ageS: number) {
  await handle.db.execute(
    sql`insert into worker_heartbeat (worker_id, host, pid, kind, beat_at, streak_start)
        values (${workerId}, 'h', 1, 'worker', now() - make_interval(secs => ${ageS}), now() - interval '1 hour')
        on conflict (worker_id) do update set beat_at = excluded.beat_at, streak_start = excluded.streak_start`,
  );
}

const beatAs = (workerId: string) =>
  beat(handle, { workerId, kind: 'worker', activeRuns: 0, restarts: 0, staleMs: STALE_MS });
const claimAs = (workerId: string) => claimRuns(handle, workerId, 10, 30_000, [projectId], STALE_MS);

describe('takeover after a database outage', () => {
  it('a beat after a gap longer than two beat periods starts a new streak; a beat on time keeps it', async () => {
    await heartbeatRow('streak-steady', 1);
    await heartbeatRow('streak-broken', 10);
    await beatAs('streak-steady');
    await beatAs('streak-broken');
    const rows = await executeRows<{ worker_id: string; streak_s: number }>(
      handle.db,
      sql`select worker_id, extract(epoch from now() - streak_start)::float8 as streak_s from worker_heartbeat
          where worker_id in ('streak-steady', 'streak-broken') order by worker_id`,
    );
    expect(rows[0].worker_id).toBe('streak-broken');
    expect(rows[0].streak_s).toBeLessThan(5);
    expect(rows[1].streak_s).toBeGreaterThan(3000);
  });

  it("the first worker back after an outage takes neither a stale-beat holder's run nor its lapsed lease", async () => {
    // Both workers beat for an hour, then the database was away for 10 s (longer than the stale
    // window): both beats are 10 s old, and one lease ran out meanwhile.
    await heartbeatRow('outage-holder', 10);
    await heartbeatRow('outage-claimer', 10);
    const leased = await heldRun('outage-holder', 600);
    const lapsed = await heldRun('outage-holder', -2);

    // The claimer is back first: it beats (a new streak) and claims. The holder is alive, only slower.
    await beatAs('outage-claimer');
    expect(await claimAs('outage-claimer')).toEqual([]);

    // The holder beats again and renews its leases; the claimer keeps beating past the stale window.
    await beatAs('outage-holder');
    await extendLeases(handle, 'outage-holder', [leased, lapsed], 30_000);
    await handle.db.execute(
      sql`update worker_heartbeat set streak_start = now() - make_interval(secs => ${(STALE_MS + 1000) / 1000})
          where worker_id = 'outage-claimer'`,
    );
    expect(await claimAs('outage-claimer')).toEqual([]);

    // Now the holder is SIGKILLed: no beat for longer than the stale window, watched by a claimer
    // beating all along. Its runs are taken over at once, not when their 30 s leases end.
    await handle.db.execute(
      sql`update worker_heartbeat set beat_at = now() - make_interval(secs => ${(STALE_MS + 500) / 1000})
          where worker_id = 'outage-holder'`,
    );
    const taken = await claimAs('outage-claimer');
    expect(taken.map((r) => r.id).sort()).toEqual([leased, lapsed].sort());
    expect(taken.every((r) => r.attempt === 2)).toBe(true);
  });

  it('a lease released by a stopped worker (no heartbeat row) is taken at once, even by a worker that just started', async () => {
    const released = await heldRun('stopped-worker', -1);
    await beatAs('new-claimer');
    const taken = await claimAs('new-claimer');
    expect(taken.map((r) => r.id)).toEqual([released]);
  });

  it('two live worker pools cut off from the database, the holder back last, keep their runs: one attempt', async () => {
    // Each pool reaches the database through its own gate (as two processes through their own
    // connections); a closed gate refuses every query, as a stopped server does.
    const gates = { holder: true, claimer: true };
    const gated = (name: keyof typeof gates): DbHandle => {
      const refuse = () => Promise.reject(new Error('connect ECONNREFUSED (simulated outage)'));
      const db = new Proxy(handle.db, {
        get(target, key, receiver) {
          const value = Reflect.get(target, key, receiver);
          if (typeof value !== 'function') return value;
          return gates[name] ? value.bind(target) : refuse;
        },
      });
      return { ...handle, db, query: (text, params) => (gates[name] ? handle.query(text, params) : refuse()) };
    };
    let inFinish = false;
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A 2 s lease and 400 ms beats: stale after 2 s. The outage below outlasts the lease and the stale window.
    const options = { pollMs: 20, leaseMs: 2000, heartbeatMs: 400, projectIds: [projectId], onError: () => {} };
    const hook = await createHookedFlow(handle, projectId, insertFlow());
    pools.push(
      await startWorkers(createRunServices({ database: gated('holder') }), {
        ...options,
        workerId: 'gated-holder',
        beforeFinish: async () => {
          inFinish = true;
          await held; // the run's step has committed; the holder keeps it until the test lets go
        },
      }),
    );
    await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
    await waitFor(async () => inFinish);
    pools.push(
      await startWorkers(createRunServices({ database: gated('claimer') }), { ...options, workerId: 'gated-claimer' }),
    );
    await sleep(3000); // the claimer has beaten for longer than the stale window: it may judge
    expect(await runOf(hook.flow.id)).toMatchObject({ status: 'running', locked_by: 'gated-holder' });

    gates.holder = false;
    gates.claimer = false;
    await sleep(2500);
    gates.claimer = true; // the claimer reconnects first ...
    await sleep(800);
    gates.holder = true; // ... the holder 0.8 s later
    await sleep(3000); // longer than the stale window after both are back
    release();
    const run = await waitFor(async () => {
      const r = await runOf(hook.flow.id);
      return r.status === 'succeeded' ? r : null;
    });
    expect(run).toMatchObject({ attempt: 1, locked_by: 'gated-holder' });
    const steps = await executeRows<{ attempt: number }>(
      handle.db,
      sql`select attempt from flow_step where run_id = ${run.id} and node_id = 'record'`,
    );
    expect(steps).toEqual([{ attempt: 1 }]);
  }, 30_000);
});
