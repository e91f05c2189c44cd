import type { DbHandle, Executor } from '@tillflow/db';
import { sql } from 'drizzle-orm';

// The studio's open live streams (tRPC subscriptions over SSE) per member, so removing a member, changing their
// role or revoking a session ends them at once in every studio process. The signal is a NOTIFY on
// LIVE_STREAMS_CHANNEL sent through the executor that made the change: inside a transaction PostgreSQL delivers
// it only at commit (a stream never ends, reconnects and is authorised afresh against the old role), and every
// process listening on the database gets it, this one included. PGlite is one process; its NOTIFY reaches its own
// listener the same way. The streams' periodic session re-check (TILLFLOW_REALTIME_REVALIDATE_MS) stays as a
// second line should a notification be lost (a dropped connection).

export const LIVE_STREAMS_CHANNEL = 'tillflow_live_streams';

export type StreamMatch = { projectId: number; userId: string } | { sessionId: string } | { userId: string };

interface LiveStream {
  projectId: number;
  userId: string;
  sessionId: string | null;
  controller: AbortController;
}

interface HandleStreams {
  streams: Set<LiveStream>;
  listening: Promise<void> | null;
}

// Kept on globalThis because Next may evaluate this module in several bundles of one process.
const holder = globalThis as unknown as { __tillflowLiveStreams?: WeakMap<DbHandle, HandleStreams> };

function stateOf(handle: DbHandle): HandleStreams {
  holder.__tillflowLiveStreams ??= new WeakMap();
  let state = holder.__tillflowLiveStreams.get(handle);
  if (!state) {
    state = { streams: new Set(), listening: null };
    holder.__tillflowLiveStreams.set(handle, state);
  }
  return state;
}

function parseMatch(payload: string): StreamMatch | null {
  try {
    const value = JSON.parse(payload) as Record<string, unknown>;
    if (typeof value.sessionId === 'string') return { sessionId: value.sessionId };
    if (typeof value.userId !== 'string') return null;
    if (typeof value.projectId === 'number') return { projectId: value.projectId, userId: value.userId };
    return { userId: value.userId };
  } catch {
    return null;
  }
}

/** Listens (once per handle) for end-of-stream signals from any process on this database. */
export function listenForStreamEnds(handle: DbHandle): Promise<void> {
  const state = stateOf(handle);
  state.listening ??= (async () => {
    const onPayload = (payload: string) => {
      const match = parseMatch(payload);
      if (match) endLocalStreams(handle, match);
    };
    if (handle.driver === 'pglite' && handle.pglite) await handle.pglite.listen(LIVE_STREAMS_CHANNEL, onPayload);
    else if (handle.sql) await handle.sql.listen(LIVE_STREAMS_CHANNEL, onPayload);
  })().catch((error) => {
    state.listening = null;
    throw error;
  });
  return state.listening;
}

/**
 * Registers a stream for this member (and session); the returned signal aborts when the request's own signal
 * does or when an end-of-stream signal matches it. Call `done` when the stream ends.
 */
export async function trackLiveStream(
  handle: DbHandle,
  who: { projectId: number; userId: string; sessionId: string | null },
  signal: AbortSignal | undefined,
) {
  await listenForStreamEnds(handle);
  const controller = new AbortController();
  const stream: LiveStream = { ...who, controller };
  const { streams } = stateOf(handle);
  streams.add(stream);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) controller.abort();
  return {
    signal: controller.signal,
    /** True when the stream was ended for its member (removed, new role, session revoked), not by the client. */
    ended: () => controller.signal.aborted && !signal?.aborted,
    done: () => {
      streams.delete(stream);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/**
 * Ends the matching streams in every studio process: a member's in one project, or every stream of one session
 * (or of one account). Send it through the executor that makes the change: in a transaction it takes effect
 * at commit, and not at all if the change rolls back.
 */
export async function endLiveStreams(db: Pick<Executor, 'execute'>, match: StreamMatch): Promise<void> {
  await db.execute(sql`select pg_notify(${LIVE_STREAMS_CHANNEL}, ${JSON.stringify(match)})`);
}

/** Ends the matching streams of this process (what a received signal does). */
export function endLocalStreams(handle: DbHandle, match: StreamMatch): number {
  let ended = 0;
  for (const stream of stateOf(handle).streams) {
    const hit =
      'sessionId' in match
        ? stream.sessionId === match.sessionId
        : 'projectId' in match
          ? stream.projectId === match.projectId && stream.userId === match.userId
          : stream.userId === match.userId;
    if (hit && !stream.controller.signal.aborted) {
      stream.controller.abort();
      ended += 1;
    }
  }
  return ended;
}

/** How many streams are open (tests). */
export function liveStreamCount(handle: DbHandle) {
  return stateOf(handle).streams.size;
}
