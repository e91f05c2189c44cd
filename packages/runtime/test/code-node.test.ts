import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodeNodeError, getRun, listRuns, runUserCode, startWorkers, type Workers } from '../src';
import { createHookedFlow, createRuntimeProject, type LooseFlow, post, stripeEvent, waitFor } from './harness';

describe('code sandbox', () => {
  it('runs code on its input and returns JSON', async () => {
    expect(await runUserCode('return { total: input.a + input.b, when: new Date(0) }', { a: 2, b: 3 })).toEqual({
      total: 5,
      when: '1970-01-01T00:00:00.000Z',
    });
    expect(await runUserCode('const x = 1;', {})).toBeNull();
  });

  it('has no process, require, env, file or network access', async () => {
    expect(
      await runUserCode(
        'return [typeof process, typeof require, typeof fetch, typeof XMLHttpRequest, typeof globalThis.std, typeof globalThis.os]',
        {},
      ),
    ).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    await expect(runUserCode('return process.env.DATABASE_URL', {})).rejects.toThrow(/ReferenceError/);
  });

  it('stops an infinite loop at its time limit and a memory bomb at its memory limit', async () => {
    const start = Date.now();
    const loop = (await runUserCode('while (true) {}', {}, { timeoutMs: 300 }).catch((e: unknown) => e)) as Error;
    expect(loop).toBeInstanceOf(CodeNodeError);
    expect(loop.message).toMatch(/time limit of 300 ms/);
    expect(Date.now() - start).toBeLessThan(2000);
    const bomb = (await runUserCode(
      'const a = []; for (;;) a.push({ n: a.length });',
      {},
      { memoryBytes: 8 * 1024 * 1024 },
    ).catch((e: unknown) => e)) as Error;
    expect(bomb).toBeInstanceOf(CodeNodeError);
    expect(bomb.message).toMatch(/memory limit of 8 MB/);
    const deep = (await runUserCode('function f() { return f(); } return f();', {}).catch((e: unknown) => e)) as Error;
    expect(deep.message).toMatch(/stack overflow/);
    await expect(runUserCode('throw new Error("nope")', {})).rejects.toThrow('Code threw Error: nope');
    await expect(runUserCode('return 1 +', {})).rejects.toThrow(/SyntaxError/);
    // The sandbox is still usable afterwards.
    expect(await runUserCode('return input * 2', 21)).toBe(42);
  });
});

describe('code node in a flow', () => {
  let handle: DbHandle;
  let workers: Workers;
  let projectId: number;
  beforeAll(async () => {
    handle = await createTestDb();
    projectId = (await createRuntimeProject(handle)).id;
    workers = await startWorkers(handle, { pollMs: 30, projectIds: [projectId] });
  });
  afterAll(async () => {
    await workers?.stop();
    await handle?.close();
  });

  it('fails a `while(true){}` node in about its time limit, and the next run succeeds', async () => {
    const flow: LooseFlow = {
      trigger: { type: 'stripe_webhook', eventTypes: ['checkout.session.completed'] },
      nodes: [
        {
          id: 'code',
          type: 'code',
          config: { code: 'if (input.trigger.data.object.hang) { while (true) {} } return { ok: input.trigger.id };' },
        },
      ],
      edges: [],
    };
    const hook = await createHookedFlow(handle, projectId, flow);
    await post(handle, hook.endpointId, hook.secret, stripeEvent('checkout.session.completed', { hang: true }));
    const failed = await waitFor(async () => {
      const [run] = await listRuns(handle.db, projectId, { flowId: hook.flow.id });
      return run?.status === 'failed' ? run : null;
    });
    expect(failed.attempt).toBe(1); // user code errors are not retried
    expect(failed.error).toMatch(/code: Code took longer than its time limit of 1000 ms/);
    const step = (await getRun(handle.db, failed.id))?.steps.find((s) => s.nodeId === 'code');
    expect(step?.durationMs).toBeGreaterThanOrEqual(950);
    expect(step?.durationMs).toBeLessThan(3000);

    const ok = stripeEvent('checkout.session.completed', { hang: false });
    await post(handle, hook.endpointId, hook.secret, ok);
    const succeeded = await waitFor(async () => {
      const runs = await listRuns(handle.db, projectId, { flowId: hook.flow.id });
      return runs.find((r) => r.status === 'succeeded');
    });
    expect((await getRun(handle.db, succeeded.id))?.steps.find((s) => s.nodeId === 'code')?.output).toEqual({
      ok: ok.id,
    });
  });
});
