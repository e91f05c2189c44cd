// A worker's settings and its heartbeat under a database that fails or hangs: the documented defaults, a failed
// beat tried again a quarter period later (not a whole one), no more than three beats in flight on a dead
// connection, and a claim loop that stops coming round reported as fatal once its stall limit passes.
// Written for worker.ts's survivors (docs/testing.md).
import { hostname } from 'node:os';
import { setting } from '@tillflow/core';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, startWorkers } from '../src';
import { DEFAULT_HEARTBEAT_MS } from '../src/heartbeat';
import { workerSettings } from '../src/worker';
import {
  captureLogger,
  createHookedFlow,
  createRuntimeProject,
  databaseThat,
  ledgerFlow,
  post,
  stripeEvent,
  waitFor,
} from './harness';

let handle: DbHandle;
let projectId: number;

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
});
afterAll(() => handle?.close());

/** A new project whose ledger flow has one run queued (nothing has claimed it). */
async function projectWithQueuedRun() {
  const project = await createRuntimeProject(handle);
  const hook = await createHookedFlow(handle, project.id, ledgerFlow());
  expect((await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(200);
  return { project, hook };
}

/** Resolves once the flow's (only) run has succeeded. */
const succeeded = (flowId: string) =>
  waitFor(async () => {
    const rows = await executeRows(
      handle.db,
      sql`select 1 from flow_run where flow_id = ${flowId} and status = 'succeeded'`,
    );
    return rows.length > 0;
  }, 30_000);

const beatOf = async (workerId: string) =>
  (await executeRows(handle.db, sql`select 1 from worker_heartbeat where worker_id = ${workerId}`)).length;

describe("a worker's settings", () => {
  it('are the defaults its options document when none are given', () => {
    const given = workerSettings();
    expect(given).toMatchObject({
      concurrency: 8,
      pollMs: 500,
      leaseMs: 30_000,
      heartbeatMs: DEFAULT_HEARTBEAT_MS,
      staleMs: 5 * DEFAULT_HEARTBEAT_MS,
      stallMs: 60_000,
      policy: { backoffBaseMs: 1000, backoffMaxMs: 300_000 },
      kind: 'worker',
      restarts: 0,
      retentionDays: setting('TILLFLOW_RUN_RETENTION_DAYS'),
      purgeEveryMs: 3_600_000,
      upkeepEveryMs: 5_000,
    });
    expect(given.workerId).toMatch(
      new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${process.pid}:[0-9a-f]{8}$`),
    );
    expect(workerSettings().workerId).not.toBe(given.workerId);
  });

  it('keep what they are given, and beat at least three times within a lease unless that would mean more often than every 200 ms', () => {
    const given = workerSettings({
      concurrency: 3,
      pollMs: 40,
      leaseMs: 9_000,
      heartbeatMs: 2_000,
      stallMs: 700,
      backoffBaseMs: 5,
      backoffMaxMs: 50,
      workerId: 'w-1',
      kind: 'studio',
      restarts: 4,
      retentionDays: 0,
      purgeEveryMs: 60_000,
      upkeepEveryMs: 250,
    });
    expect(given).toEqual({
      concurrency: 3,
      pollMs: 40,
      leaseMs: 9_000,
      heartbeatMs: 2_000,
      staleMs: 10_000,
      stallMs: 700,
      policy: { backoffBaseMs: 5, backoffMaxMs: 50 },
      workerId: 'w-1',
      kind: 'studio',
      restarts: 4,
      retentionDays: 0,
      purgeEveryMs: 60_000,
      upkeepEveryMs: 250,
    });
    expect(workerSettings({ leaseMs: 3_000, heartbeatMs: 2_000 }).heartbeatMs).toBe(1_000);
    expect(workerSettings({ leaseMs: 3_001 }).heartbeatMs).toBe(1_000);
    expect(workerSettings({ leaseMs: 2_000 }).heartbeatMs).toBe(666);
    expect(workerSettings({ leaseMs: 300, heartbeatMs: 50 }).heartbeatMs).toBe(50);
    expect(workerSettings({ leaseMs: 300 }).heartbeatMs).toBe(200);
  });
});

describe("a worker's heartbeat", () => {
  it('tries a failed beat again a quarter period later instead of waiting a whole one, and says why it failed', async () => {
    // The beat period is 8 s; the first beat fails: the row appears about 2 s later, well before the next period.
    const db = databaseThat(handle, /insert into worker_heartbeat/, (call) => (call === 1 ? 'fail' : 'pass'));
    const errors: unknown[] = [];
    const started = Date.now();
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      heartbeatMs: 8_000,
      leaseMs: 60_000,
      pollMs: 50,
      projectIds: [projectId],
      onError: (error) => errors.push(error),
    });
    try {
      await waitFor(async () => (await beatOf(workers.workerId)) === 1, 7_000);
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
      expect(db.calls()).toBe(2);
      expect(errors).toEqual([new Error('connection lost')]);
    } finally {
      await workers.stop();
    }
    expect(await beatOf(workers.workerId)).toBe(0);
  }, 30_000);

  it('keeps at most three beats in flight on a connection that never answers, and none after it stops', async () => {
    const db = databaseThat(handle, /insert into worker_heartbeat/, () => 'hang');
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      heartbeatMs: 200,
      leaseMs: 30_000,
      pollMs: 50,
      projectIds: [projectId],
    });
    try {
      await waitFor(async () => db.calls() >= 3, 10_000);
      // Five more beat periods: each finds three beats still in flight and sends none.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(db.calls()).toBe(3);
    } finally {
      await workers.stop();
      db.release();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(db.calls()).toBe(3);
  }, 30_000);

  it('does not beat again after it stopped when a beat that was in flight fails late: no heartbeat row is left behind', async () => {
    const db = databaseThat(handle, /insert into worker_heartbeat/, (call) => (call === 1 ? 'fail-late' : 'pass'));
    const errors: unknown[] = [];
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      heartbeatMs: 8_000,
      leaseMs: 60_000,
      pollMs: 50,
      projectIds: [projectId],
      onError: (error) => errors.push(error),
    });
    await waitFor(async () => db.calls() === 1);
    await workers.stop();
    db.release();
    await waitFor(async () => errors.length === 1);
    // A retry would come a quarter period (2 s) later: wait past it.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(db.calls()).toBe(1);
    expect(await beatOf(workers.workerId)).toBe(0);
  }, 30_000);

  it('beats again once its beats answer, as often as its period says', async () => {
    let failing = true;
    const db = databaseThat(handle, /insert into worker_heartbeat/, () => (failing ? 'fail' : 'pass'));
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      heartbeatMs: 200,
      leaseMs: 30_000,
      pollMs: 50,
      projectIds: [projectId],
      onError: () => {},
    });
    try {
      await waitFor(async () => db.calls() >= 2, 10_000);
      failing = false;
      await waitFor(async () => (await beatOf(workers.workerId)) === 1, 10_000);
      const after = db.calls();
      await waitFor(async () => db.calls() >= after + 3, 10_000);
    } finally {
      await workers.stop();
    }
  }, 30_000);
});

describe("a worker's claim loop", () => {
  it('claims again at once when a run was queued while its claim was on the way, instead of sleeping a poll period', async () => {
    const project = await createRuntimeProject(handle);
    const hook = await createHookedFlow(handle, project.id, ledgerFlow());
    // The first claim finds nothing, but its answer arrives only after a run was queued (and the worker told).
    const db = databaseThat(handle, /update flow_run set status = 'running'/, (call) => (call === 1 ? 'late' : 'pass'));
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      pollMs: 60_000,
      projectIds: [project.id],
    });
    try {
      await waitFor(async () => db.calls() === 1);
      expect((await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(
        200,
      );
      await new Promise((resolve) => setTimeout(resolve, 300)); // the worker has been told of it
      db.release();
      await succeeded(hook.flow.id);
      expect(db.calls()).toBeGreaterThanOrEqual(2);
    } finally {
      await workers.stop();
    }
  }, 60_000);

  it('hands runs it claimed while stopping straight back, so another worker need not wait for their leases', async () => {
    const { project, hook } = await projectWithQueuedRun();
    // The claim takes the run, but its answer arrives only after stop() was called.
    const db = databaseThat(handle, /update flow_run set status = 'running'/, (call) => (call === 1 ? 'late' : 'pass'));
    const stopping = await startWorkers(createRunServices({ database: db.database }), {
      leaseMs: 60_000,
      pollMs: 60_000,
      projectIds: [project.id],
    });
    await waitFor(async () => db.calls() === 1);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the claim has taken the run
    const stopped = stopping.stop();
    db.release();
    await stopped;
    const [held] = await executeRows<{ status: string; lease_left_s: number }>(
      handle.db,
      sql`select status, extract(epoch from (lease_until - now()))::float as lease_left_s from flow_run where flow_id = ${hook.flow.id}`,
    );
    expect(held).toMatchObject({ status: 'running' });
    expect(held?.lease_left_s).toBeLessThanOrEqual(0);
    const next = await startWorkers(createRunServices({ database: handle }), { pollMs: 20, projectIds: [project.id] });
    try {
      await succeeded(hook.flow.id);
    } finally {
      await next.stop();
    }
  }, 60_000);

  it('does not report a claim the database refuses once the worker is stopping (the pool may be closing)', async () => {
    const { project } = await projectWithQueuedRun();
    const db = databaseThat(handle, /update flow_run set status = 'running'/, (call) =>
      call === 1 ? 'fail-late' : 'pass',
    );
    const errors: unknown[] = [];
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      pollMs: 50,
      projectIds: [project.id],
      onError: (error) => errors.push(error),
    });
    await waitFor(async () => db.calls() === 1);
    const stopped = workers.stop();
    db.release();
    await stopped;
    expect(errors).toEqual([]);
  }, 60_000);

  it('past its shutdown deadline, gives up writing a final status the database refuses instead of retrying it forever', async () => {
    const { project } = await projectWithQueuedRun();
    let refusing = true;
    const db = databaseThat(handle, /update flow_run set status = 'succeeded', error = null/, () =>
      refusing ? 'fail' : 'pass',
    );
    let finishing = () => {};
    const ended = new Promise<void>((resolve) => {
      finishing = resolve;
    });
    let atFinish = false;
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      pollMs: 50,
      projectIds: [project.id],
      onError: () => {},
      beforeFinish: async () => {
        atFinish = true;
        await ended;
      },
    });
    try {
      await waitFor(async () => atFinish);
      const stopped = workers.stop({ deadlineMs: 300 });
      finishing(); // the flow has ended; its status write is refused, retried every ≤ 0.5 s
      await stopped;
      // Its last try comes within one retry wait (≤ 0.5 s) of the deadline; wait three.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const after = db.calls();
      expect(after).toBeGreaterThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(db.calls()).toBe(after);
    } finally {
      refusing = false;
    }
  }, 30_000);

  it('logs what went wrong as a worker error when no onError is given', async () => {
    const { logger, lines } = captureLogger('warn');
    const db = databaseThat(handle, /insert into worker_heartbeat/, (call) => (call === 1 ? 'fail' : 'pass'));
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      heartbeatMs: 200,
      pollMs: 50,
      projectIds: [projectId],
      logger,
    });
    try {
      const line = await waitFor(async () => lines.find((l) => l.msg === 'worker error'));
      expect(line).toMatchObject({ level: 'error', workerId: workers.workerId });
      expect(JSON.stringify(line)).toContain('connection lost');
    } finally {
      await workers.stop();
    }
  });

  it('is reported as fatal, in words, once it has not come round for its stall limit; the worker then stops claiming', async () => {
    const db = databaseThat(handle, /update flow_run set status = 'running'/, () => 'hang');
    const fatal: Error[] = [];
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      heartbeatMs: 200,
      leaseMs: 30_000,
      stallMs: 600,
      pollMs: 20,
      projectIds: [projectId],
      onFatal: (error) => fatal.push(error),
    });
    try {
      await waitFor(async () => fatal.length > 0, 10_000);
      const seconds = Number(/^The claim loop has not come round for (\d+) s\.$/.exec(fatal[0]?.message ?? '')?.[1]);
      expect(seconds).toBeGreaterThanOrEqual(1); // 0.6 s and more, rounded
      expect(seconds).toBeLessThan(10);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(fatal).toHaveLength(1);
      expect(db.calls()).toBe(1);
    } finally {
      // Its loop waits on the claim that never answered: let it answer, so the worker can stop.
      db.release();
      await workers.stop();
    }
  }, 30_000);

  it('stops claiming without bringing the process down when nobody listens for its fatal error', async () => {
    const db = databaseThat(handle, /update flow_run set status = 'running'/, () => 'hang');
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      heartbeatMs: 200,
      leaseMs: 30_000,
      stallMs: 600,
      pollMs: 20,
      projectIds: [projectId],
    });
    try {
      // Past the stall limit and several beats more: an error thrown in the beat timer would fail this file.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(db.calls()).toBe(1);
    } finally {
      db.release();
      await workers.stop();
    }
    expect(db.calls()).toBe(1); // stopped: the wedged claim was its last
  }, 30_000);

  it('keeps trying a claim the database refuses, waiting longer each time, and reports each failure', async () => {
    const { project, hook } = await projectWithQueuedRun();
    const at: number[] = [];
    const db = databaseThat(handle, /update flow_run set status = 'running'/, (call) => {
      at.push(Date.now());
      return call <= 4 ? 'fail' : 'pass';
    });
    const errors: unknown[] = [];
    const workers = await startWorkers(createRunServices({ database: db.database }), {
      pollMs: 50,
      projectIds: [project.id],
      onError: (error) => errors.push(error),
    });
    try {
      await succeeded(hook.flow.id);
      expect(errors.slice(0, 4)).toEqual([1, 2, 3, 4].map(() => new Error('connection lost')));
      // 50 ms × 2, × 4, × 8, × 16 after the 1st … 4th failure (never more than 5 s).
      const gaps = at.slice(1, 5).map((t, i) => t - (at[i] as number));
      for (const [i, gap] of gaps.entries()) {
        expect(gap).toBeGreaterThanOrEqual(50 * 2 ** (i + 1) - 5);
        expect(gap).toBeLessThan(5_000);
      }
      expect(gaps[0]).toBeLessThan(2_500); // 100 ms, not the 3.2 s of the sixth failure
    } finally {
      await workers.stop();
    }
  }, 60_000);

  it('is not reported while it comes round, however long the worker runs', async () => {
    const fatal: Error[] = [];
    const workers = await startWorkers(createRunServices({ database: handle }), {
      heartbeatMs: 200,
      leaseMs: 30_000,
      stallMs: 5_000, // far above any pause a loaded machine gives a loop that comes round every 20 ms
      pollMs: 20,
      projectIds: [projectId],
      onFatal: (error) => fatal.push(error),
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(fatal).toEqual([]);
    } finally {
      await workers.stop();
    }
  }, 30_000);
});

describe("a worker's retention purge", () => {
  // Only runs over a century old are purged here: every test file shares one PostgreSQL database, and a shorter
  // retention would delete other files' aged runs (executor.test.ts purges its own 40-day-old run and counts it).
  const CENTURY_DAYS = 36_500;

  /** A finished run of a new project, made 101 years old, and a worker's heartbeat last seen two days ago. */
  async function agedRunAndHeartbeat() {
    const { project, hook } = await projectWithQueuedRun();
    await handle.db.execute(
      sql`update flow_run set status = 'succeeded', created_at = now() - interval '36865 days' where flow_id = ${hook.flow.id}`,
    );
    const workerId = `gone-${hook.flow.id}`;
    await handle.db.execute(
      sql`insert into worker_heartbeat (worker_id, host, pid, kind, beat_at)
          values (${workerId}, 'h', 1, 'worker', now() - interval '2 days')`,
    );
    const runsLeft = async () =>
      (await executeRows(handle.db, sql`select 1 from flow_run where flow_id = ${hook.flow.id}`)).length;
    return { project, workerId, runsLeft };
  }

  it('deletes finished runs past the retention and day-old heartbeats every period', async () => {
    const aged = await agedRunAndHeartbeat();
    const workers = await startWorkers(createRunServices({ database: handle }), {
      retentionDays: CENTURY_DAYS,
      purgeEveryMs: 100,
      projectIds: [aged.project.id],
      onError: () => {},
    });
    try {
      await waitFor(async () => (await aged.runsLeft()) === 0 && (await beatOf(aged.workerId)) === 0, 10_000);
    } finally {
      await workers.stop();
    }
  }, 30_000);

  it('keeps every run when the retention is 0 days, and still clears day-old heartbeats', async () => {
    const aged = await agedRunAndHeartbeat();
    const workers = await startWorkers(createRunServices({ database: handle }), {
      retentionDays: 0,
      purgeEveryMs: 100,
      projectIds: [aged.project.id],
      onError: () => {},
    });
    try {
      await waitFor(async () => (await beatOf(aged.workerId)) === 0, 10_000);
      await new Promise((resolve) => setTimeout(resolve, 300)); // a few more periods
      expect(await aged.runsLeft()).toBe(1);
    } finally {
      await workers.stop();
    }
  }, 30_000);
});
