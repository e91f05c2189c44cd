import { type DbHandle, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createRunServices, startWorkers } from '../src';
import { createHookedFlow, createRuntimeProject, post, stripeEvent, waitFor } from './harness';
import { databaseOnlyLedgerFlow, ledgerRows, sharedDatabase, spawnWorker, stepsOf } from './worker-process';

// Consecutive database nodes, their step records and the run's final status commit in one transaction.
// A worker SIGKILLed inside that transaction (after the first database node wrote its effect and its step
// record, before the commit) must leave nothing behind, and another worker must finish the run once.
// PGlite: one process at a time opens a folder database, so the parent closes it while the child runs.
const { pglite, dir, open } = sharedDatabase('tillflow-shared-tx-');

describe('one transaction per database-only stretch of a run', () => {
  it('a worker killed inside the shared transaction leaves no partial effect; another worker completes the run once', async () => {
    let handle: DbHandle = await open();
    const project = await createRuntimeProject(handle);
    const hook = await createHookedFlow(handle, project.id, databaseOnlyLedgerFlow());
    const event = stripeEvent('payment_intent.succeeded');
    expect((await post(handle, hook.endpointId, hook.secret, event)).status).toBe(200);
    if (pglite) await handle.close();

    // step:1: killed right after the first database node wrote its row and its step record, uncommitted.
    const child = spawnWorker(dir, project.id, { TILLFLOW_TEST_CRASH_AT: 'step:1' });
    const exited = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    expect(exited).toBe('SIGKILL');

    if (pglite) handle = await open();
    const [mid] = await executeRows<{ id: string; status: string; attempt: number }>(
      handle.db,
      sql`select id, status, attempt from flow_run where flow_id = ${hook.flow.id}`,
    );
    expect(mid).toMatchObject({ status: 'running', attempt: 1 });
    // Nothing of the dead worker's transaction: no ledger row, no step record.
    expect(await ledgerRows(handle, project.id, event.id)).toHaveLength(0);
    const stepsAfterKill = await executeRows(handle.db, sql`select id from flow_step where run_id = ${mid.id}`);
    expect(stepsAfterKill).toHaveLength(0);
    const workers = await startWorkers(createRunServices({ database: handle }), {
      pollMs: 50,
      leaseMs: 3000,
      projectIds: [project.id],
    });
    try {
      const run = await waitFor(async () => {
        const [row] = await executeRows<{ status: string; attempt: number }>(
          handle.db,
          sql`select status, attempt from flow_run where id = ${mid.id}`,
        );
        return row.status === 'succeeded' ? row : null;
      }, 60_000);
      expect(run.attempt).toBe(2);
      const rows = await ledgerRows(handle, project.id, event.id);
      expect(rows).toHaveLength(1);
      expect(rows[0].note).toBe('finished');
      expect(await stepsOf(handle, mid.id)).toEqual([
        ['check', 'succeeded', 2],
        ['finish', 'succeeded', 2],
        ['record', 'succeeded', 2],
        ['trigger', 'succeeded', 2],
      ]);
    } finally {
      await workers.stop();
      await handle.close();
    }
  }, 240_000); // a child process that compiles and opens its database: slow on a loaded machine

  it('a database-only run writes its effects, its step records and its succeeded status in one commit', async () => {
    const handle = await open();
    try {
      const project = await createRuntimeProject(handle);
      const hook = await createHookedFlow(handle, project.id, databaseOnlyLedgerFlow());
      const event = stripeEvent('payment_intent.succeeded');
      expect((await post(handle, hook.endpointId, hook.secret, event)).status).toBe(200);
      const workers = await startWorkers(createRunServices({ database: handle }), {
        pollMs: 50,
        projectIds: [project.id],
      });
      let runId: string;
      try {
        runId = await waitFor(async () => {
          const [row] = await executeRows<{ id: string; status: string }>(
            handle.db,
            sql`select id, status from flow_run where flow_id = ${hook.flow.id}`,
          );
          return row?.status === 'succeeded' ? row.id : null;
        });
      } finally {
        await workers.stop();
      }
      // xmin is the transaction that wrote each row version: one for the run's status, its steps and its row.
      const writers = await executeRows<{ xid: string }>(
        handle.db,
        sql`select xmin::text as xid from flow_run where id = ${runId}
            union all select xmin::text from flow_step where run_id = ${runId}`,
      );
      const [schema] = await executeRows<{ schema_name: string }>(
        handle.db,
        sql`select schema_name from project where id = ${project.id}`,
      );
      const [physical] = await executeRows<{ physical_name: string }>(
        handle.db,
        sql`select physical_name from data_table where project_id = ${project.id} and name = 'ledger'`,
      );
      const [row] = await ledgerRows(handle, project.id, event.id);
      const effect = await executeRows<{ xid: string }>(
        handle.db,
        sql`select xmin::text as xid from ${sql.identifier(schema.schema_name)}.${sql.identifier(physical.physical_name)}
            where id = ${row.id}`,
      );
      writers.push(...effect);
      expect(writers).toHaveLength(6); // the run; the trigger, record, check and finish steps; the ledger row
      expect(new Set(writers.map((w) => w.xid)).size).toBe(1);
    } finally {
      await handle.close();
    }
  }, 60_000);
});
