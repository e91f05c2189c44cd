// What a run keeps of each node (executeFlow): outputs as JSON (undefined is null, a Date its ISO text), a thrown
// value in words, variables set by one node read by the next, a step an earlier attempt completed reused as it was
// (its branch steering the edges) without running again, and the end of a persisted run: its steps and, when asked,
// its final status committed together. Written against the survivors of the 2026-12-04 Stryker runs of engine.ts.
import { insertRow, queryRows } from '@tillflow/data-model';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, executeFlow, type FlowDefinition, type NodeExecutor } from '../src';
import { createHookedFlow, createRuntimeProject, ledgerFlow, post, stripeEvent, toDefinition } from './harness';

class QuotaError extends Error {
  override name = 'QuotaError';
}

let handle: DbHandle;
const calls: string[] = [];
const flaked = new Set<string>();
const raced = new Map<string, number>();
const doubles: Record<string, NodeExecutor> = {
  test_nothing: { effect: 'pure', execute: () => undefined },
  test_dated: { effect: 'pure', execute: () => ({ at: new Date(0), gone: undefined, n: 1 }) },
  test_unnamed_error: {
    effect: 'pure',
    execute: () => {
      throw new QuotaError('');
    },
  },
  test_throws_words: {
    effect: 'pure',
    execute: () => {
      throw 'the shop is closed';
    },
  },
  test_echo: {
    effect: 'pure',
    execute: (ctx) => {
      calls.push(ctx.node.id);
      return { echoed: ctx.config.value ?? null };
    },
  },
  test_choose_yes: {
    effect: 'pure',
    execute: (ctx) => {
      calls.push(ctx.node.id);
      ctx.branch('yes');
      return { chose: 'yes' };
    },
  },
  test_write: { effect: 'database', execute: (ctx) => ({ wrote: ctx.node.id }) },
  /** Fails the first time it runs in a run, then succeeds. */
  test_flaky: {
    effect: 'pure',
    execute: (ctx) => {
      if (!flaked.has(ctx.runId)) {
        flaked.add(ctx.runId);
        throw new Error('not yet');
      }
      return { flaky: 'ok' };
    },
  },
  /**
   * Writes a ledger row in its transaction; the first time (in the node-by-node re-run: the segment failed before
   * reaching it), another worker commits this step's record first, from another connection, while this
   * transaction is still open.
   */
  test_raced_write: {
    effect: 'database',
    execute: async (ctx) => {
      await insertRow(ctx.tx, ctx.projectId, { kind: 'backend' }, 'ledger', { note: `raced ${ctx.runId}`, amount: 1 });
      const seen = (raced.get(ctx.runId) ?? 0) + 1;
      raced.set(ctx.runId, seen);
      if (seen === 1)
        await executeRows(
          handle.db,
          sql`insert into flow_step (run_id, node_id, node_type, status, output, attempt, started_at)
              values (${ctx.runId}, ${ctx.node.id}, 'test_raced_write', 'succeeded',
                ${JSON.stringify({ wrote: 'by the other worker' })}::jsonb, 1, now()) returning id`,
        );
      return { wrote: 'by this worker' };
    },
  },
  test_sees_test_run: { effect: 'pure', execute: (ctx) => ({ testRun: ctx.testRun }) },
  test_write_refused: {
    effect: 'database',
    execute: () => {
      throw new Error('the ledger is full');
    },
  },
  test_call: {
    effect: 'external',
    execute: (ctx) => {
      calls.push(ctx.node.id);
      return { called: true };
    },
  },
};

beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle?.close();
});

const services = () => createRunServices({ database: handle, executors: doubles });
const FAKE_RUN = '00000000-0000-4000-8000-000000000002';

const flow = (
  nodes: { id: string; type: string; config?: Record<string, unknown> }[],
  edges: { source: string; target: string; label?: string }[] = [],
) => toDefinition({ trigger: { type: 'stripe_webhook', eventTypes: ['charge.succeeded'] }, nodes, edges });

const runUnsaved = (definition: FlowDefinition, extra: Partial<Parameters<typeof executeFlow>[0]> = {}) =>
  executeFlow({
    services: services(),
    runId: FAKE_RUN,
    projectId: 1,
    definition,
    trigger: { id: 'evt_values' },
    attempt: 1,
    persist: false,
    ...extra,
  });

const step = <S extends { nodeId: string }>(outcome: { steps: S[] }, id: string) =>
  outcome.steps.find((s) => s.nodeId === id);

/** A real queued run (a project, a hooked flow, a delivered event) whose steps a test records. */
async function queuedRun() {
  const project = await createRuntimeProject(handle);
  const hook = await createHookedFlow(handle, project.id, ledgerFlow());
  await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
  const [run] = await executeRows<{ id: string }>(
    handle.db,
    sql`select id from flow_run where flow_id = ${hook.flow.id}`,
  );
  return { projectId: project.id, runId: run.id };
}

/** Executes `definition` as the queued run `run` (persisted, first attempt, unless `extra` says otherwise). */
const runSaved = (
  run: { projectId: number; runId: string },
  definition: FlowDefinition,
  extra: Partial<Parameters<typeof executeFlow>[0]> = {},
) => executeFlow({ services: services(), ...run, definition, trigger: {}, attempt: 1, persist: true, ...extra });

const recorded = (runId: string) =>
  executeRows<{ node_id: string; status: string; output: unknown }>(
    handle.db,
    sql`select node_id, status, output from flow_step where run_id = ${runId} and node_id <> 'trigger' order by node_id`,
  );

describe('what a run keeps of a node', () => {
  it('keeps outputs as JSON: nothing returned is null, a date is its ISO text, an undefined field is dropped', async () => {
    const outcome = await runUnsaved(
      flow([
        { id: 'none', type: 'test_nothing' },
        { id: 'dated', type: 'test_dated' },
      ]),
    );
    expect(outcome.status).toBe('succeeded');
    expect(step(outcome, 'none')).toMatchObject({ status: 'succeeded', output: null });
    expect(step(outcome, 'dated')?.output).toStrictEqual({ at: '1970-01-01T00:00:00.000Z', n: 1 });
  });

  it('puts a thrown value in words: an error without a message by its name, a thrown string as it is', async () => {
    const unnamed = await runUnsaved(flow([{ id: 'quota', type: 'test_unnamed_error' }]));
    expect(unnamed).toMatchObject({ status: 'failed', error: 'quota: QuotaError' });
    expect(step(unnamed, 'quota')).toMatchObject({ status: 'failed', error: 'QuotaError', output: null });
    const words = await runUnsaved(flow([{ id: 'shut', type: 'test_throws_words' }]));
    expect(words).toMatchObject({ status: 'failed', error: 'shut: the shop is closed' });
  });

  it('lets a later node read the variables an earlier one set, and only the object a set-variables node made', async () => {
    calls.length = 0;
    const outcome = await runUnsaved(
      flow(
        [
          { id: 'set', type: 'set_variables', config: { variables: { greeting: 'hello {{trigger.id}}' } } },
          { id: 'echo', type: 'test_echo', config: { value: '{{vars.greeting}}' } },
          { id: 'plain', type: 'test_echo', config: { value: '{{vars.echoed}}' } },
        ],
        [
          { source: 'set', target: 'echo' },
          { source: 'echo', target: 'plain' },
        ],
      ),
    );
    expect(outcome.status).toBe('succeeded');
    expect(step(outcome, 'set')?.output).toEqual({ greeting: 'hello evt_values' });
    expect(step(outcome, 'echo')?.output).toEqual({ echoed: 'hello evt_values' });
    // Another node's output is not a variable.
    expect(step(outcome, 'plain')?.output).toEqual({ echoed: null });
  });

  it('reuses a step an earlier attempt completed: its output, branch and stop as recorded, not run again', async () => {
    calls.length = 0;
    const outcome = await runUnsaved(
      flow(
        [
          { id: 'choose', type: 'test_choose_yes' },
          { id: 'onYes', type: 'test_echo', config: { value: 'yes' } },
          { id: 'onNo', type: 'test_echo', config: { value: 'no' } },
        ],
        [
          { source: 'choose', target: 'onYes', label: 'yes' },
          { source: 'choose', target: 'onNo', label: 'no' },
        ],
      ),
      { completed: new Map([['choose', { output: { chose: 'no' }, branch: 'no', stopped: false }]]) },
    );
    expect(calls).toEqual(['onNo']);
    expect(step(outcome, 'choose')).toMatchObject({
      status: 'succeeded',
      output: { chose: 'no' },
      branch: 'no',
      stopped: false,
      reused: true,
      error: null,
    });
    expect(step(outcome, 'onYes')?.status).toBe('skipped');
    expect(step(outcome, 'onNo')?.status).toBe('succeeded');
  });

  it('a reused step that had stopped the flow stops it again', async () => {
    calls.length = 0;
    const outcome = await runUnsaved(
      flow(
        [
          { id: 'first', type: 'test_echo' },
          { id: 'second', type: 'test_echo' },
        ],
        [{ source: 'first', target: 'second' }],
      ),
      { completed: new Map([['first', { output: null, branch: null, stopped: true }]]) },
    );
    expect(calls).toEqual([]);
    expect(step(outcome, 'second')?.status).toBe('skipped');
  });
});

describe('the end of a persisted run', () => {
  it('commits the last steps and the final status together, and says so only when a status was given', async () => {
    const { projectId, runId } = await queuedRun();
    const definition = flow(
      [
        { id: 'a_write', type: 'test_write' },
        { id: 'b_after', type: 'test_echo', config: { value: 'after' } },
      ],
      [{ source: 'a_write', target: 'b_after' }],
    );
    const base = { services: services(), runId, projectId, definition, trigger: {}, attempt: 1, persist: true };
    const finished = await executeFlow({
      ...base,
      finishInTransaction: sql`update flow_run set status = 'succeeded', finished_at = now() where id = ${runId} returning id`,
    });
    expect(finished).toMatchObject({ status: 'succeeded', statusCommitted: true });
    expect(await recorded(runId)).toEqual([
      { node_id: 'a_write', status: 'succeeded', output: { wrote: 'a_write' } },
      { node_id: 'b_after', status: 'succeeded', output: { echoed: 'after' } },
    ]);
    const [run] = await executeRows<{ status: string }>(
      handle.db,
      sql`select status from flow_run where id = ${runId}`,
    );
    expect(run.status).toBe('succeeded');

    const other = await queuedRun();
    const unfinished = await executeFlow({ ...base, runId: other.runId, projectId: other.projectId });
    expect(unfinished).toMatchObject({ status: 'succeeded', statusCommitted: false });
    expect((await recorded(other.runId)).map((r) => r.node_id)).toEqual(['a_write', 'b_after']);
    const [still] = await executeRows<{ status: string }>(
      handle.db,
      sql`select status from flow_run where id = ${other.runId}`,
    );
    expect(still.status).toBe('queued');
  });

  it('records a run of pure steps only at its end, with its final status in the same commit', async () => {
    const { projectId, runId } = await queuedRun();
    const outcome = await runSaved(
      { projectId, runId },
      flow([{ id: 'only', type: 'test_echo', config: { value: 1 } }]),
      {
        finishInTransaction: sql`update flow_run set status = 'succeeded', finished_at = now() where id = ${runId} returning id`,
      },
    );
    expect(outcome).toMatchObject({ status: 'succeeded', statusCommitted: true });
    expect(await recorded(runId)).toEqual([{ node_id: 'only', status: 'succeeded', output: { echoed: 1 } }]);
    const [run] = await executeRows<{ status: string }>(
      handle.db,
      sql`select status from flow_run where id = ${runId}`,
    );
    expect(run.status).toBe('succeeded');
  });

  it('writes no step of a run that is not persisted, even around an outbound call', async () => {
    const { projectId, runId } = await queuedRun();
    calls.length = 0;
    const outcome = await runSaved(
      { projectId, runId },
      flow(
        [
          { id: 'before', type: 'test_echo' },
          { id: 'call', type: 'test_call' },
          { id: 'write', type: 'test_write' },
        ],
        [
          { source: 'before', target: 'call' },
          { source: 'call', target: 'write' },
        ],
      ),
      { persist: false },
    );
    expect(outcome.status).toBe('succeeded');
    expect(calls).toEqual(['before', 'call']);
    expect(await recorded(runId)).toEqual([]);
  });
});

describe('a failure inside a shared transaction', () => {
  it('rolls the segment back and runs the attempt node by node: the write lands once, every step is on record', async () => {
    const { projectId, runId } = await queuedRun();
    const note = `segment ${runId}`;
    const outcome = await runSaved(
      { projectId, runId },
      flow(
        [
          { id: 'a_first', type: 'test_echo', config: { value: 'first' } },
          { id: 'b_insert', type: 'insert_row', config: { table: 'ledger', values: { note, amount: 7 } } },
          { id: 'c_between', type: 'test_echo', config: { value: 'between' } },
          { id: 'd_fails', type: 'test_throws_words' },
        ],
        [
          { source: 'a_first', target: 'b_insert' },
          { source: 'b_insert', target: 'c_between' },
          { source: 'c_between', target: 'd_fails' },
        ],
      ),
      { finishInTransaction: sql`update flow_run set status = 'succeeded' where id = ${runId} returning id` },
    );
    expect(outcome).toMatchObject({ status: 'failed', error: 'd_fails: the shop is closed' });
    expect(outcome.statusCommitted).toBeFalsy();
    expect(step(outcome, 'd_fails')).toMatchObject({ status: 'failed', stopped: false, branch: null, output: null });
    const steps = await recorded(runId);
    expect(steps.map((s) => [s.node_id, s.status])).toEqual([
      ['a_first', 'succeeded'],
      ['b_insert', 'succeeded'],
      ['c_between', 'succeeded'],
      ['d_fails', 'failed'],
    ]);
    const { rows } = await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', {
      filters: [{ column: 'note', op: 'eq', value: note }],
    });
    expect(rows.map((r) => r.amount)).toEqual([7]);
    const [run] = await executeRows<{ status: string }>(
      handle.db,
      sql`select status from flow_run where id = ${runId}`,
    );
    expect(run.status).toBe('queued');
  });
});

describe('a segment that fails once and then succeeds node by node', () => {
  it('records the pure steps after the last database step too, once the re-run ends', async () => {
    const { projectId, runId } = await queuedRun();
    const note = `flaky ${runId}`;
    const outcome = await runSaved(
      { projectId, runId },
      flow(
        [
          { id: 'a_insert', type: 'insert_row', config: { table: 'ledger', values: { note, amount: 5 } } },
          { id: 'b_flaky', type: 'test_flaky' },
          { id: 'c_after', type: 'test_echo', config: { value: 'after' } },
        ],
        [
          { source: 'a_insert', target: 'b_flaky' },
          { source: 'b_flaky', target: 'c_after' },
        ],
      ),
    );
    expect(outcome.status).toBe('succeeded');
    expect((await recorded(runId)).map((s) => [s.node_id, s.status])).toEqual([
      ['a_insert', 'succeeded'],
      ['b_flaky', 'succeeded'],
      ['c_after', 'succeeded'],
    ]);
    const { rows } = await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', {
      filters: [{ column: 'note', op: 'eq', value: note }],
    });
    expect(rows.map((r) => r.amount)).toEqual([5]);
  });
});

describe('a failure right after database nodes', () => {
  it('re-runs consecutive writes each in its own transaction (nothing pending before the second), once each', async () => {
    const { projectId, runId } = await queuedRun();
    const note = `first ${runId}`;
    const outcome = await runSaved(
      { projectId, runId },
      flow(
        [
          { id: 'a_insert', type: 'insert_row', config: { table: 'ledger', values: { note, amount: 3 } } },
          { id: 'b_insert', type: 'insert_row', config: { table: 'ledger', values: { note, amount: 4 } } },
          { id: 'c_fails', type: 'test_throws_words' },
        ],
        [
          { source: 'a_insert', target: 'b_insert' },
          { source: 'b_insert', target: 'c_fails' },
        ],
      ),
      {},
    );
    expect(outcome).toMatchObject({ status: 'failed', error: 'c_fails: the shop is closed' });
    expect((await recorded(runId)).map((s) => [s.node_id, s.status])).toEqual([
      ['a_insert', 'succeeded'],
      ['b_insert', 'succeeded'],
      ['c_fails', 'failed'],
    ]);
    const { rows } = await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', {
      filters: [{ column: 'note', op: 'eq', value: note }],
    });
    expect(rows.map((r) => r.amount).sort()).toEqual([3, 4]);
  });
});

describe('a database step another worker records first, during the node-by-node re-run', () => {
  // Needs two connections at once (this run's open transaction, and the other worker's commit): PostgreSQL only.
  // PGlite has one connection, so the other worker's write would wait for this transaction forever.
  it.runIf(process.env.DATABASE_URL)(
    'rolls its own write back and goes on with the recorded answer: the effect once',
    async () => {
      const { projectId, runId } = await queuedRun();
      const outcome = await runSaved(
        { projectId, runId },
        flow(
          [
            { id: 'a_write', type: 'test_write' },
            { id: 'b_flaky', type: 'test_flaky' },
            { id: 'c_raced', type: 'test_raced_write' },
          ],
          [
            { source: 'a_write', target: 'b_flaky' },
            { source: 'b_flaky', target: 'c_raced' },
          ],
        ),
        {},
      );
      expect(outcome.status).toBe('succeeded');
      expect(step(outcome, 'c_raced')?.output).toEqual({ wrote: 'by the other worker' });
      const { rows } = await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', {
        filters: [{ column: 'note', op: 'eq', value: `raced ${runId}` }],
      });
      expect(rows).toHaveLength(0);
    },
  );
});

describe('an outbound step another worker completed', () => {
  it('is not called again when its record appears after this attempt started: its recorded answer is reused', async () => {
    const { projectId, runId } = await queuedRun();
    // The previous holder's call answered and was recorded after this attempt loaded its completed steps (none).
    await executeRows(
      handle.db,
      sql`insert into flow_step (run_id, node_id, node_type, status, output, branch, stopped, attempt, started_at)
          values (${runId}, 'call', 'test_call', 'succeeded', ${JSON.stringify({ called: 'elsewhere' })}::jsonb,
            null, false, 1, now()) returning id`,
    );
    calls.length = 0;
    const outcome = await runSaved(
      { projectId, runId },
      flow(
        [
          { id: 'call', type: 'test_call' },
          { id: 'after', type: 'test_echo', config: { value: '{{nodes.call.called}}' } },
        ],
        [{ source: 'call', target: 'after' }],
      ),
      { attempt: 2 },
    );
    expect(outcome.status).toBe('succeeded');
    expect(calls).toEqual(['after']);
    expect(step(outcome, 'call')).toMatchObject({
      status: 'succeeded',
      output: { called: 'elsewhere' },
      branch: null,
      stopped: false,
      reused: true,
    });
    expect(step(outcome, 'after')?.output).toEqual({ echoed: 'elsewhere' });
  });
});

describe('what a node is handed, and a refusal before it runs', () => {
  it("tells a node whether it runs in a builder's test run (not unless the run says so)", async () => {
    const definition = flow([{ id: 'look', type: 'test_sees_test_run' }]);
    expect(step(await runUnsaved(definition), 'look')?.output).toEqual({ testRun: false });
    expect(step(await runUnsaved(definition, { testRun: true }), 'look')?.output).toEqual({ testRun: true });
  });

  it("fails for good, in the catalog's words, a node whose settings its kind refuses, without running it", async () => {
    const outcome = await runUnsaved(
      flow([{ id: 'insert', type: 'insert_row', config: { values: { note: 'no table named' } } }]),
    );
    expect(outcome).toMatchObject({ status: 'failed', permanent: true });
    expect(outcome.error).toMatch(/^insert: .*settings are not valid/);
  });

  it("fails a test run's database node in its own words, its transaction rolled back", async () => {
    const outcome = await runUnsaved(flow([{ id: 'write', type: 'test_write_refused' }]), {
      testRun: true,
      rollbackDatabaseEffects: true,
    });
    expect(outcome).toMatchObject({ status: 'failed', error: 'write: the ledger is full' });
  });
});
