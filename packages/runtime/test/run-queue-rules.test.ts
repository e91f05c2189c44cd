// The run queue's rules driven directly (claimRuns, processRun, extendLeases, backoffMs), with no worker loop in the
// way: what is on record after a run, how a run that can never finish ends, how long it waits before a retry, whose
// runs a claim may take, and what each outcome tells the metrics and the log. Written against the survivors of the
// 2026-12-04 Stryker run of run-queue.ts and step-records.ts (see docs/testing.md).
import { NonRetriableError } from '@tillflow/core';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRunServices, type NodeExecutor, startWorkers } from '../src';
import { beat } from '../src/heartbeat';
import { metrics } from '../src/metrics';
import {
  backoffMs,
  claimRuns,
  extendLeases,
  finishRetryDelayMs,
  processRun,
  type RetryPolicy,
  releaseRuns,
} from '../src/run-queue';
import {
  captureLogger,
  createHookedFlow,
  createRuntimeProject,
  databaseThat,
  post,
  stripeEvent,
  waitFor,
} from './harness';

let handle: DbHandle;
let calls = 0;
const doubles: Record<string, NodeExecutor> = {
  test_note: { effect: 'pure', execute: () => ({ noted: true }) },
  test_call: {
    effect: 'external',
    execute: () => {
      calls += 1;
      return { called: calls };
    },
  },
  test_refused: {
    effect: 'external',
    execute: () => {
      throw new NonRetriableError('The service refused this request for good.');
    },
  },
  test_down: {
    effect: 'external',
    execute: () => {
      throw new Error('The service is down.');
    },
  },
  test_slow: {
    effect: 'external',
    execute: () => new Promise((resolve) => setTimeout(() => resolve({ slow: true }), 150)),
  },
};
const policy: RetryPolicy = { backoffBaseMs: 60_000, backoffMaxMs: 600_000 };

beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle?.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const services = () => createRunServices({ database: handle, executors: doubles });

/** A project of its own (no workers claim its runs) with a published flow `note → <type>` and one queued run. */
async function queuedRun(type: string) {
  const project = await createRuntimeProject(handle);
  const hook = await createHookedFlow(
    handle,
    project.id,
    {
      trigger: { type: 'stripe_webhook', eventTypes: ['charge.succeeded'] },
      nodes: [
        { id: 'note', type: 'test_note' },
        { id: 'call', type },
      ],
      edges: [{ source: 'note', target: 'call' }],
    },
    { skipValidation: true },
  );
  await post(handle, hook.endpointId, hook.secret, stripeEvent('charge.succeeded'));
  return { projectId: project.id, flowId: hook.flow.id };
}

type RunRow = { id: string; status: string; attempt: number; error: string | null; wait_s: number | null };
const runOf = async (flowId: string) =>
  (
    await executeRows<RunRow>(
      handle.db,
      sql`select id, status, attempt, error, extract(epoch from (run_after - now()))::float as wait_s
          from flow_run where flow_id = ${flowId}`,
    )
  )[0];
const stepsOf = (runId: string) =>
  executeRows<{ node_id: string; status: string; output: unknown; error: string | null }>(
    handle.db,
    sql`select node_id, status, output, error from flow_step where run_id = ${runId} and node_id <> 'trigger' order by node_id`,
  );

/** Observations so far of tillflow_run_duration_seconds with this outcome. */
async function observed(outcome: string) {
  const { values } = await metrics.runDuration.get();
  return (
    values.find((v) => v.metricName === 'tillflow_run_duration_seconds_count' && v.labels.outcome === outcome)?.value ??
    0
  );
}

describe('what a run leaves on record', () => {
  it('the pure steps before an outbound step are recorded with it', async () => {
    const { projectId, flowId } = await queuedRun('test_call');
    const [run] = await claimRuns(handle, 'w-record', 10, 30_000, [projectId]);
    const outcome = await processRun(services(), 'w-record', run, policy);
    expect(outcome?.status).toBe('succeeded');
    expect(await runOf(flowId)).toMatchObject({ status: 'succeeded', error: null });
    expect(await stepsOf(run.id)).toEqual([
      { node_id: 'call', status: 'succeeded', output: { called: calls }, error: null },
      { node_id: 'note', status: 'succeeded', output: { noted: true }, error: null },
    ]);
  });

  it('the pure steps before a failing step are recorded with the failure', async () => {
    const { projectId } = await queuedRun('test_refused');
    const [run] = await claimRuns(handle, 'w-record', 10, 30_000, [projectId]);
    const outcome = await processRun(services(), 'w-record', run, policy);
    expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    expect(await stepsOf(run.id)).toEqual([
      { node_id: 'call', status: 'failed', output: null, error: 'The service refused this request for good.' },
      { node_id: 'note', status: 'succeeded', output: { noted: true }, error: null },
    ]);
  });
});

describe('a final status the database refuses', () => {
  const FINAL = /update flow_run set status = 'succeeded', error = null/;

  it('is written once the database answers again, with no hooks given', async () => {
    const { projectId, flowId } = await queuedRun('test_call');
    const db = databaseThat(handle, FINAL, (call) => (call <= 2 ? 'fail' : 'pass'));
    const [run] = await claimRuns(handle, 'w-refused', 10, 30_000, [projectId]);
    const outcome = await processRun(
      createRunServices({ database: db.database, executors: doubles }),
      'w-refused',
      run,
      policy,
    );
    expect(outcome?.status).toBe('succeeded');
    expect(db.calls()).toBe(3);
    expect(await runOf(flowId)).toMatchObject({ status: 'succeeded', error: null });
  });

  it('is tried again after 50 ms, then twice as long each time, never waiting more than half a second', async () => {
    expect([0, 1, 2, 3, 4, 5, 9].map(finishRetryDelayMs)).toEqual([50, 100, 200, 400, 500, 500, 500]);
    const { projectId, flowId } = await queuedRun('test_call');
    const db = databaseThat(handle, FINAL, (call) => (call <= 4 ? 'fail' : 'pass'));
    const refusedAt: number[] = [];
    const [run] = await claimRuns(handle, 'w-refused', 10, 30_000, [projectId]);
    await processRun(
      createRunServices({ database: db.database, executors: doubles }),
      'w-refused',
      run,
      policy,
      undefined,
      {
        onFinishError: () => refusedAt.push(performance.now()),
      },
    );
    const writtenAt = performance.now();
    expect(refusedAt).toHaveLength(4);
    // Each wait is at least its delay (a busy machine only makes them longer): 50 + 100 + 200 + 400 ms in all.
    const waits = [...refusedAt.slice(1), writtenAt].map((t, i) => t - refusedAt[i]);
    for (const [i, delay] of [50, 100, 200, 400].entries()) expect(waits[i]).toBeGreaterThanOrEqual(delay - 5);
    expect(writtenAt - refusedAt[0]).toBeGreaterThanOrEqual(745);
    expect(await runOf(flowId)).toMatchObject({ status: 'succeeded' });
  });
});

describe('runs that cannot finish', () => {
  it('a run past its attempts (its workers kept dying) fails for good without running a step', async () => {
    const { projectId, flowId } = await queuedRun('test_call');
    await handle.db.execute(sql`update flow_run set attempt = max_attempts where flow_id = ${flowId}`);
    const before = calls;
    const deadLetters = await observed('dead_letter');
    const [run] = await claimRuns(handle, 'w-giveup', 10, 30_000, [projectId]);
    expect(run.attempt).toBe(run.max_attempts + 1);
    const outcome = await processRun(services(), 'w-giveup', run, policy);
    expect(outcome).toMatchObject({
      status: 'failed',
      error: 'Gave up: the run kept dying mid-flight.',
      permanent: true,
      steps: [],
    });
    expect(calls).toBe(before);
    expect(await runOf(flowId)).toMatchObject({ status: 'failed', error: 'Gave up: the run kept dying mid-flight.' });
    expect(await observed('dead_letter')).toBe(deadLetters + 1);
  });

  it('a run that lost its flow version is retried later with the reason, not dropped', async () => {
    const { projectId, flowId } = await queuedRun('test_call');
    await handle.db.execute(sql`update flow_run set flow_version_id = null where flow_id = ${flowId}`);
    const [run] = await claimRuns(handle, 'w-version', 10, 30_000, [projectId]);
    const outcome = await processRun(services(), 'w-version', run, policy);
    expect(outcome).toMatchObject({
      status: 'failed',
      error: 'The run has no flow version.',
      permanent: false,
      steps: [],
    });
    const row = await runOf(flowId);
    expect(row).toMatchObject({ status: 'queued', error: 'The run has no flow version.' });
    // attempt 1 waits between half and all of the base backoff (60 s here)
    expect(row.wait_s).toBeGreaterThan(25);
    expect(row.wait_s).toBeLessThanOrEqual(61);
  });
});

describe('a run whose flow version was deleted after it was claimed', () => {
  it('is retried later, saying its flow version no longer exists', async () => {
    const { projectId, flowId } = await queuedRun('test_call');
    const [run] = await claimRuns(handle, 'w-gone', 10, 30_000, [projectId]);
    await handle.db.execute(sql`update flow set published_version_id = null where id = ${flowId}`);
    await handle.db.execute(sql`delete from flow_version where id = ${run.flow_version_id}`);
    const outcome = await processRun(services(), 'w-gone', run, policy);
    expect(outcome).toMatchObject({
      status: 'failed',
      error: 'The flow version of this run no longer exists.',
      permanent: false,
    });
    expect(await runOf(flowId)).toMatchObject({
      status: 'queued',
      error: 'The flow version of this run no longer exists.',
    });
  });
});

describe('how long a failed run waits', () => {
  it('doubles from the base per attempt up to the cap, jittered between half and all of it', () => {
    const p: RetryPolicy = { backoffBaseMs: 1000, backoffMaxMs: 5000 };
    vi.spyOn(Math, 'random').mockReturnValue(0);
    expect([0, 1, 2, 3, 4, 10].map((a) => backoffMs(a, p))).toEqual([500, 500, 1000, 2000, 2500, 2500]);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    expect([1, 2, 3].map((a) => backoffMs(a, p))).toEqual([750, 1500, 3000]);
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    expect([1, 3, 10].map((a) => backoffMs(a, p))).toEqual([1000, 3998, 4998]);
  });
});

describe('whose runs a claim takes, and for how long', () => {
  it('takes the due runs of every project it is given and none of the others', async () => {
    const a = await queuedRun('test_call');
    const b = await queuedRun('test_call');
    const c = await queuedRun('test_call');
    const claimed = await claimRuns(handle, 'w-scope', 10, 30_000, [a.projectId, b.projectId]);
    expect(claimed.map((r) => r.project_id).sort()).toEqual([a.projectId, b.projectId].sort());
    expect(await runOf(c.flowId)).toMatchObject({ status: 'queued', attempt: 0 });
  });

  it('renews only its own leases, by the lease length asked for', async () => {
    const { projectId, flowId } = await queuedRun('test_call');
    const [run] = await claimRuns(handle, 'w-lease', 10, 2_000, [projectId]);
    const leaseLeft = async () =>
      (
        await executeRows<{ s: number }>(
          handle.db,
          sql`select extract(epoch from (lease_until - now()))::float as s from flow_run where flow_id = ${flowId}`,
        )
      )[0].s;
    expect(await leaseLeft()).toBeLessThanOrEqual(2);
    await extendLeases(handle, 'someone-else', [run.id], 600_000);
    expect(await leaseLeft()).toBeLessThanOrEqual(2);
    await extendLeases(handle, 'w-lease', [], 600_000);
    expect(await leaseLeft()).toBeLessThanOrEqual(2);
    await extendLeases(handle, 'w-lease', [run.id], 600_000);
    const left = await leaseLeft();
    expect(left).toBeGreaterThan(590);
    expect(left).toBeLessThanOrEqual(600);
  });

  it('with no list of projects, takes the due runs of any project, oldest first', async () => {
    const a = await queuedRun('test_call');
    const b = await queuedRun('test_call');
    // Due since long before any other test's run (on PostgreSQL the test files share one database): a claim of two
    // takes exactly these, whichever project they belong to, and leaves everyone else's runs alone.
    await handle.db.execute(
      sql`update flow_run set run_after = timestamptz '2000-01-01' where flow_id in (${a.flowId}, ${b.flowId})`,
    );
    const claimed = await claimRuns(handle, 'w-any', 2, 30_000);
    // Ended at once, so that no later claim on a shared database takes these ancient runs over.
    await handle.db.execute(
      sql`update flow_run set status = 'succeeded', lease_until = null where flow_id in (${a.flowId}, ${b.flowId})`,
    );
    expect(claimed.map((r) => r.project_id).sort()).toEqual([a.projectId, b.projectId].sort());
  });

  it('releases the runs it names at once (two or none at a time), and only its own', async () => {
    const a = await queuedRun('test_call');
    const b = await queuedRun('test_call');
    const c = await queuedRun('test_call');
    const mine = await claimRuns(handle, 'w-release', 10, 600_000, [a.projectId, b.projectId]);
    const [theirs] = await claimRuns(handle, 'w-other', 10, 600_000, [c.projectId]);
    await releaseRuns(handle, 'w-release', []);
    await releaseRuns(handle, 'w-release', [...mine.map((r) => r.id), theirs.id]);
    const leaseLeft = async (flowId: string) =>
      (
        await executeRows<{ s: number }>(
          handle.db,
          sql`select extract(epoch from (lease_until - now()))::float as s from flow_run where flow_id = ${flowId}`,
        )
      )[0].s;
    expect(await leaseLeft(a.flowId)).toBeLessThan(0);
    expect(await leaseLeft(b.flowId)).toBeLessThan(0);
    expect(await leaseLeft(c.flowId)).toBeGreaterThan(500);
    // Released runs are taken again at once.
    const again = await claimRuns(handle, 'w-next', 10, 30_000, [a.projectId, b.projectId]);
    expect(again).toHaveLength(2);
  });

  it('takes no more runs than its free slots, the oldest first, whether they wait to be taken over or are queued', async () => {
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await queuedRun('test_call'));
    const projectIds = runs.map((r) => r.projectId);
    const [a, b, c, d, e] = runs;
    // a and b were claimed by a worker whose leases ran out (no heartbeat row: taken as soon as they run out).
    await claimRuns(handle, 'w-gone', 10, 1, [a.projectId, b.projectId]);
    const due = async (run: { flowId: string }, seconds: number) =>
      handle.db.execute(
        sql`update flow_run set run_after = now() + make_interval(secs => ${seconds}) where flow_id = ${run.flowId}`,
      );
    await due(a, -50);
    await due(d, -40);
    await due(c, -30);
    await due(e, -20);
    await due(b, 10);
    await new Promise((r) => setTimeout(r, 20));
    const claim = async (slots: number) =>
      (await claimRuns(handle, 'w-slots', slots, 30_000, projectIds)).map((r) => [r.project_id, r.attempt]);
    const byProject = (rows: (number | string)[][]) => [...rows].sort((x, y) => Number(x[0]) - Number(y[0]));
    expect(byProject(await claim(3))).toEqual(
      byProject([
        [a.projectId, 2],
        [d.projectId, 1],
        [c.projectId, 1],
      ]),
    );
    expect(await claim(1)).toEqual([[e.projectId, 1]]);
    expect(await claim(1)).toEqual([[b.projectId, 2]]);
  });

  it('without heartbeats of its own, takes over a run whose lease ran out even if its holder still beats', async () => {
    const { projectId, flowId } = await queuedRun('test_call');
    const [run] = await claimRuns(handle, 'w-holder', 10, 1, [projectId]);
    await beat(handle, { workerId: 'w-holder', kind: 'worker', activeRuns: 1, restarts: 0, staleMs: 5000 });
    await new Promise((r) => setTimeout(r, 20));
    const taken = await claimRuns(handle, 'w-taker', 10, 30_000, [projectId], 0);
    expect(taken.map((r) => r.id)).toEqual([run.id]);
    expect(await runOf(flowId)).toMatchObject({ status: 'running', attempt: 2 });
  });

  it('takes over a run whose lease ran out only on a claim that looks for them (a worker looks once per heartbeat)', async () => {
    const { projectId, flowId } = await queuedRun('test_call');
    const [run] = await claimRuns(handle, 'w-holder', 10, 1, [projectId]);
    await new Promise((r) => setTimeout(r, 20));
    expect(await claimRuns(handle, 'w-taker', 10, 30_000, [projectId], 0, false)).toEqual([]);
    expect(await runOf(flowId)).toMatchObject({ status: 'running', attempt: 1 });
    const taken = await claimRuns(handle, 'w-taker', 10, 30_000, [projectId], 0, true);
    expect(taken.map((r) => r.id)).toEqual([run.id]);
  });
});

describe('a worker looking for runs to take over', () => {
  it('takes over a dead worker’s run while it claims queued runs several times a heartbeat', async () => {
    const { projectId, flowId } = await queuedRun('test_call');
    // A worker that claimed the run and died: its 200 ms lease runs out, and it never beats.
    await claimRuns(handle, 'w-dead', 10, 200, [projectId]);
    const workers = await startWorkers(services(), {
      pollMs: 20,
      heartbeatMs: 300,
      projectIds: [projectId],
    });
    try {
      await waitFor(async () => (await runOf(flowId))?.status === 'succeeded');
      expect(await runOf(flowId)).toMatchObject({ status: 'succeeded', attempt: 2 });
    } finally {
      await workers.stop();
    }
  });
});

describe('what each outcome tells', () => {
  it('counts succeeded, retried and dead-lettered attempts by outcome, and logs each with its figures', async () => {
    const { logger, lines } = captureLogger('debug');
    const before = {
      succeeded: await observed('succeeded'),
      retry: await observed('retry'),
      dead: await observed('dead_letter'),
    };
    const ok = await queuedRun('test_call');
    const down = await queuedRun('test_down');
    const refused = await queuedRun('test_refused');
    for (const q of [ok, down, refused]) {
      const [run] = await claimRuns(handle, 'w-tell', 10, 30_000, [q.projectId]);
      await processRun(services(), 'w-tell', run, policy, undefined, { logger });
    }
    expect(await observed('succeeded')).toBe(before.succeeded + 1);
    expect(await observed('retry')).toBe(before.retry + 1);
    expect(await observed('dead_letter')).toBe(before.dead + 1);

    const line = (msg: string) => lines.find((l) => l.msg === msg);
    expect(line('run succeeded')).toMatchObject({ level: 'debug', attempt: 1, maxAttempts: expect.any(Number) });
    const retrying = line('run failed; retrying');
    expect(retrying).toMatchObject({ level: 'warn', attempt: 1, error: 'call: The service is down.' });
    expect(retrying?.retryInMs).toBeGreaterThanOrEqual(30_000);
    expect(line('run failed for good')).toMatchObject({
      level: 'error',
      permanent: true,
      error: 'call: The service refused this request for good.',
    });
    expect(await runOf(down.flowId)).toMatchObject({ status: 'queued', error: 'call: The service is down.' });
  });

  it('measures a run by its own duration: in the log in milliseconds, in the histogram in seconds', async () => {
    const { logger, lines } = captureLogger('debug');
    const sum = async () =>
      (await metrics.runDuration.get()).values.find(
        (v) => v.metricName === 'tillflow_run_duration_seconds_sum' && v.labels.outcome === 'succeeded',
      )?.value ?? 0;
    const before = await sum();
    const slow = await queuedRun('test_slow');
    const [run] = await claimRuns(handle, 'w-time', 10, 30_000, [slow.projectId]);
    const t0 = performance.now();
    await processRun(services(), 'w-time', run, policy, undefined, { logger });
    const wall = performance.now() - t0;
    const ms = lines.find((l) => l.msg === 'run succeeded')?.ms as number;
    expect(ms).toBeGreaterThanOrEqual(140);
    expect(ms).toBeLessThanOrEqual(wall + 1);
    const seconds = (await sum()) - before;
    expect(seconds).toBeGreaterThanOrEqual(0.14);
    expect(seconds).toBeLessThanOrEqual((wall + 1) / 1000);
    expect(Math.abs(seconds * 1000 - ms)).toBeLessThan(2);
  });
});
