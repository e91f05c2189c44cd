import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { CoalescedCall } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';

// Workers poll for queued runs, but a wake-up makes a fresh run start within
// milliseconds: an in-process signal (studio + in-process workers) and, on
// PostgreSQL, NOTIFY so worker processes elsewhere hear it too.
export const RUNS_CHANNEL = 'tillflow_runs';

/**
 * At most one NOTIFY per database handle (per process) in this many milliseconds. A NOTIFY is never sent
 * inside the transaction that queued the runs: PostgreSQL serialises the commits of transactions that notify
 * (on a 2-core machine a notify in the ack's transaction cut plain insert commits from ≈ 6 700/s to ≈ 1 700/s),
 * so it goes out after the commit, as its own statement, and a burst of acknowledgements shares one.
 */
export const NOTIFY_COALESCE_MS = 20;

const holder = globalThis as unknown as { __tillflowRunSignals?: EventEmitter; __tillflowRunSignalToken?: string };
holder.__tillflowRunSignals ??= new EventEmitter().setMaxListeners(100);
// The payload of this process's NOTIFYs: its own workers were woken in-process and skip them.
holder.__tillflowRunSignalToken ??= `${process.pid}:${randomUUID().slice(0, 8)}`;
export const runSignals: EventEmitter = holder.__tillflowRunSignals;
const ownToken = holder.__tillflowRunSignalToken;

const notifiers = new WeakMap<DbHandle, CoalescedCall>();

/**
 * Runs were committed to the queue: wake this process's workers now (no database round trip) and, on
 * PostgreSQL, other processes' workers with a coalesced NOTIFY: the first signal of a quiet period sends at
 * once, later ones within NOTIFY_COALESCE_MS share one trailing NOTIFY. Call it after the commit.
 */
export function signalRunsQueued(handle?: DbHandle): void {
  runSignals.emit('queued');
  if (handle?.driver !== 'postgres' || !handle.sql) return;
  let notifier = notifiers.get(handle);
  if (!notifier) {
    // A lost wake-up only delays other processes' workers until their next poll: never an error.
    notifier = new CoalescedCall(
      () => void handle.sql?.notify(RUNS_CHANNEL, ownToken).catch(() => {}),
      NOTIFY_COALESCE_MS,
    );
    notifiers.set(handle, notifier);
  }
  notifier.call();
}

/** Subscribe to wake-ups from this process and (PostgreSQL) from other processes. */
export async function onRunsQueued(handle: DbHandle, listener: () => void): Promise<() => Promise<void>> {
  runSignals.on('queued', listener);
  let unlisten: (() => Promise<void>) | null = null;
  if (handle.driver === 'postgres' && handle.sql) {
    // This process's own NOTIFYs follow an in-process wake-up that already reached the listener.
    const sub = await handle.sql.listen(RUNS_CHANNEL, (payload) => {
      if (payload !== ownToken) listener();
    });
    unlisten = () => sub.unlisten();
  }
  return async () => {
    runSignals.off('queued', listener);
    await unlisten?.();
  };
}
