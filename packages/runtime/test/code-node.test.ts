import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSettings } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CodeNodeError,
  CodePool,
  codeWorkerFile,
  createCodeRunner,
  createRunServices,
  getRun,
  listRuns,
  startWorkers,
  type Workers,
} from '../src';
import { wallLimitMs } from '../src/thread-cpu.mjs';
import { createHookedFlow, createRuntimeProject, type LooseFlow, post, stripeEvent, waitFor } from './harness';

describe('code sandbox', () => {
  const code = createCodeRunner(loadSettings());
  afterAll(() => code.close());

  it('runs code on its input and returns JSON', async () => {
    expect(await code.run('return { total: input.a + input.b, when: new Date(0) }', { a: 2, b: 3 })).toEqual({
      total: 5,
      when: '1970-01-01T00:00:00.000Z',
    });
    expect(await code.run('const x = 1;', {})).toBeNull();
  });

  it('has no process, require, env, file or network access', async () => {
    expect(
      await code.run(
        'return [typeof process, typeof require, typeof fetch, typeof XMLHttpRequest, typeof globalThis.std, typeof globalThis.os]',
        {},
      ),
    ).toEqual(['undefined', 'undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
    await expect(code.run('return process.env.DATABASE_URL', {})).rejects.toThrow(/ReferenceError/);
  });

  it('stops an infinite loop at its time limit, and the next code still runs', async () => {
    const start = Date.now();
    const loop = (await code.run('while (true) {}', {}, { timeoutMs: 300 }).catch((e: unknown) => e)) as Error;
    expect(loop).toBeInstanceOf(CodeNodeError);
    expect(loop.message).toMatch(/time limit of 300 ms/);
    // The limit is CPU time: on an idle machine about 300 ms; a starved thread is stopped by the wall cap at the latest.
    expect(Date.now() - start).toBeLessThan(wallLimitMs(300));
    expect(await code.run('return input * 2', 21)).toBe(42);
  });

  it('fails a memory bomb with "used more than 64 MB", discards its thread, and the pool recovers', async () => {
    const pool = code.pool;
    await code.run('return 1', {});
    const startedBefore = pool.started;
    const bomb = (await code
      .run(
        'const big = "x".repeat(100 * 1024 * 1024); return big.length;',
        {},
        { memoryBytes: 64 * 1024 * 1024, timeoutMs: 5000 },
      )
      .catch((e: unknown) => e)) as Error;
    expect(bomb).toBeInstanceOf(CodeNodeError);
    expect(bomb.message).toBe('Code used more than 64 MB of memory (its limit) and was stopped.');
    expect(await code.run('return input * 2', 21)).toBe(42);
    expect(pool.started).toBeGreaterThan(startedBefore); // a fresh thread replaced the one that hit the cap
    expect(pool.threads).toBeLessThanOrEqual(pool.size);
  });

  it("reports stack overflows, thrown errors and syntax errors as the node's error", async () => {
    const deep = (await code.run('function f() { return f(); } return f();', {}).catch((e: unknown) => e)) as Error;
    expect(deep.message).toMatch(/stack overflow/);
    await expect(code.run('throw new Error("nope")', {})).rejects.toThrow('Code threw Error: nope');
    await expect(code.run('return 1 +', {})).rejects.toThrow(/SyntaxError/);
  });

  it("keeps the main thread's event loop turning while code loops forever", async () => {
    let ticks = 0;
    const interval = setInterval(() => ticks++, 20);
    const started = Date.now();
    const loops = Promise.all(
      [1, 2, 3, 4].map(() => code.run('while (true) {}', {}, { timeoutMs: 300 }).catch((e: Error) => e.message)),
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    const ticksDuringLoops = ticks;
    const messages = await loops;
    clearInterval(interval);
    // 400 ms at one tick per 20 ms is 20 ticks; a blocked loop gives none. A saturated CI machine gives fewer.
    expect(ticksDuringLoops).toBeGreaterThanOrEqual(3);
    expect(messages).toEqual(Array(4).fill('Code took longer than its time limit of 300 ms and was stopped.'));
    // Two threads by default: the last two loops waited for the first two (each stopped by its CPU limit or the wall cap).
    expect(Date.now() - started).toBeLessThan(2 * wallLimitMs(300));
  }, 90_000);

  it('lowers limits above the caps (5 s, 64 MB) instead of honouring them', async () => {
    // What the thread is asked for (spending 5 s of CPU to watch the cap would take minutes on a busy machine).
    const asked = vi.spyOn(code.pool, 'run');
    await code.run('return 1', {}, { timeoutMs: 30_000, memoryBytes: 512 * 1024 * 1024 });
    expect(asked.mock.calls[0][0]).toMatchObject({ timeoutMs: 5000, memoryBytes: 64 * 1024 * 1024 });
    asked.mockRestore();
    const bomb = (await code
      .run(
        'const big = "x".repeat(100 * 1024 * 1024); return big.length;',
        {},
        { memoryBytes: 512 * 1024 * 1024, timeoutMs: 5000 },
      )
      .catch((e: unknown) => e)) as Error;
    expect(bomb.message).toBe('Code used more than 64 MB of memory (its limit) and was stopped.');
  }, 30_000);

  it('runs builder code at the lowest CPU priority by default, leaving the request thread at its own', async () => {
    expect(loadSettings({}).TILLFLOW_CODE_NICE).toBe(19);
    const pool = new CodePool(1, codeWorkerFile, loadSettings({}).TILLFLOW_CODE_NICE);
    const niceOf = (tid: string) =>
      Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
    // The test itself may run niced (nice npm test): the request thread must keep whatever priority it had.
    const own = niceOf(String(process.pid));
    try {
      await pool.run({ code: 'return 1', inputJson: 'null', timeoutMs: 5000, memoryBytes: 16 << 20 });
      expect(readdirSync('/proc/self/task').map(niceOf)).toContain(19);
      expect(niceOf(String(process.pid))).toBe(own);
    } finally {
      await pool.close();
    }
  });

  it('terminates a thread stuck beyond the reach of its interrupt, and runs the next job on a new one', async () => {
    const pool = new CodePool(1, () => fileURLToPath(new URL('./fixtures/stuck-worker.mjs', import.meta.url)));
    try {
      const job = { inputJson: 'null', timeoutMs: 200, memoryBytes: 1 << 20 };
      const stuck = pool.run({ ...job, code: 'hang' });
      const next = pool.run({ ...job, code: 'ok' });
      // Without the termination the stuck job never answers and the test times out: no wall-clock bound needed.
      expect(await stuck).toMatchObject({ ok: false, kind: 'timeout' });
      expect(await next).toMatchObject({ ok: true, json: '"answered"' });
      expect(pool.started).toBe(2);
    } finally {
      await pool.close();
    }
  });
});

describe('code node in a flow', () => {
  let handle: DbHandle;
  let workers: Workers;
  let projectId: number;
  beforeAll(async () => {
    handle = await createTestDb();
    projectId = (await createRuntimeProject(handle)).id;
    workers = await startWorkers(createRunServices({ database: handle }), { pollMs: 30, projectIds: [projectId] });
  });
  afterAll(async () => {
    await workers?.stop();
    await handle?.close();
  });

  it('fails a `while(true){}` node in about its time limit, and the next run succeeds', {
    timeout: 90_000,
  }, async () => {
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
    }, wallLimitMs(1000) + 10_000);
    expect(failed.attempt).toBe(1); // user code errors are not retried
    expect(failed.error).toMatch(/code: Code took longer than its time limit of 1000 ms/);
    const step = (await getRun(handle.db, failed.id))?.steps.find((s) => s.nodeId === 'code');
    expect(step?.durationMs).toBeGreaterThanOrEqual(950); // not before it has had its second of CPU
    expect(step?.durationMs).toBeLessThan(wallLimitMs(1000));

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
