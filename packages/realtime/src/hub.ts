import { createLogger, type Logger, loadSettings, TillflowError } from '@tillflow/core';
import { type Actor, END_USER_TABLE, listTables } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { changesAfter, changesSince, deletedRow, lateChanges, startPosition } from './change-log';
import { Subscriber } from './subscriber';
import { CHANGE_CHANNEL, ensureChangeTriggers, type ProjectRef, pruneChangeLog } from './triggers';
import { actorKey, type ChangeEvent, eventFor, type RawChange } from './visibility';

export interface SubscribeOptions {
  project: ProjectRef;
  actor: Actor;
  /** Builder-visible table names; all tables when omitted. */
  tables?: string[];
  /** The last position the client saw: changes after it are replayed first. */
  after?: number | null;
  signal?: AbortSignal;
  /**
   * Whether the subscriber's credentials still stand for `actor` (session not revoked or expired,
   * same role). Asked every `revalidateMs` and at once when the actor's own end-user row changes;
   * when false, the subscription ends with ActorChangedError so the client reconnects as whoever it
   * is now, and a demoted admin stops receiving rows they may no longer read.
   */
  stillValid?: () => Promise<boolean>;
  revalidateMs?: number;
}

/** The subscription's actor no longer stands; the client should reconnect (and resume from its last id). */
export class ActorChangedError extends TillflowError {
  readonly reconnect = true;
  constructor() {
    super('UNAUTHORIZED', 'Your access changed; reconnect to continue.', { retryable: true });
    this.name = 'ActorChangedError';
  }
}

/** Hands the rest of a change stream to callbacks instead of next() calls (see ChangeHub.subscribe). */
export const PUSH_EVENTS: unique symbol = Symbol('tillflow.pushEvents');

export interface PushHandlers<T> {
  /** Each event, in order, as it is dispatched. */
  value(event: T): void;
  /** The end: nothing more comes. With an error when the stream failed (ActorChangedError: reconnect). */
  end(error?: unknown): void;
}

/** A subscription's events: an async iterator, or (once, instead of next()) pushed to callbacks. */
export interface ChangeStream extends AsyncIterableIterator<ChangeEvent, undefined> {
  return(): Promise<IteratorResult<ChangeEvent, undefined>>;
  [PUSH_EVENTS](handlers: PushHandlers<ChangeEvent>): void;
}

const REPLAY_PAGE = 500;
/** Subscribers handed a change before the event loop gets a turn (see dispatch). */
const FANOUT_SLICE = 64;
const RECENT_POSITIONS = 10_000;
const REVALIDATE_MS = 60_000;
const TABLE_NAMES_TTL_MS = 10_000;
const TRIGGERS_TTL_MS = 5_000;
const PRUNE_EVERY_MS = 3600_000;
const PULL_PAGE = 1000;

/** Where a read of a project's log stood, for the line logged when it fails. */
interface PullStage {
  stage: 'read the change log' | 'dispatch a change';
  position: number | null;
}

/**
 * One per process and database: listens once on the change channel and fans
 * each committed change out to the subscribers of its project, filtered per
 * subscriber by re-reading the row as that subscriber's actor. Several app
 * instances each run their own hub; NOTIFY reaches all of them.
 *
 * A notification only names a project (one per committing transaction, whatever it wrote): the hub then
 * reads that project's log from its last position (its cursor, taken when the project's first subscriber
 * came), including lower positions that committed late. Notifications that arrive while a read of the
 * project is queued are folded into it.
 */
export class ChangeHub {
  private readonly byProject = new Map<number, Set<Subscriber>>();
  private readonly tableNames = new Map<number, { at: number; names: Map<number, string> }>();
  private readonly triggersEnsured = new Map<number, { at: number; done: Promise<unknown> }>();
  private listening: Promise<void> | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private chain: Promise<void> = Promise.resolve();
  // Per watched project: the highest position read from the log (set when its first subscriber comes).
  private readonly cursors = new Map<number, number>();
  private readonly cursorReads = new Map<number, Promise<void>>();
  // Projects with a log read queued and not yet started (further notifications need no other).
  private readonly pullQueued = new Set<number>();
  // Positions already dispatched, so a catch-up that re-reads a late change does not send it twice.
  private readonly recent = new Set<number>();
  private connects = 0;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly handle: DbHandle,
    private logger?: Logger,
  ) {}

  /** The process's logger (passed in by createServices); one made from the settings otherwise. */
  private get log(): Logger {
    this.logger ??= createLogger(loadSettings(), { base: { process: 'realtime' } });
    return this.logger;
  }

  /** Logs through this logger from now on (the first caller may not have had one). */
  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** Starts listening (once). */
  start(): Promise<void> {
    this.listening ??= this.listen();
    return this.listening;
  }

  private async listen() {
    // The log only serves reconnects: older entries go (every instance may do it; deletes are idempotent).
    this.pruneTimer = setInterval(() => {
      pruneChangeLog(this.handle.db).catch(() => {});
    }, PRUNE_EVERY_MS);
    this.pruneTimer.unref();
    const onPayload = (payload: string) => {
      const projectId = parsePayload(payload);
      if (projectId !== null) this.schedulePull(projectId);
    };
    if (this.handle.driver === 'pglite' && this.handle.pglite) {
      const stop = await this.handle.pglite.listen(CHANGE_CHANNEL, onPayload);
      this.unlisten = () => stop();
    } else if (this.handle.sql) {
      // postgres.js re-LISTENs after a dropped connection; onlisten then replays what the gap missed.
      const { unlisten } = await this.handle.sql.listen(CHANGE_CHANNEL, onPayload, () => {
        if (this.connects++ > 0) this.catchUp();
      });
      this.unlisten = unlisten;
    } else throw new Error('The database handle has neither PGlite nor postgres.js.');
  }

  async close(): Promise<void> {
    for (const set of this.byProject.values()) for (const sub of set) sub.end();
    this.byProject.clear();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.unlisten?.();
    this.listening = null;
  }

  subscriberCount(projectId?: number): number {
    if (projectId !== undefined) return this.byProject.get(projectId)?.size ?? 0;
    let n = 0;
    for (const set of this.byProject.values()) n += set.size;
    return n;
  }

  /**
   * Changes in commit-notification order; resumes after `after` by replaying the log first. Iterate it, or hand
   * the rest of it to callbacks ([PUSH_EVENTS]): a change reaching a thousand subscribers then costs no promise
   * per subscriber between the hub and the stream. Either way the subscription ends (and leaves the hub) when the
   * signal aborts, when it is returned, or when its actor no longer stands (ActorChangedError, to reconnect).
   */
  subscribe(options: SubscribeOptions): ChangeStream {
    const warnEndFailed = (error: unknown) =>
      this.log.warn({ err: error }, 'realtime: a pushed subscription failed to end');
    const sub = new Subscriber(options.actor, options.tables ?? null, options.signal);
    const replayed = new Set<number>();
    const registration: { leave: (() => void) | null } = { leave: null };
    const prelude = this.joinAndReplay(options, sub, replayed, registration);
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      sub.end();
      registration.leave?.();
    };
    let live = false;
    const done = { done: true as const, value: undefined };
    const nextLive = async (): Promise<IteratorResult<ChangeEvent, undefined>> => {
      for (;;) {
        const event = await sub.next();
        if (!event) {
          const stale = sub.stale;
          finish();
          if (stale) throw new ActorChangedError();
          return done;
        }
        if (!replayed.has(event.position)) return { done: false, value: event };
      }
    };
    const stream: ChangeStream = {
      async next() {
        if (finished) return done;
        if (!live) {
          let step: IteratorResult<ChangeEvent>;
          try {
            step = await prelude.next();
          } catch (error) {
            finish();
            throw error;
          }
          if (!step.done) return step;
          live = true;
        }
        return nextLive();
      },
      async return() {
        // (waits for a step of the prelude in flight, so a subscriber it is registering leaves too)
        await prelude.return(undefined).catch(() => {});
        finish();
        return done;
      },
      [Symbol.asyncIterator]() {
        return stream;
      },
      [PUSH_EVENTS](handlers) {
        // A consumer's callback that throws ends its own subscription, never the fan-out to the others.
        let ended = false;
        const end = (error?: unknown) => {
          if (ended) return;
          ended = true;
          finish(); // (its subscriber's own end comes back here, and is ignored)
          try {
            handlers.end(error);
          } catch (failure) {
            warnEndFailed(failure);
          }
        };
        const deliver = (event: ChangeEvent) => {
          if (ended) return;
          try {
            handlers.value(event);
          } catch (error) {
            end(error);
          }
        };
        void (async () => {
          try {
            if (!live) {
              for (let step = await prelude.next(); !step.done; step = await prelude.next()) {
                if (finished) return;
                deliver(step.value);
              }
              live = true;
            }
          } catch (error) {
            end(error);
            return;
          }
          sub.listen((event) => {
            if (event === null) end(sub.stale ? new ActorChangedError() : undefined);
            else if (!replayed.has(event.position)) deliver(event);
          });
        })();
      },
    };
    return stream;
  }

  /** Joins the project's subscribers (watching its log if none did) and yields the replay after `after`. */
  private async *joinAndReplay(
    options: SubscribeOptions,
    sub: Subscriber,
    replayed: Set<number>,
    registration: { leave: (() => void) | null },
  ): AsyncGenerator<ChangeEvent, void> {
    await this.start();
    await this.ensureTriggers(options.project);
    const projectId = options.project.id;
    // Read the log from here on; checked again after each await, so a project whose last subscriber
    // left meanwhile (its cursor dropped) is watched afresh before this one joins.
    while (!this.cursors.has(projectId)) await this.watch(projectId);
    const set = this.byProject.get(projectId) ?? new Set<Subscriber>();
    this.byProject.set(projectId, set);
    set.add(sub);
    const { stillValid } = options;
    let revalidation: NodeJS.Timeout | null = null;
    if (stillValid) {
      sub.revalidate = () => {
        stillValid().then(
          (valid) => valid || sub.endStale(),
          () => sub.endStale(),
        );
      };
      revalidation = setInterval(sub.revalidate, options.revalidateMs ?? REVALIDATE_MS);
      revalidation.unref();
    }
    registration.leave = () => {
      if (revalidation) clearInterval(revalidation);
      set.delete(sub);
      if (set.size === 0 && this.byProject.get(projectId) === set) {
        this.byProject.delete(projectId);
        this.cursors.delete(projectId);
      }
    };
    if (options.after !== undefined && options.after !== null) {
      for await (const event of this.replay(projectId, sub, options.after)) {
        replayed.add(event.position);
        yield event;
      }
    }
  }

  /** Starts reading a project's log at its current end (once, however many subscribers come at the same time). */
  private watch(projectId: number): Promise<void> {
    let reading = this.cursorReads.get(projectId);
    if (!reading) {
      reading = startPosition(this.handle.db, projectId)
        .then(({ position, committed }) => {
          if (this.cursors.has(projectId)) return;
          this.cursors.set(projectId, position);
          // Committed before anyone here watched the project, the start position itself included: never sent
          // (a later read's late rule may return them; see startPosition).
          for (const seen of committed) this.remember(seen);
          if (position > 0) this.remember(position);
        })
        .finally(() => this.cursorReads.delete(projectId));
      this.cursorReads.set(projectId, reading);
    }
    return reading;
  }

  /** A read of the project's log after its cursor, unless one is already queued (it will see this change too). */
  private schedulePull(projectId: number) {
    if (!this.cursors.has(projectId) || this.pullQueued.has(projectId)) return;
    this.pullQueued.add(projectId);
    this.enqueue(async () => {
      this.pullQueued.delete(projectId);
      const at: PullStage = { stage: 'read the change log', position: null };
      try {
        await this.pull(projectId, at);
      } catch (error) {
        // The subscribers stay; the next notification (or reconnect) reads from the same cursor again.
        this.log.error(
          {
            err: error,
            stage: at.stage,
            projectId,
            position: at.position,
            subscribers: this.subscriberCount(projectId),
          },
          'realtime: dispatch failed',
        );
      }
    });
  }

  private async pull(projectId: number, at: PullStage) {
    for (;;) {
      const cursor = this.cursors.get(projectId);
      if (cursor === undefined) return;
      at.stage = 'read the change log';
      at.position = cursor;
      const page = await changesSince(this.handle.db, projectId, cursor, PULL_PAGE);
      let last = cursor;
      for (const change of page) {
        at.stage = 'dispatch a change';
        at.position = change.position;
        await this.dispatch(change);
        if (change.position > last) last = change.position;
      }
      if (this.cursors.has(projectId) && last > (this.cursors.get(projectId) ?? 0)) this.cursors.set(projectId, last);
      if (page.length < PULL_PAGE || last === cursor) return;
    }
  }

  /** Re-runs the trigger installer at most every few seconds per project, so tables created later get theirs. */
  ensureTriggers(project: ProjectRef): Promise<unknown> {
    const cached = this.triggersEnsured.get(project.id);
    if (cached && Date.now() - cached.at < TRIGGERS_TTL_MS) return cached.done;
    const done = ensureChangeTriggers(this.handle.db, project).catch((error) => {
      this.triggersEnsured.delete(project.id);
      throw error;
    });
    this.triggersEnsured.set(project.id, { at: Date.now(), done });
    return done;
  }

  /**
   * What a client that saw `after` may have missed: changes that committed late with a lower
   * position, then everything after it. At least once: a late change it did receive comes again
   * (same position, so a client can drop it).
   */
  private async *replay(projectId: number, sub: Subscriber, after: number): AsyncGenerator<ChangeEvent> {
    yield* this.visible(await lateChanges(this.handle.db, projectId, after), sub);
    let cursor = after;
    while (true) {
      const page = await changesAfter(this.handle.db, projectId, cursor, REPLAY_PAGE);
      if (page.length > 0) cursor = page[page.length - 1].position;
      yield* this.visible(page, sub);
      if (page.length < REPLAY_PAGE) return;
    }
  }

  private async *visible(changes: RawChange[], sub: Subscriber): AsyncGenerator<ChangeEvent> {
    for (const change of changes) {
      const name = await this.tableName(change);
      if (!name || !sub.wantsTable(name)) continue;
      const event = await eventFor(this.handle.db, change, name, sub.actor, () => this.oldRow(change));
      if (event) yield event;
    }
  }

  // Changes are handled one at a time, so each subscriber sees them in notification order.
  private enqueue(task: () => Promise<void>) {
    this.chain = this.chain.then(task).catch((error) => {
      this.log.error({ err: error, stage: 'queue' }, 'realtime: dispatch failed');
    });
  }

  private remember(position: number) {
    this.recent.add(position);
    if (this.recent.size > RECENT_POSITIONS) this.recent.delete(this.recent.values().next().value as number);
  }

  private async dispatch(change: RawChange) {
    if (this.recent.has(change.position)) return;
    this.remember(change.position);
    const subs = this.byProject.get(change.projectId);
    if (!subs || subs.size === 0) return;
    const name = await this.tableName(change);
    if (!name) return;
    // A change to a subscriber's own end-user row (its role, or the row deleted) may change what it may read.
    if (name === END_USER_TABLE)
      for (const sub of subs) if (sub.actor.kind === 'endUser' && sub.actor.userId === change.rowId) sub.revalidate();
    const groups = new Map<string, Subscriber[]>();
    for (const sub of subs) {
      if (!sub.wantsTable(name)) continue;
      const key = actorKey(sub.actor);
      const group = groups.get(key);
      if (group) group.push(sub);
      else groups.set(key, [sub]);
    }
    let oldRow: Promise<Record<string, unknown> | null> | null = null;
    const loadOld = () => {
      oldRow ??= this.oldRow(change);
      return oldRow;
    };
    // One re-read per distinct actor, not per connection: a user's ten tabs cost one query.
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const event = await eventFor(this.handle.db, change, name, group[0].actor, loadOld);
        if (!event) return;
        // In slices, letting the event loop write each slice's messages out before the next is handed on: the
        // first subscribers are not kept waiting for the thousandth, and requests are served in between.
        for (let i = 0; i < group.length; i += FANOUT_SLICE) {
          if (i > 0) await new Promise((resolve) => setImmediate(resolve));
          for (const sub of group.slice(i, i + FANOUT_SLICE)) sub.push(event);
        }
      }),
    );
  }

  /** After a reconnect of the listening connection: read what was committed meanwhile. */
  private catchUp() {
    for (const projectId of this.cursors.keys()) this.schedulePull(projectId);
  }

  private oldRow(change: RawChange): Promise<Record<string, unknown> | null> {
    return deletedRow(this.handle.db, change.position);
  }

  private async tableName(change: RawChange): Promise<string | null> {
    const cached = this.tableNames.get(change.projectId);
    const fresh = cached && Date.now() - cached.at < TABLE_NAMES_TTL_MS;
    if (fresh && cached.names.has(change.tableId)) return cached.names.get(change.tableId) ?? null;
    const tables = await listTables(this.handle.db, change.projectId);
    const names = new Map(tables.map((t) => [t.id, t.name]));
    this.tableNames.set(change.projectId, { at: Date.now(), names });
    return names.get(change.tableId) ?? null;
  }
}

/** The project a notification names: its id (an older release's trigger sent JSON with `project`). */
function parsePayload(payload: string): number | null {
  if (/^\d+$/.test(payload)) return Number(payload);
  try {
    const project = Number((JSON.parse(payload) as { project?: unknown }).project);
    return Number.isInteger(project) ? project : null;
  } catch {
    return null;
  }
}

const hubs = new WeakMap<DbHandle, ChangeHub>();

/** The process's hub for this database handle (created on first use). */
export function getChangeHub(handle: DbHandle, logger?: Logger): ChangeHub {
  let hub = hubs.get(handle);
  if (!hub) {
    hub = new ChangeHub(handle, logger);
    hubs.set(handle, hub);
  } else if (logger) hub.useLogger(logger);
  return hub;
}
