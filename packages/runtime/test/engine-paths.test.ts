// Which nodes of a flow run (executeFlow, nothing persisted): a labelled edge is taken only when its source chose
// that branch, an unlabelled or `next` edge always; a node that stops the flow skips the rest, once each; an
// app-called flow acts as its signed-in caller and refuses a run without one (a builder's test run acts as the
// backend). Written against the survivors of the 2026-12-04 Stryker run of engine.ts.
import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, executeFlow, type FlowDefinition, type NodeExecutor } from '../src';
import { toDefinition } from './harness';

let handle: DbHandle;
const doubles: Record<string, NodeExecutor> = {
  test_choose_yes: {
    effect: 'pure',
    execute: (ctx) => {
      ctx.branch('yes');
      return { chose: 'yes' };
    },
  },
  test_stop: {
    effect: 'pure',
    execute: (ctx) => {
      ctx.stop();
      return { stopped: true };
    },
  },
  test_mark: { effect: 'pure', execute: (ctx) => ({ ran: ctx.node.id }) },
  test_actor: { effect: 'pure', execute: (ctx) => ({ actor: ctx.actor }) },
};

beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(async () => {
  await handle?.close();
});

const run = (definition: FlowDefinition, trigger: unknown = { id: 'evt_1' }, extra: { testRun?: boolean } = {}) =>
  executeFlow({
    services: createRunServices({ database: handle, executors: doubles }),
    runId: '00000000-0000-4000-8000-000000000001',
    projectId: 1,
    definition,
    trigger,
    attempt: 1,
    persist: false,
    ...extra,
  });

const statuses = (steps: { nodeId: string; status: string }[]) =>
  Object.fromEntries(steps.filter((s) => s.nodeId !== 'trigger').map((s) => [s.nodeId, s.status]));

describe('which nodes run', () => {
  it("follows a labelled edge only when its source chose that branch; unlabelled and 'next' edges always", async () => {
    const outcome = await run(
      toDefinition({
        trigger: { type: 'stripe_webhook', eventTypes: ['charge.succeeded'] },
        nodes: [
          { id: 'choose', type: 'test_choose_yes' },
          { id: 'onYes', type: 'test_mark' },
          { id: 'onNo', type: 'test_mark' },
          { id: 'always', type: 'test_mark' },
          { id: 'onNext', type: 'test_mark' },
          { id: 'afterNo', type: 'test_mark' },
        ],
        edges: [
          { source: 'choose', target: 'onYes', label: 'yes' },
          { source: 'choose', target: 'onNo', label: 'no' },
          { source: 'choose', target: 'always' },
          { source: 'choose', target: 'onNext', label: 'next' },
          { source: 'onNo', target: 'afterNo' },
        ],
      }),
    );
    expect(outcome.status).toBe('succeeded');
    expect(statuses(outcome.steps)).toEqual({
      choose: 'succeeded',
      onYes: 'succeeded',
      onNo: 'skipped',
      always: 'succeeded',
      onNext: 'succeeded',
      afterNo: 'skipped',
    });
    const choose = outcome.steps.find((s) => s.nodeId === 'choose');
    expect(choose).toMatchObject({ branch: 'yes', stopped: false, output: { chose: 'yes' } });
    expect(outcome.steps.find((s) => s.nodeId === 'onNo')).toMatchObject({
      status: 'skipped',
      output: null,
      branch: null,
      stopped: false,
    });
  });

  it('a node that stops the flow skips every node after it, each once, and the run succeeds', async () => {
    const outcome = await run(
      toDefinition({
        trigger: { type: 'stripe_webhook', eventTypes: ['charge.succeeded'] },
        nodes: [
          { id: 'first', type: 'test_mark' },
          { id: 'halt', type: 'test_stop' },
          { id: 'later', type: 'test_mark' },
          { id: 'last', type: 'test_mark' },
        ],
        edges: [
          { source: 'first', target: 'halt' },
          { source: 'halt', target: 'later' },
          { source: 'later', target: 'last' },
        ],
      }),
    );
    expect(outcome).toMatchObject({ status: 'succeeded', error: null, permanent: false });
    expect(outcome.steps.map((s) => s.nodeId)).toEqual(['trigger', 'first', 'halt', 'later', 'last']);
    expect(statuses(outcome.steps)).toEqual({
      first: 'succeeded',
      halt: 'succeeded',
      later: 'skipped',
      last: 'skipped',
    });
    expect(outcome.steps.find((s) => s.nodeId === 'halt')).toMatchObject({ stopped: true });
  });
});

describe('who an app-called flow acts as', () => {
  const appCalled = (): FlowDefinition => {
    const definition = toDefinition({
      trigger: { type: 'stripe_webhook' },
      nodes: [{ id: 'who', type: 'test_actor' }],
      edges: [],
    });
    return { ...definition, trigger: { kind: 'app_call', inputs: [], outputs: [], roles: [] } } as FlowDefinition;
  };

  it('acts as its signed-in caller', async () => {
    const outcome = await run(appCalled(), { caller: { userId: 7, role: 'user' } });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.steps.find((s) => s.nodeId === 'who')?.output).toEqual({
      actor: { kind: 'endUser', userId: 7, role: 'user' },
    });
  });

  it('refuses for good a run with no signed-in caller, or a half one', async () => {
    for (const trigger of [
      null,
      {},
      { caller: { role: 'user' } },
      { caller: { userId: 7 } },
      { caller: { userId: '7', role: 'user' } },
    ]) {
      const outcome = await run(appCalled(), trigger);
      expect(outcome).toMatchObject({
        status: 'failed',
        permanent: true,
        error: expect.stringMatching(/: This flow is called from the app, and this run has no signed-in caller\.$/),
      });
    }
  });

  it("a builder's test run without a chosen caller acts as the backend; a webhook flow always does", async () => {
    const test = await run(appCalled(), {}, { testRun: true });
    expect(test.steps.find((s) => s.nodeId === 'who')?.output).toEqual({ actor: { kind: 'backend' } });
    const hooked = await run(
      toDefinition({ trigger: { type: 'stripe_webhook' }, nodes: [{ id: 'who', type: 'test_actor' }], edges: [] }),
      { caller: { userId: 7, role: 'user' } },
    );
    expect(hooked.steps.find((s) => s.nodeId === 'who')?.output).toEqual({ actor: { kind: 'backend' } });
  });
});
