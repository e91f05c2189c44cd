import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SECRET_KEY, type Sandbox, startSandbox } from '../src/index';
import { nextAttemptAt, retryDelayMs, retryWindowMs } from '../src/webhooks/schedule';
import { sdk, startReceiver, waitFor } from './helpers';

const verifier = new Stripe('sk_test_verifier_only');
const MINUTE = 60_000;

/** Attempt times (ms after the first) that the schedule gives a receiver that never answers 2xx. */
function scheduleFor(baseMs: number): number[] {
  const times = [0];
  for (;;) {
    const next = nextAttemptAt(times.length, 0, times[times.length - 1], baseMs);
    if (next === null) return times;
    times.push(next);
  }
}

describe("Stripe's retry schedule", () => {
  it('retries after 1 min, doubling, each wait at most 12 h, for up to three days: 15 attempts', () => {
    const times = scheduleFor(MINUTE);
    expect(times).toHaveLength(15);
    expect(retryDelayMs(1, MINUTE)).toBe(MINUTE);
    expect(retryDelayMs(2, MINUTE)).toBe(2 * MINUTE);
    expect(retryDelayMs(10, MINUTE)).toBe(512 * MINUTE);
    expect(retryDelayMs(11, MINUTE)).toBe(12 * 60 * MINUTE);
    expect(times[times.length - 1]).toBeLessThanOrEqual(3 * 24 * 60 * MINUTE);
    expect(times[times.length - 1] + 12 * 60 * MINUTE).toBeGreaterThan(3 * 24 * 60 * MINUTE);
  });

  it('a smaller first delay compresses the whole schedule by the same factor', () => {
    const real = scheduleFor(MINUTE);
    const compressed = scheduleFor(50);
    expect(compressed).toEqual(real.map((t) => t / 1200));
    expect(retryWindowMs(50)).toBe(retryWindowMs(MINUTE) / 1200);
  });
});

describe('webhook deliveries survive a sandbox crash', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tillflow-sandbox-'));
  const persistPath = path.join(dir, 'sandbox.json');
  let child: ChildProcess | null = null;
  let restarted: Sandbox | null = null;

  afterAll(async () => {
    child?.kill('SIGKILL');
    await restarted?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a delivery that failed before a SIGKILL is retried after the restart at its due time, same event, same bytes', async () => {
    let down = true;
    let secret = '';
    const attempts: { at: number; raw?: string }[] = [];
    const receiver = await startReceiver(
      verifier,
      () => secret,
      () => {
        attempts.push({ at: Date.now() });
        return down ? 503 : 200;
      },
    );
    try {
      child = fork(path.join(import.meta.dirname, '../src/cli.ts'), ['--port', '0', '--persist', persistPath], {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, SANDBOX_RETRY_BASE_MS: '1500', TILLFLOW_SANDBOX_TOKEN: 'test-token' },
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      });
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      // The CLI's start line is a JSON log line carrying its URL.
      const url = await waitFor(() => /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1], 60_000);
      const port = Number(new URL(url).port);
      const stripe = new Stripe(DEFAULT_SECRET_KEY, { host: '127.0.0.1', port, protocol: 'http' });
      secret = (await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] }))
        .secret as string;
      const customer = await stripe.customers.create({ email: 'retry@example.test' });

      // The first attempt failed and the retry is saved (attempt 2, due ~1.5 s later): crash now.
      const saved = await waitFor(() => {
        try {
          const state = JSON.parse(readFileSync(persistPath, 'utf8'));
          const queue = state.accounts.flatMap((a: any) => a.webhookQueue ?? []);
          return queue.find((q: any) => q.event_type === 'customer.created' && q.attempt === 2);
        } catch {
          return undefined;
        }
      }, 30_000);
      child.kill('SIGKILL');
      await new Promise((resolve) => child?.once('exit', resolve));
      child = null;
      expect(attempts).toHaveLength(1);
      expect(receiver.received).toHaveLength(0);
      down = false;

      restarted = await startSandbox({ port: 0, persistPath, retryBaseMs: 1500, controlToken: 'test-token' });
      await waitFor(() => receiver.received.length >= 1, 30_000);
      const delivered = receiver.received[0];
      expect(delivered.event.type).toBe('customer.created');
      expect((delivered.event.data.object as Stripe.Customer).id).toBe(customer.id);
      expect(delivered.raw).toBe(saved.payload);
      // Not before its due time (Stripe's backoff is kept), and only once.
      expect(attempts[1].at).toBeGreaterThanOrEqual(saved.due_at);
      await restarted.waitForDeliveries();
      expect(receiver.received).toHaveLength(1);
      const records = restarted.listDeliveries(DEFAULT_SECRET_KEY, { eventId: delivered.event.id });
      expect(records.map((r) => [r.attempt, r.status])).toEqual([
        [1, 'failed'],
        [2, 'succeeded'],
      ]);
      expect(restarted.findAccount(DEFAULT_SECRET_KEY)?.webhookQueue).toEqual([]);
    } finally {
      await receiver.close();
    }
  }, 120_000);

  it('gives a delivery up once the (compressed) three days are over, saying when each retry was due', async () => {
    const sandbox = await startSandbox({ port: 0, retryBaseMs: 2 });
    const receiver = await startReceiver(
      verifier,
      () => '',
      () => 500,
    );
    try {
      const keys = await sandbox.createAccount();
      const stripe = sdk(sandbox, keys.secretKey);
      await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] });
      await stripe.customers.create({ email: 'never@example.test' });
      await waitFor(() => sandbox.findAccount(keys.accountId)?.webhookQueue?.length === 0, 60_000);
      const records = sandbox.listDeliveries(keys.accountId);
      expect(records.length).toBeGreaterThanOrEqual(10);
      expect(records.length).toBeLessThanOrEqual(15);
      expect(records.every((r) => r.status === 'failed')).toBe(true);
      expect(records.slice(0, -1).every((r) => r.next_retry_at !== null)).toBe(true);
      expect(records[records.length - 1].next_retry_at).toBeNull();
      expect(records[records.length - 1].created - records[0].created).toBeLessThanOrEqual(retryWindowMs(2));
    } finally {
      await receiver.close();
      await sandbox.close();
    }
  }, 90_000);
});
