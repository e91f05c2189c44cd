import { queryRows } from '@tillflow/data-model';
import { createDb, type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, startWorkers, type Workers } from '../src';
import { createHookedFlow, createRuntimeProject, ledgerFlow, post, stripeEvent, waitFor } from './harness';

// Several worker pools share the queue: on PostgreSQL each has its own
// connection pool (as separate processes would); PGlite has one connection.
let handles: DbHandle[] = [];
let pools: Workers[] = [];
let projectId: number;

beforeAll(async () => {
  const first = await createTestDb();
  handles = [first];
  if (process.env.DATABASE_URL) handles.push(await createDb({ url: process.env.DATABASE_URL, migrate: false }));
  projectId = (await createRuntimeProject(first)).id;
  for (const [i, handle] of [first, handles[handles.length - 1], first].entries())
    pools.push(
      await startWorkers(createRunServices({ database: handle }), {
        concurrency: 4,
        pollMs: 20,
        projectIds: [projectId],
        workerId: `pool-${i}`,
      }),
    );
});
afterAll(async () => {
  for (const w of pools) await w.stop();
  for (const h of handles) await h.close();
  pools = [];
});

describe('several workers on one database', () => {
  it('runs each of 60 events exactly once across three worker pools', async () => {
    const [handle] = handles;
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const events = Array.from({ length: 60 }, (_, i) => stripeEvent('payment_intent.succeeded', { amount: i + 1 }));
    await Promise.all(events.map((e) => post(handle, hook.endpointId, hook.secret, e)));
    await waitFor(async () => {
      const runs = await executeRows<{ status: string; error: string | null }>(
        handle.db,
        sql`select status, error from flow_run where flow_id = ${hook.flow.id}`,
      );
      const failed = runs.find((r) => r.status === 'failed');
      if (failed) throw new Error(`A run failed: ${failed.error}`); // say why at once, not after the wait
      return runs.filter((r) => r.status === 'succeeded').length === 60;
      // 1.6 s alone; CI's PGlite pass on 2 busy cores took over 30 s. A lost run still never arrives.
    }, 100_000);
    const runs = await executeRows<{ attempt: number; locked_by: string }>(
      handle.db,
      sql`select attempt, locked_by from flow_run where flow_id = ${hook.flow.id}`,
    );
    expect(runs.every((r) => Number(r.attempt) === 1)).toBe(true);
    expect(new Set(runs.map((r) => r.locked_by)).size).toBeGreaterThan(1); // the work was shared
    const rows = (await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', { limit: 500 })).rows;
    const mine = rows.filter((r) => events.some((e) => e.id === r.event_id));
    expect(mine).toHaveLength(60);
    expect(mine.every((r) => r.note === 'done' && Number(r.amount) % 2 === 0)).toBe(true);
  });
});
