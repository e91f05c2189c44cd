import {
  announceChanges,
  canAnnounceChanges,
  createTable,
  deleteRows,
  getTable,
  insertRow,
  pinMetadata,
  updateRows,
} from '@tillflow/data-model';
import { createDb, type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActorChangedError,
  CHANGE_CHANNEL,
  ChangeHub,
  ensureChangeTriggers,
  installChangeCapture,
  PUSH_EVENTS,
  pruneChangeLog,
} from '../src';
import { collect, createOrderProject, waitFor } from './helpers';

const backend = { kind: 'backend' } as const;
const builder = { kind: 'builder' } as const;

describe('realtime change hub', () => {
  let handle: DbHandle;
  let hub: ChangeHub;
  beforeAll(async () => {
    handle = await createTestDb();
    hub = new ChangeHub(handle);
  });
  afterAll(async () => {
    await hub.close();
    await handle.close();
  });

  it('pushes committed changes only to actors who may read the row', async () => {
    const { project, alice, bob } = await createOrderProject(handle);
    const abort = new AbortController();
    const forAlice = collect(hub.subscribe({ project, actor: alice, signal: abort.signal }));
    const forBob = collect(hub.subscribe({ project, actor: bob, signal: abort.signal }));
    const forBuilder = collect(hub.subscribe({ project, actor: builder, tables: ['order'], signal: abort.signal }));
    await waitFor(() => hub.subscriberCount(project.id) === 3);

    const mine = await insertRow(handle.db, project.id, backend, 'order', {
      title: 'A1',
      buyer: alice.kind === 'endUser' ? alice.userId : 0,
    });
    const theirs = await insertRow(handle.db, project.id, backend, 'order', {
      title: 'B1',
      buyer: bob.kind === 'endUser' ? bob.userId : 0,
    });
    // A rolled-back write is never announced.
    await handle.db
      .transaction(async (tx) => {
        await insertRow(tx, project.id, backend, 'order', { title: 'rolled back' });
        throw new Error('rollback');
      })
      .catch(() => {});
    await updateRows(handle.db, project.id, backend, 'order', [{ column: 'id', op: 'eq', value: mine.id }], {
      title: 'A1 paid',
    });

    await waitFor(() => forAlice.events.length >= 2 && forBuilder.events.length >= 3);
    await waitFor(() => forBob.events.length >= 1);
    abort.abort();
    await Promise.all([forAlice.done, forBob.done, forBuilder.done]);

    // Each event carries the row as it reads at dispatch time, so the insert may already show the update.
    expect(forAlice.events.map((e) => [e.op, e.rowId])).toEqual([
      ['INSERT', mine.id],
      ['UPDATE', mine.id],
    ]);
    expect(forAlice.events[1].row?.title).toBe('A1 paid');
    expect(forBob.events.map((e) => e.rowId)).toEqual([theirs.id]);
    expect(forBuilder.events.map((e) => e.rowId)).toEqual([mine.id, theirs.id, mine.id]);
    expect(forBuilder.events.every((e) => e.table === 'order')).toBe(true);
    const positions = forBuilder.events.map((e) => e.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('replays changes missed while disconnected, filtered, after the given position', async () => {
    const { project, alice, bob } = await createOrderProject(handle);
    const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
    const bobId = bob.kind === 'endUser' ? bob.userId : 0;
    const first = new AbortController();
    const live = collect(hub.subscribe({ project, actor: alice, signal: first.signal }));
    await waitFor(() => hub.subscriberCount(project.id) === 1);
    await insertRow(handle.db, project.id, backend, 'order', { title: 'seen', buyer: aliceId });
    await waitFor(() => live.events.length === 1);
    first.abort();
    await live.done;
    const lastSeen = live.events[0].position;

    // While Alice is away: two of hers, one of Bob's.
    await insertRow(handle.db, project.id, backend, 'order', { title: 'missed 1', buyer: aliceId });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'not hers', buyer: bobId });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'missed 2', buyer: aliceId });

    const second = new AbortController();
    const resumed = collect(hub.subscribe({ project, actor: alice, after: lastSeen, signal: second.signal }));
    await waitFor(() => resumed.events.length === 2);
    await insertRow(handle.db, project.id, backend, 'order', { title: 'live again', buyer: aliceId });
    await waitFor(() => resumed.events.length === 3);
    second.abort();
    await resumed.done;
    expect(resumed.events.map((e) => e.row?.title)).toEqual(['missed 1', 'missed 2', 'live again']);
    expect(resumed.events.every((e) => e.position > lastSeen)).toBe(true);
  });

  it('pushed to (as the SSE writer does), a subscription replays, then goes live in order, once each, and leaves on return', async () => {
    const { project, alice, bob } = await createOrderProject(handle);
    const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
    const bobId = bob.kind === 'endUser' ? bob.userId : 0;
    const seen = await insertRow(handle.db, project.id, backend, 'order', { title: 'seen', buyer: aliceId });
    const [{ position: lastSeen }] = await executeRows<{ position: number }>(
      handle.db,
      sql`select max(position)::int as position from realtime_change where project_id = ${project.id}`,
    );
    expect(seen.id).toBeGreaterThan(0);
    await insertRow(handle.db, project.id, backend, 'order', { title: 'missed 1', buyer: aliceId });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'not hers', buyer: bobId });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'missed 2', buyer: aliceId });

    const events: { title: unknown; position: number }[] = [];
    const ends: unknown[] = [];
    const stream = hub.subscribe({ project, actor: alice, after: lastSeen });
    stream[PUSH_EVENTS]({
      value: (event) => events.push({ title: event.row?.title, position: event.position }),
      end: (error) => ends.push(error ?? 'ended'),
    });
    await waitFor(() => events.length === 2 && hub.subscriberCount(project.id) === 1);
    await insertRow(handle.db, project.id, backend, 'order', { title: 'live 1', buyer: aliceId });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'not hers either', buyer: bobId });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'live 2', buyer: aliceId });
    await waitFor(() => events.length === 4);
    expect(events.map((e) => e.title)).toEqual(['missed 1', 'missed 2', 'live 1', 'live 2']);
    const positions = events.map((e) => e.position);
    expect(new Set(positions).size).toBe(4);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    await stream.return();
    expect(hub.subscriberCount(project.id)).toBe(0);
    expect(ends).toEqual(['ended']);
    await insertRow(handle.db, project.id, backend, 'order', { title: 'after it left', buyer: aliceId });
    await new Promise((r) => setTimeout(r, 200));
    expect(events).toHaveLength(4);
  });

  it('a change reaching more subscribers than one slice of the fan-out reaches every one, each once', async () => {
    const { project, alice } = await createOrderProject(handle);
    const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
    const abort = new AbortController();
    const received = new Map<number, number>();
    for (let i = 0; i < 150; i++)
      hub.subscribe({ project, actor: alice, signal: abort.signal })[PUSH_EVENTS]({
        value: () => received.set(i, (received.get(i) ?? 0) + 1),
        end: () => {},
      });
    await waitFor(() => hub.subscriberCount(project.id) === 150);
    await insertRow(handle.db, project.id, backend, 'order', { title: 'for everyone', buyer: aliceId });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'and again', buyer: aliceId });
    await waitFor(() => [...received.values()].filter((n) => n === 2).length === 150);
    abort.abort();
    await waitFor(() => hub.subscriberCount(project.id) === 0);
    expect([...received.values()].every((n) => n === 2)).toBe(true);
  });

  it('a pushed consumer that throws ends only its own subscription; the others still receive every change', async () => {
    const { project, alice } = await createOrderProject(handle);
    const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
    const abort = new AbortController();
    const broken: { ends: unknown[] } = { ends: [] };
    hub.subscribe({ project, actor: alice, signal: abort.signal })[PUSH_EVENTS]({
      value: () => {
        throw new Error('the consumer broke');
      },
      end: (error) => broken.ends.push(error),
    });
    const titles: unknown[] = [];
    for (let i = 0; i < 2; i++)
      hub.subscribe({ project, actor: alice, signal: abort.signal })[PUSH_EVENTS]({
        value: (event) => titles.push(event.row?.title),
        end: () => {},
      });
    await waitFor(() => hub.subscriberCount(project.id) === 3);
    await insertRow(handle.db, project.id, backend, 'order', { title: 'one', buyer: aliceId });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'two', buyer: aliceId });
    await waitFor(() => titles.length === 4);
    expect(titles).toEqual(['one', 'one', 'two', 'two']);
    expect(broken.ends).toHaveLength(1);
    expect((broken.ends[0] as Error).message).toBe('the consumer broke');
    expect(hub.subscriberCount(project.id)).toBe(2);
    abort.abort();
    await waitFor(() => hub.subscriberCount(project.id) === 0);
  });

  it('a resume also replays a lower position whose transaction was still running when the last seen one was written', async () => {
    const { project, alice } = await createOrderProject(handle);
    const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
    const a = await insertRow(handle.db, project.id, backend, 'order', { title: 'A', buyer: aliceId });
    const b = await insertRow(handle.db, project.id, backend, 'order', { title: 'B', buyer: aliceId });
    const { id: orderTableId } = await getTable(handle.db, project.id, 'order');
    const [rowA, rowB] = await executeRows<{ position: string; tx_id: string; tx_floor: string }>(
      handle.db,
      sql`select position, tx_id, tx_floor from realtime_change
          where project_id = ${project.id} and table_id = ${orderTableId} order by position`,
    );
    // Committed one after the other: A's transaction had finished before B's wrote, so resuming after B
    // replays nothing. (B's floor is set so: on a shared PostgreSQL another test file's open transaction
    // can hold the real snapshot floor below A's transaction id.)
    await executeRows(
      handle.db,
      sql`update realtime_change set tx_floor = ${String(Number(rowA.tx_id) + 1)} where position = ${rowB.position}`,
    );
    const resume = async () => {
      const abort = new AbortController();
      const resumed = collect(
        hub.subscribe({ project, actor: alice, after: Number(rowB.position), signal: abort.signal }),
      );
      await waitFor(() => hub.subscriberCount(project.id) === 1);
      await new Promise((r) => setTimeout(r, 100));
      abort.abort();
      await resumed.done;
      return resumed.events.map((e) => e.rowId);
    };
    expect(await resume()).toEqual([]);
    // As if A's transaction had still been running when B wrote (it took its position first, committed later).
    await executeRows(
      handle.db,
      sql`update realtime_change set tx_floor = ${rowA.tx_id} where position = ${rowB.position}`,
    );
    expect(await resume()).toEqual([a.id]);
    expect(b.id).toBeGreaterThan(a.id);
  });

  it.runIf(process.env.DATABASE_URL)(
    'PostgreSQL: a slow transaction that commits after a faster one is not lost by a client that resumes in between',
    async () => {
      const { project, alice } = await createOrderProject(handle);
      const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
      const order = await getTable(handle.db, project.id, 'order');
      const physical = (name: string) => order.columns.find((c) => c.name === name)?.physicalName as string;
      const pg = handle.sql as NonNullable<DbHandle['sql']>;
      const abort = new AbortController();
      const live = collect(hub.subscribe({ project, actor: alice, signal: abort.signal }));
      await waitFor(() => hub.subscriberCount(project.id) === 1);

      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let written = () => {};
      const slowWrote = new Promise<void>((r) => {
        written = r;
      });
      const slow = pg.begin(async (tx) => {
        await tx.unsafe(
          `insert into "${order.schemaName}"."${order.physicalName}" ("${physical('title')}", "${physical('buyer')}") values ('slow', ${aliceId})`,
        );
        written();
        await held;
      });
      await slowWrote;
      await insertRow(handle.db, project.id, backend, 'order', { title: 'fast', buyer: aliceId });
      await waitFor(() => live.events.length === 1);
      abort.abort();
      await live.done;
      const lastSeen = live.events[0];
      expect(lastSeen.row?.title).toBe('fast');

      release();
      await slow;
      const again = new AbortController();
      const resumed = collect(hub.subscribe({ project, actor: alice, after: lastSeen.position, signal: again.signal }));
      await waitFor(() => resumed.events.length === 1);
      again.abort();
      await resumed.done;
      expect(resumed.events[0].row?.title).toBe('slow');
      expect(resumed.events[0].position).toBeLessThan(lastSeen.position);
    },
  );

  it('a transaction that writes many rows sends one notification naming the project, and each row reaches subscribers', async () => {
    const { project, alice } = await createOrderProject(handle);
    const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
    const payloads: string[] = [];
    const onPayload = (payload: string) => payloads.push(payload);
    let stop: () => Promise<void>;
    if (handle.driver === 'pglite' && handle.pglite) stop = await handle.pglite.listen(CHANGE_CHANNEL, onPayload);
    else stop = (await (handle.sql as NonNullable<DbHandle['sql']>).listen(CHANGE_CHANNEL, onPayload)).unlisten;
    try {
      const abort = new AbortController();
      const live = collect(hub.subscribe({ project, actor: alice, signal: abort.signal }));
      await waitFor(() => hub.subscriberCount(project.id) === 1);
      // The project's set-up commits (end users) may still be on their way to a listener sharing the connection.
      await new Promise((r) => setTimeout(r, 300));
      payloads.length = 0;
      await handle.db.transaction(async (tx) => {
        for (let i = 0; i < 30; i++)
          await insertRow(tx, project.id, backend, 'order', { title: `bulk ${i}`, buyer: aliceId });
      });
      await waitFor(() => live.events.length === 30);
      await new Promise((r) => setTimeout(r, 100));
      abort.abort();
      await live.done;
      expect(live.events.map((e) => e.row?.title)).toEqual(Array.from({ length: 30 }, (_, i) => `bulk ${i}`));
      // Other test files may commit on a shared database: count only this project's notifications.
      expect(payloads.filter((p) => p === String(project.id))).toEqual([String(project.id)]);
    } finally {
      await stop();
    }
  });

  it.runIf(process.env.DATABASE_URL)(
    'PostgreSQL: a transaction that defers its notices gets none from the trigger; announced after commit, 40 of them send two notices and every row arrives',
    async () => {
      const { project, alice } = await createOrderProject(handle);
      const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
      const payloads: string[] = [];
      const pg = handle.sql as NonNullable<DbHandle['sql']>;
      const { unlisten } = await pg.listen(CHANGE_CHANNEL, (payload) => payloads.push(payload));
      const ours = () => payloads.filter((p) => p === String(project.id)).length;
      const write = (title: string) =>
        handle.db.transaction(async (tx) => {
          pinMetadata(tx, { deferChangeNotices: true });
          await insertRow(tx, project.id, backend, 'order', { title, buyer: aliceId });
        });
      try {
        const abort = new AbortController();
        const live = collect(hub.subscribe({ project, actor: alice, signal: abort.signal }));
        await waitFor(() => hub.subscriberCount(project.id) === 1);
        await new Promise((r) => setTimeout(r, 300));
        payloads.length = 0;
        await write('quiet');
        await new Promise((r) => setTimeout(r, 300));
        expect([ours(), live.events.length]).toEqual([0, 0]);
        announceChanges(handle, project.id);
        await waitFor(() => live.events.length === 1);
        await new Promise((r) => setTimeout(r, 100));
        payloads.length = 0;
        await Promise.all(Array.from({ length: 40 }, (_, i) => write(`burst ${i}`)));
        for (let i = 0; i < 40; i++) announceChanges(handle, project.id);
        await waitFor(() => live.events.length === 41);
        await new Promise((r) => setTimeout(r, 200));
        abort.abort();
        await live.done;
        expect(live.events[0].row?.title).toBe('quiet');
        expect(new Set(live.events.slice(1).map((e) => e.row?.title))).toEqual(
          new Set(Array.from({ length: 40 }, (_, i) => `burst ${i}`)),
        );
        // The first announcement goes at once; the 39 within its window share one trailing notice.
        expect(ours()).toBe(2);
      } finally {
        await unlisten();
      }
    },
  );

  it('announces after commit on PostgreSQL only: on PGlite the trigger keeps notifying inside the transaction', () => {
    expect(canAnnounceChanges(handle)).toBe(Boolean(process.env.DATABASE_URL));
  });

  it.runIf(process.env.DATABASE_URL)(
    'PostgreSQL: a live subscriber receives a lower position that commits after a higher one it already received',
    async () => {
      const { project, alice } = await createOrderProject(handle);
      const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
      const order = await getTable(handle.db, project.id, 'order');
      const physical = (name: string) => order.columns.find((c) => c.name === name)?.physicalName as string;
      const pg = handle.sql as NonNullable<DbHandle['sql']>;
      const abort = new AbortController();
      const live = collect(hub.subscribe({ project, actor: alice, signal: abort.signal }));
      await waitFor(() => hub.subscriberCount(project.id) === 1);
      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let written = () => {};
      const slowWrote = new Promise<void>((r) => {
        written = r;
      });
      const slow = pg.begin(async (tx) => {
        await tx.unsafe(
          `insert into "${order.schemaName}"."${order.physicalName}" ("${physical('title')}", "${physical('buyer')}") values ('slow', ${aliceId})`,
        );
        written();
        await held;
      });
      await slowWrote;
      await insertRow(handle.db, project.id, backend, 'order', { title: 'fast', buyer: aliceId });
      await waitFor(() => live.events.length === 1);
      release();
      await slow;
      await waitFor(() => live.events.length === 2);
      await new Promise((r) => setTimeout(r, 100));
      abort.abort();
      await live.done;
      expect(live.events.map((e) => e.row?.title)).toEqual(['fast', 'slow']);
      expect(live.events[1].position).toBeLessThan(live.events[0].position);
    },
  );

  it.runIf(process.env.DATABASE_URL)(
    'PostgreSQL: a new subscriber is sent nothing committed before it came, while an older transaction holds the snapshot floor back',
    async () => {
      const pg = handle.sql as NonNullable<DbHandle['sql']>;
      let release = () => {};
      const held = new Promise<void>((r) => {
        release = r;
      });
      let started = () => {};
      const open = new Promise<void>((r) => {
        started = r;
      });
      // Any long transaction on the server (here: one holding a transaction id) keeps every later log row's
      // tx_floor below the project's own transactions.
      const old = pg.begin(async (tx) => {
        await tx`select pg_current_xact_id()`;
        started();
        await held;
      });
      try {
        await open;
        const { project } = await createOrderProject(handle); // its end users are written now, before anyone watches
        const abort = new AbortController();
        const live = collect(hub.subscribe({ project, actor: builder, signal: abort.signal }));
        await waitFor(() => hub.subscriberCount(project.id) === 1);
        const row = await insertRow(handle.db, project.id, backend, 'order', { title: 'after' });
        await waitFor(() => live.events.length >= 1);
        await new Promise((r) => setTimeout(r, 200));
        abort.abort();
        await live.done;
        expect(live.events.map((e) => [e.table, e.rowId])).toEqual([['order', row.id]]);
      } finally {
        release();
        await old;
      }
    },
  );

  it('covers tables created later, and deletes respect the row scope', async () => {
    const { project, alice, bob } = await createOrderProject(handle);
    const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
    const abort = new AbortController();
    const forBuilder = collect(hub.subscribe({ project, actor: builder, signal: abort.signal }));
    const forAlice = collect(hub.subscribe({ project, actor: alice, tables: ['order'], signal: abort.signal }));
    const forBob = collect(hub.subscribe({ project, actor: bob, tables: ['order'], signal: abort.signal }));
    await waitFor(() => hub.subscriberCount(project.id) === 3);

    await createTable(handle.db, project.id, { name: 'later', columns: [{ name: 'n', type: 'integer' }] });
    await insertRow(handle.db, project.id, backend, 'later', { n: 7 });
    const order = await insertRow(handle.db, project.id, backend, 'order', { title: 'to delete', buyer: aliceId });
    // Events carry the row as it is when dispatched: wait, or the insert would be seen already deleted.
    await waitFor(() => forAlice.events.length === 1);
    await deleteRows(handle.db, project.id, backend, 'order', [{ column: 'id', op: 'eq', value: order.id }]);

    await waitFor(() => forBuilder.events.length >= 3 && forAlice.events.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    abort.abort();
    await Promise.all([forBuilder.done, forAlice.done, forBob.done]);
    expect(forBuilder.events.map((e) => [e.table, e.op])).toEqual([
      ['later', 'INSERT'],
      ['order', 'INSERT'],
      ['order', 'DELETE'],
    ]);
    expect(forBuilder.events[0].row?.n).toBe(7);
    expect(forAlice.events.map((e) => [e.op, e.rowId, e.row === null])).toEqual([
      ['INSERT', order.id, false],
      ['DELETE', order.id, true],
    ]);
    expect(forBob.events).toEqual([]);
    // Installing again finds nothing to do.
    expect(await ensureChangeTriggers(handle.db, project)).toBe(0);
  });

  it('every instance (hub) on the database receives the change', async () => {
    const { project, alice } = await createOrderProject(handle);
    const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
    // On PostgreSQL a second connection pool stands for a second app instance.
    const other = handle.driver === 'postgres' ? await createDb({ url: handle.url, migrate: false }) : handle;
    const otherHub = new ChangeHub(other);
    try {
      const abort = new AbortController();
      const a = collect(hub.subscribe({ project, actor: alice, signal: abort.signal }));
      const b = collect(otherHub.subscribe({ project, actor: alice, signal: abort.signal }));
      await waitFor(() => hub.subscriberCount(project.id) === 1 && otherHub.subscriberCount(project.id) === 1);
      const row = await insertRow(handle.db, project.id, backend, 'order', { title: 'both', buyer: aliceId });
      await waitFor(() => a.events.length === 1 && b.events.length === 1);
      abort.abort();
      await Promise.all([a.done, b.done]);
      expect(a.events[0].rowId).toBe(row.id);
      expect(b.events[0].rowId).toBe(row.id);
    } finally {
      await otherHub.close();
      if (other !== handle) await other.close();
    }
  });

  it('ends a subscription with ActorChangedError once its actor no longer stands (own end-user row changed)', async () => {
    const { project, alice } = await createOrderProject(handle);
    const aliceId = alice.kind === 'endUser' ? alice.userId : 0;
    let valid = true;
    let asked = 0;
    const events: unknown[] = [];
    const ended = (async () => {
      for await (const event of hub.subscribe({
        project,
        actor: alice,
        tables: ['order'],
        stillValid: async () => {
          asked++;
          return valid;
        },
        revalidateMs: 60_000,
      }))
        events.push(event);
    })().then(
      () => 'returned',
      (error: unknown) => error,
    );
    await waitFor(() => hub.subscriberCount(project.id) === 1);
    // Another user's row changing asks nothing; her own row changing asks at once.
    valid = false;
    await updateRows(handle.db, project.id, backend, 'end_user', [{ column: 'id', op: 'neq', value: aliceId }], {
      role: 'user',
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(asked).toBe(0);
    await updateRows(handle.db, project.id, backend, 'end_user', [{ column: 'id', op: 'eq', value: aliceId }], {
      role: 'admin',
    });
    expect(await ended).toBeInstanceOf(ActorChangedError);
    expect(asked).toBe(1);
    expect(hub.subscriberCount(project.id)).toBe(0);
  });

  it('replaces a change-capture function installed by an older release', async () => {
    const { project } = await createOrderProject(handle);
    await ensureChangeTriggers(handle.db, project);
    const body = async () =>
      (
        await executeRows<{ prosrc: string }>(
          handle.db,
          sql`select prosrc from pg_proc where proname = 'tillflow_record_change'`,
        )
      )[0].prosrc;
    const current = await body();
    expect(current).toContain('tx_floor');
    // What an earlier release installed: no transaction columns, no version marker. In one transaction,
    // so other test files sharing this database never see the stand-in.
    await handle.db.transaction(async (tx) => {
      await tx.execute(
        sql.raw(`create or replace function public.tillflow_record_change() returns trigger language plpgsql as $fn$
          begin return null; end $fn$`),
      );
      await installChangeCapture(tx);
    });
    expect(await body()).toBe(current);
  });

  it('prunes log entries older than the replay window', async () => {
    const projectId = 1_000_000 + Math.floor(Math.random() * 1_000_000);
    await handle.db.execute(
      sql`insert into realtime_change (project_id, table_id, row_id, op, committed_at) values
          (${projectId}, 1, 1, 'INSERT', now() - interval '2 days'), (${projectId}, 1, 2, 'INSERT', now())`,
    );
    expect(await pruneChangeLog(handle.db, 24 * 3600_000)).toBeGreaterThanOrEqual(1);
    const left = await executeRows<{ row_id: number }>(
      handle.db,
      sql`select row_id from realtime_change where project_id = ${projectId}`,
    );
    expect(left.map((r) => Number(r.row_id))).toEqual([2]);
  });
});
