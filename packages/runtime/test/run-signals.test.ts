import { createDb, type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, startWorkers } from '../src';
import { NOTIFY_COALESCE_MS, RUNS_CHANNEL } from '../src/signals';
import { createHookedFlow, createRuntimeProject, ledgerFlow, post, stripeEvent, waitFor } from './harness';

let handle: DbHandle;
let projectId: number;
let hook: Awaited<ReturnType<typeof createHookedFlow>>;

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
  hook = await createHookedFlow(handle, projectId, ledgerFlow());
});
afterAll(async () => {
  await handle?.close();
});

const queuedRuns = async (db: DbHandle['db']) =>
  (
    await executeRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from flow_run where flow_id = ${hook.flow.id} and status = 'queued'`,
    )
  )[0].n;

describe('waking workers when runs are queued', () => {
  it("an acknowledgement wakes this process's idle worker at once, without waiting for its poll", async () => {
    // A poll of a minute: only the wake-up can make this worker claim within the test.
    const workers = await startWorkers(createRunServices({ database: handle }), {
      concurrency: 2,
      pollMs: 60_000,
      projectIds: [projectId],
    });
    try {
      await workers.idle();
      const event = stripeEvent('payment_intent.succeeded', { amount: 5 });
      const started = Date.now();
      expect((await post(handle, hook.endpointId, hook.secret, event)).status).toBe(200);
      await waitFor(async () => {
        const [row] = await executeRows<{ status: string }>(
          handle.db,
          sql`select r.status from flow_run r join stripe_event e on e.id = r.event_row_id
              where e.event_id = ${event.id} and r.status = 'succeeded'`,
        );
        return row ?? null;
      }, 20_000);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await workers.stop();
    }
  });

  // Needs a second connection listening as another process would: PostgreSQL only.
  it.runIf(process.env.DATABASE_URL)(
    'a burst of acknowledgements reaches other processes as a few coalesced NOTIFYs, not one per acknowledgement',
    async () => {
      // Its own pool, as a worker process elsewhere would have.
      const listener = await createDb({ url: process.env.DATABASE_URL, migrate: false, max: 1 });
      const heard: { payload: string; queued: number }[] = [];
      const pending: Promise<void>[] = [];
      try {
        await listener.sql?.listen(RUNS_CHANNEL, (payload) => {
          // What another process's worker would find when woken.
          pending.push(queuedRuns(handle.db).then((queued) => void heard.push({ payload, queued })));
        });
        const burst = 40;
        const started = Date.now();
        const responses = await Promise.all(
          Array.from({ length: burst }, (_, i) =>
            post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded', { amount: i + 1 })),
          ),
        );
        const elapsed = Date.now() - started;
        expect(responses.every((r) => r.status === 200 && r.body.runsQueued === 1)).toBe(true);
        await waitFor(async () => (heard.length > 0 ? true : null), 5_000);
        await new Promise((r) => setTimeout(r, NOTIFY_COALESCE_MS * 5));
        await Promise.all(pending);
        // One leading NOTIFY per coalescing window plus at most one trailing: never one per acknowledgement.
        expect(heard.length).toBeGreaterThanOrEqual(1);
        expect(heard.length).toBeLessThanOrEqual(Math.ceil(elapsed / NOTIFY_COALESCE_MS) + 2);
        expect(heard.length).toBeLessThan(burst);
        // Whoever is woken finds the runs; the payload names the sending process (its own workers skip it).
        for (const h of heard) {
          expect(h.queued).toBeGreaterThan(0);
          expect(h.payload).toMatch(/^\d+:[0-9a-f]{8}$/);
        }
      } finally {
        await listener.close();
      }
    },
  );
});
