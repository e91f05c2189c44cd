import { queryRows } from '@tillflow/data-model';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, executeFlow } from '../src';
import { createHookedFlow, createRuntimeProject, insertThenBumpFlow, post, stripeEvent, toDefinition } from './harness';

// A worker that lost its lease while still alive races the worker that took
// the run over: both execute the same steps at once. The step record is
// committed with the effect and never overwrites a succeeded step, so one
// effect survives and the other execution continues with its output.
let handle: DbHandle;
let projectId: number;

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
});
afterAll(async () => {
  await handle?.close();
});

describe('two executions of one run', () => {
  it('apply each database step once, even without a unique constraint to stop the second', async () => {
    const loose = insertThenBumpFlow('race');
    const hook = await createHookedFlow(handle, projectId, loose);
    const event = stripeEvent('charge.succeeded');
    await post(handle, hook.endpointId, hook.secret, event);
    const [run] = await executeRows<{ id: string }>(
      handle.db,
      sql`select id from flow_run where flow_id = ${hook.flow.id}`,
    );
    const execute = (attempt: number) =>
      executeFlow({
        services: createRunServices({ database: handle }),
        runId: run.id,
        projectId,
        definition: toDefinition(loose),
        trigger: event,
        attempt,
        persist: true,
      });
    const [a, b] = await Promise.all([execute(1), execute(2)]);
    expect([a.status, b.status]).toEqual(['succeeded', 'succeeded']);
    const rows = (
      await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', {
        filters: [{ column: 'note', op: 'eq', value: `race ${event.id}` }],
      })
    ).rows;
    expect(rows).toHaveLength(1);
    expect(rows[0].amount).toBe(2);
    // Both executions continued with the row that was actually committed.
    const id = (o: typeof a) =>
      (o.steps.find((s) => s.nodeId === 'add')?.output as { row: { id: number } } | undefined)?.row.id;
    expect(id(a)).toBe(rows[0].id);
    expect(id(b)).toBe(rows[0].id);
  });
});
