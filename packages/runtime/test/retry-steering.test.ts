import { NonRetriableError, RetryAfterError } from '@tillflow/core';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, type NodeExecutor, startWorkers, type Workers } from '../src';
import { createHookedFlow, createRuntimeProject, post, stripeEvent, waitFor } from './harness';

/** Test doubles for node types of this test's own, passed to the workers' services. */
const doubles: Record<string, NodeExecutor> = {};

let handle: DbHandle;
let workers: Workers;
let projectId: number;
let effectCalls = 0;
let flakyCalls = 0;

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
  doubles.test_rate_limited = {
    effect: 'external',
    execute: () => {
      throw new RetryAfterError('The API asked us to wait a minute.', 60_000);
    },
  };
  doubles.test_unfixable = {
    effect: 'external',
    execute: () => {
      throw new NonRetriableError('This request can never succeed.');
    },
  };
  doubles.test_counted_effect = {
    effect: 'external',
    execute: () => {
      effectCalls += 1;
      return { sent: effectCalls };
    },
  };
  doubles.test_fails_once = {
    effect: 'external',
    execute: () => {
      flakyCalls += 1;
      if (flakyCalls === 1) throw new Error('The service was briefly unavailable.');
      return { ok: true };
    },
  };
  workers = await startWorkers(createRunServices({ database: handle, executors: doubles }), {
    concurrency: 2,
    pollMs: 30,
    backoffBaseMs: 20,
    backoffMaxMs: 100,
    projectIds: [projectId],
  });
});
afterAll(async () => {
  await workers?.stop();
  await handle?.close();
});

async function flowWith(type: string, event: string) {
  const hook = await createHookedFlow(
    handle,
    projectId,
    { trigger: { type: 'stripe_webhook', eventTypes: [event] }, nodes: [{ id: 'call', type }], edges: [] },
    { skipValidation: true },
  );
  await post(handle, hook.endpointId, hook.secret, stripeEvent(event));
  return hook.flow.id;
}

type RunRow = { status: string; attempt: number; error: string | null; wait_s: number | null };
const runOf = async (flowId: string) =>
  (
    await executeRows<RunRow>(
      handle.db,
      sql`select status, attempt, error, extract(epoch from (run_after - now()))::float as wait_s
          from flow_run where flow_id = ${flowId}`,
    )
  )[0];

describe('retry steering by node errors', () => {
  it('a NonRetriableError fails the run on its first attempt', async () => {
    const flowId = await flowWith('test_unfixable', 'charge.refunded');
    const run = await waitFor(async () => {
      const r = await runOf(flowId);
      return r?.status === 'failed' ? r : null;
    });
    expect(run).toMatchObject({ attempt: 1, error: 'call: This request can never succeed.' });
  });

  it('a RetryAfterError re-queues the run after the wait it asked for, not the backoff', async () => {
    const flowId = await flowWith('test_rate_limited', 'charge.captured');
    const run = await waitFor(async () => {
      const r = await runOf(flowId);
      return r?.status === 'queued' && r.attempt === 1 && r.error ? r : null;
    });
    expect(run.wait_s).toBeGreaterThan(50); // the backoff alone would be under 0.1 s
    expect(run.error).toContain('wait a minute');
  });

  it('a retried run reuses the steps that succeeded before: an external effect ahead of the failure happens once', async () => {
    const hook = await createHookedFlow(
      handle,
      projectId,
      {
        trigger: { type: 'stripe_webhook', eventTypes: ['invoice.paid'] },
        nodes: [
          { id: 'send', type: 'test_counted_effect' },
          { id: 'then', type: 'test_fails_once' },
        ],
        edges: [{ source: 'send', target: 'then' }],
      },
      { skipValidation: true },
    );
    await post(handle, hook.endpointId, hook.secret, stripeEvent('invoice.paid'));
    const run = await waitFor(async () => {
      const r = await runOf(hook.flow.id);
      return r?.status === 'succeeded' ? r : null;
    });
    expect(run.attempt).toBe(2);
    expect(flakyCalls).toBe(2);
    expect(effectCalls).toBe(1);
  });
});
