import type { DbHandle } from '@tillflow/db';

// The studio's open live streams (tRPC subscriptions over SSE) per member, so removing a member, changing their
// role or revoking a session ends them at once in this process. Streams in other studio processes find out at
// their next session re-check (TILLFLOW_REALTIME_REVALIDATE_MS), which also checks membership.

interface LiveStream {
  projectId: number;
  userId: string;
  sessionId: string | null;
  controller: AbortController;
}

// Kept on globalThis because Next may evaluate this module in several bundles of one process.
const holder = globalThis as unknown as { __tillflowLiveStreams?: WeakMap<DbHandle, Set<LiveStream>> };

function streamsOf(handle: DbHandle) {
  holder.__tillflowLiveStreams ??= new WeakMap();
  let set = holder.__tillflowLiveStreams.get(handle);
  if (!set) {
    set = new Set();
    holder.__tillflowLiveStreams.set(handle, set);
  }
  return set;
}

/**
 * Registers a stream for this member (and session); the returned signal aborts when the request's own signal
 * does or when endLiveStreams matches it. Call `done` when the stream ends.
 */
export function trackLiveStream(
  handle: DbHandle,
  who: { projectId: number; userId: string; sessionId: string | null },
  signal: AbortSignal | undefined,
) {
  const controller = new AbortController();
  const stream: LiveStream = { ...who, controller };
  const set = streamsOf(handle);
  set.add(stream);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) controller.abort();
  return {
    signal: controller.signal,
    /** True when the stream was ended for its member (removed, new role, session revoked), not by the client. */
    ended: () => controller.signal.aborted && !signal?.aborted,
    done: () => {
      set.delete(stream);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

/** Ends the matching streams now: a member's in one project, or every stream of one session. */
export function endLiveStreams(
  handle: DbHandle,
  match: { projectId: number; userId: string } | { sessionId: string } | { userId: string },
): number {
  let ended = 0;
  for (const stream of streamsOf(handle)) {
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
  return streamsOf(handle).size;
}
