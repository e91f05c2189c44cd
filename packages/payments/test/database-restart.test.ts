import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { createLogger, sandboxControlToken } from '@tillflow/core';
import { getRow, insertRow } from '@tillflow/data-model';
import { createDb, type DbHandle, executeRows } from '@tillflow/db';
import { startTestCluster, type TestCluster, testClusterUnavailable } from '@tillflow/db/test-cluster';
import { startWebhookServer } from '@tillflow/runtime';
import { startSandbox } from '@tillflow/stripe-sandbox';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, paymentServices, type Sandbox } from './harness';

// The process's logger these tests hand in (JSON lines on stdout, warnings and errors only).
const testLogger = createLogger({ TILLFLOW_LOG_LEVEL: 'warn' });

// A deployment in miniature on its own PostgreSQL cluster: the sandbox posts
// signed webhooks to a receiver in this process, two real `npm run worker`
// processes run the flows. Under a payment load the cluster is restarted, and
// separately every backend is terminated. Every acknowledged event must run
// once, every order end paid once with exactly one receipt, no run stay
// queued or running, and every process stay alive.
const unavailable = testClusterUnavailable();
if (unavailable) console.warn(`[skipped] database restart tests: ${unavailable}`);

const BACKEND = { kind: 'backend' } as const;
const PAYMENTS = 10;

async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const started = Date.now();
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error; // the database may be restarting
    }
    if (Date.now() - started > timeoutMs) throw new Error(`condition not reached in time (${String(lastError)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(unavailable)('a database restart under load', () => {
  let cluster: TestCluster;
  let handle: DbHandle;
  let sandbox: Sandbox;
  let receiver: Awaited<ReturnType<typeof startWebhookServer>>;
  const workers: ChildProcess[] = [];
  const exits: string[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster();
    handle = await createDb({ url: cluster.url() });
    sandbox = await startSandbox({
      port: 0,
      retryBaseMs: 250,
      maxDeliveryAttempts: 10,
      controlToken: sandboxControlToken(),
    });
    process.env.TILLFLOW_SANDBOX_URL = sandbox.url;
    receiver = await startWebhookServer(handle, { port: 0, logger: testLogger });
    process.env.PUBLIC_URL = receiver.url;
    for (let i = 0; i < 2; i++) {
      const child = fork(path.join(import.meta.dirname, '../src/worker-cli.ts'), [], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, DATABASE_URL: cluster.url(), TILLFLOW_WORKER_CONCURRENCY: '4' },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      child.on('exit', (code, signal) => exits.push(`worker ${i} exited ${code ?? signal}`));
      workers.push(child);
    }
    // Both workers are up (each beats into worker_heartbeat) before any load starts.
    await eventually(async () => {
      const [row] = await executeRows<{ n: number }>(handle.db, sql`select count(*)::int as n from worker_heartbeat`);
      return row.n >= 2;
    });
  }, 180_000);

  afterAll(async () => {
    for (const child of workers) child.kill('SIGKILL');
    await receiver?.close();
    await sandbox?.close();
    await handle?.close();
    await cluster?.stop();
  });

  async function payUnder(disrupt: () => Promise<void>) {
    const ctx = await createPaymentsProject(handle, sandbox);
    const stripe = createStripeClient(ctx.account.secretKey, sandbox.url);
    const asAlice = ctx.asUser(ctx.alice);
    const orders: number[] = [];
    const confirms: Promise<unknown>[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const order = await insertRow(
        handle.db,
        ctx.project.id,
        asAlice,
        'order',
        { title: `Mug ${i}` },
        { serverValues: { amount: 1000 + i } },
      );
      orders.push(Number(order.id));
      const created = await createPaymentAction(paymentServices(handle), ctx.project.id, asAlice, {
        orderId: order.id,
        method: 'payment_intent', // the amount is the order's (the server decides it)
      });
      const payment = await getRow(handle.db, ctx.project.id, BACKEND, 'payment', created.paymentId);
      confirms.push(
        stripe.paymentIntents.confirm(String(payment?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' }),
      );
      if (i === Math.floor(PAYMENTS / 2)) await disrupt(); // webhooks and runs are in flight now
    }
    await Promise.all(confirms);
    const projectId = ctx.project.id;
    await eventually(async () => {
      const paid = await Promise.all(orders.map((id) => getRow(handle.db, projectId, BACKEND, 'order', id)));
      return paid.every((o) => o?.status === 'paid');
    });
    await eventually(async () => {
      const [open] = await executeRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from flow_run where project_id = ${projectId} and status in ('queued', 'running')`,
      );
      return open.n === 0;
    });
    return { projectId, orders };
  }

  async function expectEachEffectOnce(projectId: number, orders: number[]) {
    // Every event we acknowledged ran each of its flows once, and every run succeeded.
    const runs = await executeRows<{ event_id: string; runs: number; ok: number }>(
      handle.db,
      sql`select e.event_id, count(r.id)::int as runs, count(r.id) filter (where r.status = 'succeeded')::int as ok
          from stripe_event e left join flow_run r on r.event_row_id = e.id
          where e.project_id = ${projectId} group by e.id, e.event_id`,
    );
    expect(runs.length).toBeGreaterThanOrEqual(PAYMENTS);
    for (const r of runs) expect(r).toMatchObject({ runs: r.ok });
    expect(runs.every((r) => r.runs <= 1)).toBe(true);
    const payments = await executeRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from flow_run r join flow f on f.id = r.flow_id
          where r.project_id = ${projectId} and f.system_kind = 'StripePayment' and r.status = 'succeeded'`,
    );
    expect(payments[0].n).toBeGreaterThanOrEqual(PAYMENTS);
    // Exactly one receipt per paid order.
    const mail = await executeRows<{ subject: string; n: number }>(
      handle.db,
      sql`select subject, count(*)::int as n from mail_message where project_id = ${projectId} group by subject`,
    );
    expect(mail.reduce((sum, m) => sum + m.n, 0)).toBe(orders.length);
    expect(mail.every((m) => m.n === 1)).toBe(true);
    expect(exits).toEqual([]);
    expect(workers.every((w) => w.exitCode === null && w.signalCode === null)).toBe(true);
  }

  it('survives a restart of the PostgreSQL cluster mid-load', async () => {
    const { projectId, orders } = await payUnder(() => cluster.restart('fast', 1_000));
    await expectEachEffectOnce(projectId, orders);
  }, 240_000);

  it('survives every backend being terminated, three times, mid-load', async () => {
    const { projectId, orders } = await payUnder(async () => {
      for (let k = 0; k < 3; k++) {
        await cluster.terminateBackends();
        await new Promise((r) => setTimeout(r, 300));
      }
    });
    await expectEachEffectOnce(projectId, orders);
  }, 240_000);
});
