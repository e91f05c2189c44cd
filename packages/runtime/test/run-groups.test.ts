import { type DbHandle, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createRunServices, startWorkers } from '../src';
import { claimRuns, groupClaimedRuns, processRunGroup } from '../src/run-queue';
import { createHookedFlow, createRuntimeProject, type LooseFlow, post, stripeEvent, waitFor } from './harness';
import { databaseOnlyLedgerFlow, ledgerRows, sharedDatabase, spawnWorker, stepsOf } from './worker-process';

// Database-only first attempts of one project claimed together run one after another in ONE transaction (a run
// group): their effects, step records and statuses commit together, or nothing of the group does and each run is
// processed on its own. PGlite: one process at a time opens a folder database, so the parent closes it while a
// child worker runs.
const { pglite, dir, open } = sharedDatabase('tillflow-run-groups-');

/** The database-only ledger flow with the event's amount. */
const ledgerFlow = () => databaseOnlyLedgerFlow('{{trigger.data.object.amount}}');

/** The same flow with an outbound HTTP call after the insert: never grouped. */
function flowWithHttp(): LooseFlow {
  const flow = ledgerFlow();
  return {
    ...flow,
    nodes: [
      ...flow.nodes,
      { id: 'tell', type: 'http_request', config: { url: 'http://127.0.0.1:9/x', method: 'GET' } },
    ],
    edges: [...flow.edges, { source: 'finish', target: 'tell' }],
  };
}

async function postEvents(handle: DbHandle, hook: { endpointId: string; secret: string }, amounts: unknown[]) {
  const events = amounts.map((amount) => stripeEvent('payment_intent.succeeded', { amount }));
  for (const event of events) expect((await post(handle, hook.endpointId, hook.secret, event)).status).toBe(200);
  return events;
}

const runsOf = (handle: DbHandle, flowId: string) =>
  executeRows<{ id: string; status: string; attempt: number; error: string | null; xid: string }>(
    handle.db,
    sql`select id, status, attempt, error, xmin::text as xid from flow_run where flow_id = ${flowId} order by created_at`,
  );

describe('runs of one project grouped in one transaction', () => {
  it('commits every run of the group together: each effect once, each run its own steps and its succeeded status', async () => {
    const handle = await open();
    try {
      const project = await createRuntimeProject(handle);
      const hook = await createHookedFlow(handle, project.id, ledgerFlow());
      const events = await postEvents(handle, hook, [5, 6, 7, 8]);
      const workers = await startWorkers(createRunServices({ database: handle }), {
        pollMs: 50,
        concurrency: 8,
        projectIds: [project.id],
      });
      try {
        await waitFor(async () =>
          (await runsOf(handle, hook.flow.id)).every((r) => r.status === 'succeeded') ? 1 : null,
        );
      } finally {
        await workers.stop();
      }
      const runs = await runsOf(handle, hook.flow.id);
      expect(runs.map((r) => [r.status, r.attempt])).toEqual(Array(4).fill(['succeeded', 1]));
      // One transaction wrote all four statuses (xmin: the writing transaction).
      expect(new Set(runs.map((r) => r.xid)).size).toBe(1);
      for (const [i, event] of events.entries()) {
        const rows = await ledgerRows(handle, project.id, event.id);
        expect(rows.map((r) => [r.note, r.amount])).toEqual([['finished', 5 + i]]);
      }
      for (const run of runs) {
        expect(await stepsOf(handle, run.id)).toEqual([
          ['check', 'succeeded', 1],
          ['finish', 'succeeded', 1],
          ['record', 'succeeded', 1],
          ['trigger', 'succeeded', 1],
        ]);
      }
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('a run of the group that fails rolls the group back: the others succeed once, the failing one fails as it would alone', async () => {
    const handle = await open();
    try {
      const project = await createRuntimeProject(handle);
      const hook = await createHookedFlow(handle, project.id, ledgerFlow());
      // The third event's amount is not a number: its insert is refused (permanently), after two runs of the group
      // had written their rows in the group's transaction.
      const events = await postEvents(handle, hook, [5, 6, 'lots', 8]);
      const services = createRunServices({ database: handle });
      const claimed = await claimRuns(handle, 'group-test-worker', 8, 30_000, [project.id]);
      expect(claimed).toHaveLength(4);
      const { groups, singles } = await groupClaimedRuns(services, claimed);
      expect(groups.map((g) => g.length)).toEqual([4]);
      expect(singles).toEqual([]);
      await processRunGroup(services, 'group-test-worker', groups[0], { backoffBaseMs: 1000, backoffMaxMs: 1000 });

      const byEvent = new Map(claimed.map((run) => [(run.trigger_payload as { id: string }).id, run.id]));
      const runs = new Map((await runsOf(handle, hook.flow.id)).map((r) => [r.id, r]));
      const failing = runs.get(byEvent.get(events[2].id) as string);
      expect(failing?.status).toBe('failed');
      expect(failing?.error).toMatch(/amount/i);
      expect(await ledgerRows(handle, project.id, events[2].id)).toHaveLength(0);
      const [failedStep] = await executeRows<{ status: string; error: string }>(
        handle.db,
        sql`select status, error from flow_step where run_id = ${failing?.id} and node_id = 'record'`,
      );
      expect(failedStep.status).toBe('failed');
      for (const event of [events[0], events[1], events[3]]) {
        expect(runs.get(byEvent.get(event.id) as string)?.status).toBe('succeeded');
        expect((await ledgerRows(handle, project.id, event.id)).map((r) => r.note)).toEqual(['finished']);
      }
      // Rolled back and done one by one: no transaction wrote two of them.
      const writers = [events[0], events[1], events[3]].map((e) => runs.get(byEvent.get(e.id) as string)?.xid);
      expect(new Set(writers).size).toBe(3);
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('a run of the group taken over by another worker rolls the group back; the group commits nothing for it', async () => {
    const handle = await open();
    try {
      const project = await createRuntimeProject(handle);
      const hook = await createHookedFlow(handle, project.id, ledgerFlow());
      const events = await postEvents(handle, hook, [5, 6, 7]);
      const services = createRunServices({ database: handle });
      const claimed = await claimRuns(handle, 'group-test-worker', 8, 30_000, [project.id]);
      const { groups } = await groupClaimedRuns(services, claimed);
      expect(groups.map((g) => g.length)).toEqual([3]);
      // Another worker took the second run over (as after a missed heartbeat): the group's fence no longer holds.
      const taken = claimed[1];
      await executeRows(
        handle.db,
        sql`update flow_run set locked_by = 'other-worker', attempt = attempt + 1 where id = ${taken.id}`,
      );
      await processRunGroup(services, 'group-test-worker', groups[0], { backoffBaseMs: 1000, backoffMaxMs: 1000 });
      const runs = new Map((await runsOf(handle, hook.flow.id)).map((r) => [r.id, r]));
      // The taken-over run stays with its new holder; the others ended on their own, each once.
      expect(runs.get(taken.id)).toMatchObject({ status: 'running', attempt: 2 });
      const others = claimed.filter((run) => run.id !== taken.id);
      expect(others.map((run) => runs.get(run.id)?.status)).toEqual(['succeeded', 'succeeded']);
      expect(new Set(others.map((run) => runs.get(run.id)?.xid)).size).toBe(2);
      for (const run of others) {
        const eventId = (run.trigger_payload as { id: string }).id;
        expect(await ledgerRows(handle, project.id, eventId)).toHaveLength(1);
      }
      expect(events).toHaveLength(3);
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('groups only first attempts of database-only flows, per project, and never a run alone', async () => {
    const handle = await open();
    try {
      const services = createRunServices({ database: handle });
      const a = await createRuntimeProject(handle);
      const b = await createRuntimeProject(handle);
      const hookA = await createHookedFlow(handle, a.id, ledgerFlow());
      const hookB = await createHookedFlow(handle, b.id, ledgerFlow());
      const hookHttp = await createHookedFlow(handle, a.id, flowWithHttp());
      await postEvents(handle, hookA, [1, 2]);
      await postEvents(handle, hookB, [3]);
      await postEvents(handle, hookHttp, [4, 5]);
      const claimed = await claimRuns(handle, 'group-rules-worker', 16, 30_000, [a.id, b.id]);
      expect(claimed).toHaveLength(5);
      const { groups, singles } = await groupClaimedRuns(services, claimed);
      // Project a's two database-only runs together; project b's lone run and the HTTP flow's runs on their own.
      expect(groups).toHaveLength(1);
      expect(new Set(groups[0].map((run) => run.flow_id))).toEqual(new Set([hookA.flow.id]));
      expect(groups[0]).toHaveLength(2);
      expect(singles.map((run) => run.flow_id).sort()).toEqual(
        [hookB.flow.id, hookHttp.flow.id, hookHttp.flow.id].sort(),
      );
      // A retry (second attempt) is never grouped: it may reuse steps an earlier attempt completed.
      const retried = groups[0].map((run) => ({ ...run, attempt: 2 }));
      expect((await groupClaimedRuns(services, retried)).groups).toEqual([]);
      await executeRows(
        handle.db,
        sql`update flow_run set status = 'failed', locked_by = null where project_id in (${a.id}, ${b.id})`,
      );
    } finally {
      await handle.close();
    }
  }, 60_000);

  it('a worker killed inside a group transaction leaves no partial effect; another worker completes each run once', async () => {
    let handle: DbHandle = await open();
    const project = await createRuntimeProject(handle);
    const hook = await createHookedFlow(handle, project.id, ledgerFlow());
    const events = await postEvents(handle, hook, [5, 6, 7, 8]);
    if (pglite) await handle.close();

    // step:3: killed after the group's first run and the second run's insert wrote in the group's transaction.
    const child = spawnWorker(dir, project.id, { TILLFLOW_TEST_CRASH_AT: 'step:3', TEST_WORKER_CONCURRENCY: '4' });
    const exited = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    expect(exited).toBe('SIGKILL');

    if (pglite) handle = await open();
    const mid = await runsOf(handle, hook.flow.id);
    expect(mid.map((r) => [r.status, r.attempt])).toEqual(Array(4).fill(['running', 1]));
    for (const event of events) expect(await ledgerRows(handle, project.id, event.id)).toHaveLength(0);
    const stepsAfterKill = await executeRows(
      handle.db,
      sql`select s.id from flow_step s join flow_run r on r.id = s.run_id where r.flow_id = ${hook.flow.id}`,
    );
    expect(stepsAfterKill).toHaveLength(0);
    const workers = await startWorkers(createRunServices({ database: handle }), {
      pollMs: 50,
      leaseMs: 3000,
      projectIds: [project.id],
    });
    try {
      const runs = await waitFor(async () => {
        const rows = await runsOf(handle, hook.flow.id);
        return rows.every((r) => r.status === 'succeeded') ? rows : null;
      }, 60_000);
      expect(runs.map((r) => r.attempt)).toEqual([2, 2, 2, 2]);
      for (const event of events) {
        const rows = await ledgerRows(handle, project.id, event.id);
        expect(rows.map((r) => r.note)).toEqual(['finished']);
      }
    } finally {
      await workers.stop();
      await handle.close();
    }
  }, 240_000);
});
