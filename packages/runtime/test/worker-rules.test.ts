// The worker loop's promises in one process, with an outbound step whose answer the test holds back: no more runs at
// once than its concurrency, a shutdown that waits for runs in progress, and one past its deadline that hands the
// runs still in flight to another worker at once (lease released, heartbeat gone); that worker's late answer is
// kept as the step's result (the call happened) and never makes the call twice. Written for worker.ts's survivors.
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, type NodeExecutor, startWorkers } from '../src';
import { claimRuns, processRun } from '../src/run-queue';
import { createHookedFlow, createRuntimeProject, post, stripeEvent, waitFor } from './harness';

let handle: DbHandle;
/** Calls of the held step in progress, each waiting for the test to answer it. */
const held: { runId: string; answer: () => void }[] = [];
let started = 0;
const doubles: Record<string, NodeExecutor> = {
  test_held: {
    effect: 'external',
    execute: (ctx) =>
      new Promise((resolve) => {
        started += 1;
        held.push({ runId: ctx.runId, answer: () => resolve({ answered: true }) });
      }),
  },
};
const services = () => createRunServices({ database: handle, executors: doubles });

beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  for (const h of held.splice(0)) h.answer();
  await handle?.close();
});

async function projectWithHeldRuns(count: number) {
  const project = await createRuntimeProject(handle);
  const hook = await createHookedFlow(
    handle,
    project.id,
    {
      trigger: { type: 'stripe_webhook', eventTypes: ['charge.succeeded'] },
      nodes: [{ id: 'call', type: 'test_held' }],
      edges: [],
    },
    { skipValidation: true },
  );
  for (let i = 0; i < count; i++) await post(handle, hook.endpointId, hook.secret, stripeEvent('charge.succeeded'));
  return { projectId: project.id, flowId: hook.flow.id };
}

type RunRow = { id: string; status: string; locked_by: string | null; lease_left_s: number | null; attempt: number };
const runsOf = (flowId: string) =>
  executeRows<RunRow>(
    handle.db,
    sql`select id, status, locked_by, attempt, extract(epoch from (lease_until - now()))::float as lease_left_s
        from flow_run where flow_id = ${flowId} order by created_at`,
  );
const heartbeatOf = async (workerId: string) =>
  (await executeRows(handle.db, sql`select 1 from worker_heartbeat where worker_id = ${workerId}`)).length;

describe('a worker pool', () => {
  it('runs no more at once than its concurrency, and takes the next as one finishes', async () => {
    const { projectId, flowId } = await projectWithHeldRuns(3);
    const startedBefore = started;
    const workers = await startWorkers(services(), { concurrency: 2, pollMs: 20, projectIds: [projectId] });
    try {
      await waitFor(async () => started - startedBefore === 2);
      await new Promise((r) => setTimeout(r, 200));
      expect(started - startedBefore).toBe(2);
      expect(workers.active()).toBe(2);
      expect((await runsOf(flowId)).filter((r) => r.status === 'queued')).toHaveLength(1);
      held.shift()?.answer();
      await waitFor(async () => started - startedBefore === 3);
      for (const h of held.splice(0)) h.answer();
      await workers.idle();
      expect(workers.active()).toBe(0);
      expect((await runsOf(flowId)).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    } finally {
      await workers.stop();
    }
  });

  it('stopping waits for the runs in progress to finish, then leaves no heartbeat behind', async () => {
    const { projectId, flowId } = await projectWithHeldRuns(1);
    const workers = await startWorkers(services(), { concurrency: 2, pollMs: 20, projectIds: [projectId] });
    await waitFor(async () => held.length === 1);
    expect(await heartbeatOf(workers.workerId)).toBe(1);
    let stopped = false;
    const stopping = workers.stop().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(stopped).toBe(false);
    held.shift()?.answer();
    await stopping;
    expect((await runsOf(flowId))[0]).toMatchObject({ status: 'succeeded', locked_by: workers.workerId });
    expect(await heartbeatOf(workers.workerId)).toBe(0);
  });

  it('past its shutdown deadline, hands the runs still in flight to another worker at once; a late answer is reused, never called twice', async () => {
    const { projectId, flowId } = await projectWithHeldRuns(1);
    const workers = await startWorkers(services(), {
      concurrency: 2,
      pollMs: 20,
      leaseMs: 60_000,
      projectIds: [projectId],
    });
    await waitFor(async () => held.length === 1);
    const [before] = await runsOf(flowId);
    expect(before).toMatchObject({ status: 'running', locked_by: workers.workerId });
    expect(before.lease_left_s).toBeGreaterThan(50);

    await workers.stop({ deadlineMs: 100 });
    const [released] = await runsOf(flowId);
    expect(released).toMatchObject({ status: 'running', locked_by: workers.workerId });
    expect(released.lease_left_s).toBeLessThan(0);
    expect(await heartbeatOf(workers.workerId)).toBe(0);

    // Another worker (no heartbeats of its own) takes it at once, not after the 60 s lease.
    const [taken] = await claimRuns(handle, 'w-next', 10, 30_000, [projectId]);
    expect(taken).toMatchObject({ id: before.id, attempt: 2 });
    // The stopped worker's call answers late: the call did happen, so its result is kept for the step, but the
    // run is no longer its own: it neither finishes nor re-queues it.
    const calls = started;
    held.shift()?.answer();
    await new Promise((r) => setTimeout(r, 200));
    expect((await runsOf(flowId))[0]).toMatchObject({ status: 'running', locked_by: 'w-next', attempt: 2 });
    // The new holder reuses that answer instead of calling again, and finishes the run.
    await processRun(services(), 'w-next', taken, { backoffBaseMs: 10, backoffMaxMs: 10 });
    expect(started).toBe(calls);
    expect((await runsOf(flowId))[0]).toMatchObject({ status: 'succeeded', locked_by: 'w-next' });
  });

  it('beats into worker_heartbeat with what it is (its kind, restarts, process) and the runs it has in progress', async () => {
    const { projectId } = await projectWithHeldRuns(2);
    const beatOf = async (workerId: string) =>
      (
        await executeRows<{ kind: string; restarts: number; pid: number; active_runs: number }>(
          handle.db,
          sql`select kind, restarts, pid, active_runs from worker_heartbeat where worker_id = ${workerId}`,
        )
      )[0];
    const studio = await startWorkers(services(), {
      concurrency: 4,
      pollMs: 20,
      heartbeatMs: 200,
      kind: 'studio',
      restarts: 2,
      projectIds: [projectId],
    });
    try {
      await waitFor(async () => (await beatOf(studio.workerId))?.active_runs === 2);
      expect(await beatOf(studio.workerId)).toEqual({ kind: 'studio', restarts: 2, pid: process.pid, active_runs: 2 });
      for (const h of held.splice(0)) h.answer();
      await waitFor(async () => (await beatOf(studio.workerId))?.active_runs === 0);
    } finally {
      await studio.stop();
    }
    // By default a pool is a worker's, never restarted.
    const plain = await startWorkers(services(), { pollMs: 20, projectIds: [projectId] });
    try {
      await waitFor(async () => beatOf(plain.workerId));
      expect(await beatOf(plain.workerId)).toMatchObject({ kind: 'worker', restarts: 0, active_runs: 0 });
    } finally {
      await plain.stop();
    }
  });

  it('is idle only when no run is in progress and none is due', async () => {
    const { projectId, flowId } = await projectWithHeldRuns(1);
    const workers = await startWorkers(services(), { concurrency: 2, pollMs: 20, projectIds: [projectId] });
    try {
      await waitFor(async () => held.length === 1);
      let idle = false;
      const idling = workers.idle().then(() => {
        idle = true;
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(idle).toBe(false);
      held.shift()?.answer();
      await idling;
      expect((await runsOf(flowId))[0]).toMatchObject({ status: 'succeeded' });
    } finally {
      await workers.stop();
    }
  });

  it('a shutdown deadline not yet reached lets the run in progress finish in this worker’s hands', async () => {
    const { projectId, flowId } = await projectWithHeldRuns(1);
    const workers = await startWorkers(services(), { concurrency: 2, pollMs: 20, projectIds: [projectId] });
    await waitFor(async () => held.length === 1);
    const stopping = workers.stop({ deadlineMs: 60_000 });
    await new Promise((r) => setTimeout(r, 100));
    held.shift()?.answer();
    await stopping;
    expect((await runsOf(flowId))[0]).toMatchObject({ status: 'succeeded', locked_by: workers.workerId, attempt: 1 });
  });
});
