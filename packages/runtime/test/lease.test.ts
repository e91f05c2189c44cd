import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, startWorkers, type Workers } from '../src';
import { claimRuns, processRun } from '../src/run-queue';
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

// Leases: a run belongs to the worker whose lease holds. A worker that is
// still working renews its lease (the heartbeat), so a second worker polling
// meanwhile never takes the run; a worker that lost its lease (paused past it:
// a long GC, a frozen VM, a partition) may not record how the run ended once
// another worker has taken it over. Both are checked through real workers
// and the worker's own claim/finish functions, with an HTTP node whose answer
// the test holds back for as long as it needs.

let handle: DbHandle;
let projectId: number;
/** The HTTP node's upstream: the test decides how long each call waits and how it is answered. */
let upstream: TestEndpoint;
const pools: Workers[] = [];

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
  upstream = await startTestEndpoint('/slow');
});
afterEach(async () => {
  for (const pool of pools.splice(0)) await pool.stop();
});
afterAll(async () => {
  await upstream?.close();
  await handle?.close();
});

const slowFlow = (): LooseFlow => ({
  trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
  nodes: [{ id: 'call', type: 'http_request', config: { method: 'POST', url: upstream.url, timeoutMs: 30_000 } }],
  edges: [],
});

async function runOf(flowId: string) {
  const [run] = await executeRows<{ id: string; status: string; attempt: number; locked_by: string; error: string }>(
    handle.db,
    sql`select id, status, attempt, locked_by, error from flow_run where flow_id = ${flowId}`,
  );
  return run;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('run leases', () => {
  it('a worker busy for longer than its lease keeps the run: its heartbeat stops a polling worker from taking it over', async () => {
    upstream.resetHits();
    upstream.answer = async () => {
      await sleep(4000); // more than three leases long
      return 200;
    };
    const hook = await createHookedFlow(handle, projectId, slowFlow());
    const options = { leaseMs: 1200, pollMs: 50, projectIds: [projectId], egress: loopbackEgress() };
    pools.push(await startWorkers(createRunServices({ database: handle }), { ...options, workerId: 'lease-holder' }));
    await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
    await waitFor(async () => upstream.hits === 1);
    pools.push(await startWorkers(createRunServices({ database: handle }), { ...options, workerId: 'lease-poller' }));
    const run = await waitFor(async () => {
      const r = await runOf(hook.flow.id);
      return r.status === 'succeeded' ? r : null;
    });
    expect(run).toMatchObject({ attempt: 1, locked_by: 'lease-holder' });
    expect(upstream.hits).toBe(1); // the poller never ran the node a second time
  }, 30_000);

  it('a worker that lost its lease cannot re-open or fail the run another worker took over and finished', async () => {
    upstream.resetHits();
    let releaseStale: (status: number) => void = () => {};
    upstream.answer = (hit) =>
      hit === 1
        ? new Promise<number>((resolve) => {
            releaseStale = resolve; // the stale worker's call hangs until the test answers it
          })
        : Promise.resolve(200);
    const hook = await createHookedFlow(handle, projectId, slowFlow());
    await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));

    // The stale worker claims with a short lease and then never renews it (no heartbeat: it is paused).
    const [claimed] = await claimRuns(handle, 'stale-worker', 1, 300, [projectId]);
    expect(claimed.attempt).toBe(1);
    const policy = { backoffBaseMs: 10, backoffMaxMs: 10 };
    const stale = processRun(
      createRunServices({ database: handle }),
      'stale-worker',
      claimed,
      policy,
      loopbackEgress(),
    );
    await waitFor(async () => upstream.hits === 1);
    await sleep(400); // its lease has run out

    pools.push(
      await startWorkers(createRunServices({ database: handle }), {
        workerId: 'taker',
        leaseMs: 10_000,
        pollMs: 50,
        projectIds: [projectId],
        egress: loopbackEgress(),
      }),
    );
    const taken = await waitFor(async () => {
      const r = await runOf(hook.flow.id);
      return r.status === 'succeeded' ? r : null;
    });
    expect(taken).toMatchObject({ attempt: 2, locked_by: 'taker' });

    // Now the stale worker's call fails (a retryable 503) and it tries to record that outcome.
    releaseStale(503);
    const outcome = await stale;
    expect(outcome).toMatchObject({ status: 'failed', permanent: false });
    await sleep(300); // a re-opened run would be claimed again within a few polls
    expect(await runOf(hook.flow.id)).toMatchObject({ status: 'succeeded', attempt: 2, error: null });
    expect(upstream.hits).toBe(2);
  }, 30_000);
});
