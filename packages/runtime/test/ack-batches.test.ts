// Group commit of acknowledgements (ack-batches.ts): deliveries arriving while earlier ones are being stored go
// together as one statement, and each is still answered with its own result, only after its commit.
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckBatcher, type AckToStore } from '../src/ack-batches';
import { createHookedFlow, createRuntimeProject, databaseThat, ledgerFlow, post, stripeEvent } from './harness';

let handle: DbHandle;
let projectId: number;
let hook: Awaited<ReturnType<typeof createHookedFlow>>;

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
  hook = await createHookedFlow(handle, projectId, ledgerFlow());
});
afterAll(() => handle.close());

/** The handle with its acknowledgement statements counted. */
function counted(base: DbHandle) {
  const { database, calls } = databaseThat(base, /jsonb_to_recordset/, () => 'pass');
  return { handle: database, statements: calls };
}

function ackOf(event: ReturnType<typeof stripeEvent>, rawText = JSON.stringify(event)): AckToStore {
  return {
    projectId,
    endpointId: hook.endpointId,
    eventId: event.id,
    type: event.type,
    livemode: false,
    objectId: event.data.object.id,
    eventCreated: event.created,
    rawText,
    targets: [{ id: hook.flow.id, publishedVersionId: hook.flow.publishedVersionId as string }],
  };
}

const stored = (eventId: string) =>
  executeRows<{ id: string; delivery_count: number; payload: { id: string }; runs: number; deliveries: number }>(
    handle.db,
    sql`select e.id, e.delivery_count, e.payload,
          (select count(*)::int from flow_run r where r.event_row_id = e.id) as runs,
          (select count(*)::int from webhook_delivery d where d.event_row_id = e.id) as deliveries
        from stripe_event e where e.project_id = ${projectId} and e.event_id = ${eventId}`,
  );

describe('acknowledgements stored together', () => {
  it('stores deliveries that arrive while one is being stored as one statement, and answers each with its own event and run', async () => {
    const { handle: countedHandle, statements } = counted(handle);
    const batcher = new AckBatcher(countedHandle, { maxInFlight: 1, maxRows: 64, stallMs: 60_000 });
    const events = Array.from({ length: 21 }, () => stripeEvent('payment_intent.succeeded'));
    const answers = await Promise.all(events.map((e) => batcher.store(ackOf(e))));
    // The first went alone (nothing else was waiting); the other twenty waited for it and went together.
    expect(statements()).toBe(2);
    for (const [i, event] of events.entries()) {
      const [row] = await stored(event.id);
      expect(answers[i]).toEqual({ eventRowId: row.id, duplicate: false, runs: 1 });
      expect(row).toMatchObject({ delivery_count: 1, runs: 1, deliveries: 1, payload: { id: event.id } });
    }
  });

  it('never stores two deliveries of one event in one statement: the second is answered as a duplicate and queues nothing', async () => {
    const { handle: countedHandle, statements } = counted(handle);
    const batcher = new AckBatcher(countedHandle, { maxInFlight: 1, maxRows: 64, stallMs: 60_000 });
    const [first, twice, last] = [1, 2, 3].map(() => stripeEvent('payment_intent.succeeded'));
    const answers = await Promise.all([first, twice, twice, last, twice].map((e) => batcher.store(ackOf(e))));
    // first alone; then twice + last; then the second copy; then the third copy.
    expect(statements()).toBe(4);
    expect(answers.map((a) => [a.duplicate, a.runs])).toEqual([
      [false, 1],
      [false, 1],
      [true, 0],
      [false, 1],
      [true, 0],
    ]);
    const [row] = await stored(twice.id);
    expect(row).toMatchObject({ delivery_count: 3, runs: 1, deliveries: 3 });
    expect(new Set(answers.filter((_, i) => [1, 2, 4].includes(i)).map((a) => a.eventRowId))).toEqual(
      new Set([row.id]),
    );
  });

  it('fails only the delivery the database refuses; the deliveries stored with it are stored and answered', async () => {
    const batcher = new AckBatcher(handle, { maxInFlight: 1, maxRows: 64, stallMs: 60_000 });
    const [opener, good, bad, alsoGood] = [1, 2, 3, 4].map(() => stripeEvent('payment_intent.succeeded'));
    // Valid JSON that PostgreSQL's jsonb refuses: a NUL character.
    const badText = JSON.stringify({ ...bad, note: '\u0000' });
    const results = await Promise.allSettled([
      batcher.store(ackOf(opener)),
      batcher.store(ackOf(good)),
      batcher.store(ackOf(bad, badText)),
      batcher.store(ackOf(alsoGood)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(await stored(bad.id)).toEqual([]);
    for (const event of [good, alsoGood]) expect((await stored(event.id))[0]).toMatchObject({ runs: 1 });
  });

  it('lets two processes store overlapping bursts in opposite orders at once: each event once, every delivery counted, no deadlock', async () => {
    // Two batchers on one database, as two receivers would be; each sends several statements at once.
    const a = new AckBatcher(handle, { maxInFlight: 3, maxRows: 8, stallMs: 60_000 });
    const b = new AckBatcher(handle, { maxInFlight: 3, maxRows: 8, stallMs: 60_000 });
    const events = Array.from({ length: 60 }, () => stripeEvent('payment_intent.succeeded'));
    const answers = await Promise.all([
      ...events.map((e) => a.store(ackOf(e))),
      ...[...events].reverse().map((e) => b.store(ackOf(e))),
    ]);
    expect(answers.filter((x) => !x.duplicate)).toHaveLength(60);
    expect(answers.reduce((n, x) => n + x.runs, 0)).toBe(60);
    for (const event of events) expect((await stored(event.id))[0]).toMatchObject({ delivery_count: 2, runs: 1 });
  });

  it('lets later deliveries go ahead of a statement the database leaves unanswered, which is answered once it comes back', async () => {
    const stalled = databaseThat(handle, /jsonb_to_recordset/, (call) => (call === 1 ? 'hang' : 'pass'));
    const batcher = new AckBatcher(stalled.database, { maxInFlight: 1, maxRows: 64, stallMs: 200 });
    const [stuck, later] = [1, 2].map(() => stripeEvent('payment_intent.succeeded'));
    let stuckAnswered = false;
    const stuckAnswer = batcher.store(ackOf(stuck)).then((answer) => {
      stuckAnswered = true;
      return answer;
    });
    // The only place in flight is held by a statement that does not come back: the next delivery still goes.
    expect(await batcher.store(ackOf(later))).toMatchObject({ duplicate: false, runs: 1 });
    expect(stuckAnswered).toBe(false);
    stalled.release();
    expect(await stuckAnswer).toMatchObject({ duplicate: false, runs: 1 });
    for (const event of [stuck, later]) expect((await stored(event.id))[0]).toMatchObject({ runs: 1 });
  });

  it('answers a burst of signed deliveries through the webhook entry, each 200 with its own event id, each stored with its run', async () => {
    const events = Array.from({ length: 40 }, () => stripeEvent('payment_intent.succeeded'));
    const answers = await Promise.all(events.map((e) => post(handle, hook.endpointId, hook.secret, e)));
    for (const [i, answer] of answers.entries()) {
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ eventId: events[i].id, duplicate: false, runsQueued: 1 });
      expect((await stored(events[i].id))[0]).toMatchObject({ runs: 1, deliveries: 1 });
    }
  });
});
