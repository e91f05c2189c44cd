import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { createEgressGuard, createLogger, sandboxControlToken } from '@tillflow/core';
import { getRow, insertRow } from '@tillflow/data-model';
import { createDb, type DbHandle, executeRows } from '@tillflow/db';
import { startTestCluster, type TestCluster, testClusterUnavailable } from '@tillflow/db/test-cluster';
import { saveMailSettings, startMailDispatcher } from '@tillflow/mail';
import { startWebhookServer, startWorkers } from '@tillflow/runtime';
import { startSandbox } from '@tillflow/stripe-sandbox';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpServer } from '../../mail/test/smtp-server';
import { createPaymentAction } from '../src/actions/payment';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, paymentServices, type Sandbox, testServices } from './harness';

// The process's logger these tests hand in (JSON lines on stdout, warnings and errors only).
const testLogger = createLogger({ TILLFLOW_LOG_LEVEL: 'warn' });

// A real `npm run worker` is SIGKILLed right after its N-th step commit
// (TILLFLOW_TEST_CRASH_AT=step:N), for every N of a paid StripePayment run
// (callback, order update, the receipt's outbox write, the final flush), until
// an N past the last commit lets the run finish untouched. Another worker takes
// the run over; each time the buyer has exactly one receipt and the order is paid.
const unavailable = testClusterUnavailable();
if (unavailable) console.warn(`[skipped] crash-at-every-step tests: ${unavailable}`);

const BACKEND = { kind: 'backend' } as const;

async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(unavailable)('a worker killed after each step of a payment', () => {
  let cluster: TestCluster;
  let handle: DbHandle;
  let sandbox: Sandbox;
  let receiver: Awaited<ReturnType<typeof startWebhookServer>>;

  beforeAll(async () => {
    cluster = await startTestCluster();
    handle = await createDb({ url: cluster.url() });
    sandbox = await startSandbox({ port: 0, retryBaseMs: 100, controlToken: sandboxControlToken() });
    process.env.TILLFLOW_SANDBOX_URL = sandbox.url;
    receiver = await startWebhookServer(handle, { port: 0, logger: testLogger });
    process.env.PUBLIC_URL = receiver.url;
  }, 180_000);
  afterAll(async () => {
    await receiver?.close();
    await sandbox?.close();
    await handle?.close();
    await cluster?.stop();
  });

  function spawnWorker(
    crashAt: string,
    env: Record<string, string> = {},
  ): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null> } {
    const child = fork(path.join(import.meta.dirname, '../src/worker-cli.ts'), [], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, DATABASE_URL: cluster.url(), TILLFLOW_TEST_CRASH_AT: crashAt, ...env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    return { child, exited };
  }

  it('ends with exactly one receipt and a paid order whichever step the worker died after', async () => {
    const outcomes: string[] = [];
    for (let n = 1; n <= 8; n++) {
      const ctx = await createPaymentsProject(handle, sandbox);
      const projectId = ctx.project.id;
      const asAlice = ctx.asUser(ctx.alice);
      const order = await insertRow(
        handle.db,
        projectId,
        asAlice,
        'order',
        { title: `Mug ${n}` },
        { serverValues: { amount: 1200 } },
      );
      const created = await createPaymentAction(paymentServices(handle), projectId, asAlice, {
        orderId: order.id,
        method: 'payment_intent', // the amount is the order's (the server decides it)
      });
      const payment = await getRow(handle.db, projectId, BACKEND, 'payment', created.paymentId);
      const runsQueued = async () => {
        const [row] = await executeRows<{ n: number }>(
          handle.db,
          sql`select count(*)::int as n from flow_run where project_id = ${projectId}`,
        );
        return row.n > 0;
      };
      await createStripeClient(ctx.account.secretKey, sandbox.url).paymentIntents.confirm(
        String(payment?.stripe_payment_intent_id),
        { payment_method: 'pm_card_visa' },
      );
      await eventually(runsQueued);
      const doomed = spawnWorker(`step:${n}`);
      const allDone = async () => {
        const [open] = await executeRows<{ n: number }>(
          handle.db,
          sql`select count(*)::int as n from flow_run where project_id = ${projectId} and status <> 'succeeded'`,
        );
        return open.n === 0;
      };
      // Either the worker dies at its N-th commit, or (N past the last commit) everything finishes.
      const died = await Promise.race([
        doomed.exited.then((how) => how === 'SIGKILL'),
        eventually(allDone).then(() => false),
      ]);
      outcomes.push(`step ${n}: ${died ? 'killed' : 'finished'}`);
      if (!died) {
        doomed.child.kill('SIGTERM');
        await doomed.exited;
      }
      // A survivor takes the dead worker's runs over (its heartbeat goes stale in ~5 s).
      const survivor = await startWorkers(testServices(handle), { projectIds: [projectId], pollMs: 50 });
      try {
        await eventually(allDone);
      } finally {
        await survivor.stop();
      }
      expect((await getRow(handle.db, projectId, BACKEND, 'order', order.id))?.status).toBe('paid');
      const receipts = await executeRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from mail_message where project_id = ${projectId}`,
      );
      expect({ n, receipts: receipts[0].n }).toEqual({ n, receipts: 1 });
      if (!died) break;
    }
    // Killed after every commit up to the last, then one clean run.
    expect(outcomes.filter((o) => o.endsWith('killed')).length).toBeGreaterThanOrEqual(3);
    expect(outcomes.at(-1)).toMatch(/finished$/);
  }, 600_000);
  it('with SMTP, a worker killed right after the server accepted the receipt: it goes once more with the same Message-ID, and the mailbox holds one', async () => {
    const smtp = await startSmtpServer();
    try {
      const ctx = await createPaymentsProject(handle, sandbox);
      const projectId = ctx.project.id;
      const egress = createEgressGuard({ allow: ['127.0.0.1/32'] });
      await saveMailSettings(
        handle.db,
        projectId,
        { host: '127.0.0.1', port: smtp.port, fromAddress: 'Shop <shop@example.test>' },
        { egress },
      );
      const asAlice = ctx.asUser(ctx.alice);
      const order = await insertRow(
        handle.db,
        projectId,
        asAlice,
        'order',
        { title: 'Mug by mail' },
        { serverValues: { amount: 1500 } },
      );
      const created = await createPaymentAction(paymentServices(handle), projectId, asAlice, {
        orderId: order.id,
        method: 'payment_intent',
      });
      const payment = await getRow(handle.db, projectId, BACKEND, 'payment', created.paymentId);
      // A real `npm run worker` runs the payment and its dispatcher sends the receipt; it dies right after the
      // SMTP server accepted it, before the row is marked sent.
      const doomed = spawnWorker('smtp', { TILLFLOW_EGRESS_ALLOW_PRIVATE: '127.0.0.1/32' });
      await createStripeClient(ctx.account.secretKey, sandbox.url).paymentIntents.confirm(
        String(payment?.stripe_payment_intent_id),
        { payment_method: 'pm_card_visa' },
      );
      expect(await doomed.exited).toBe('SIGKILL');
      expect(smtp.received).toHaveLength(1);
      const messageId = /Message-ID:\s*(<[^>]+>)/i.exec(smtp.received[0].data)?.[1];
      expect(messageId, smtp.received[0].data.slice(0, 600)).toBeTruthy();

      // The next dispatcher (once the dead one's lease ran out) sends that one message again, same Message-ID.
      const survivor = await startWorkers(testServices(handle), { projectIds: [projectId], pollMs: 50 });
      const dispatcher = startMailDispatcher(handle, {
        logger: testLogger,
        pollMs: 200,
        egress,
        projectIds: [projectId],
      });
      try {
        await eventually(async () => {
          const [row] = await executeRows<{ status: string }>(
            handle.db,
            sql`select status from mail_message where project_id = ${projectId}`,
          );
          return row?.status === 'sent';
        }, 120_000);
      } finally {
        await dispatcher.stop();
        await survivor.stop();
      }
      expect(smtp.received.map((m) => /Message-ID:\s*(<[^>]+>)/i.exec(m.data)?.[1])).toEqual([messageId, messageId]);
      const rows = await executeRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from mail_message where project_id = ${projectId}`,
      );
      expect(rows[0].n).toBe(1);
      expect((await getRow(handle.db, projectId, BACKEND, 'order', order.id))?.status).toBe('paid');
    } finally {
      await smtp.close();
    }
  }, 300_000);
});
