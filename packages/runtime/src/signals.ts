import { EventEmitter } from 'node:events';
import type { DbHandle } from '@tillflow/db';

// Workers poll for queued runs, but a wake-up makes a fresh run start within
// milliseconds: an in-process signal (studio + in-process workers) and, on
// PostgreSQL, NOTIFY so worker processes elsewhere hear it too.
export const RUNS_CHANNEL = 'tillflow_runs';

const holder = globalThis as unknown as { __tillflowRunSignals?: EventEmitter };
holder.__tillflowRunSignals ??= new EventEmitter().setMaxListeners(100);
export const runSignals: EventEmitter = holder.__tillflowRunSignals;

export function signalRunsQueued(): void {
  runSignals.emit('queued');
}

/** Subscribe to wake-ups from this process and (PostgreSQL) from other processes. */
export async function onRunsQueued(handle: DbHandle, listener: () => void): Promise<() => Promise<void>> {
  runSignals.on('queued', listener);
  let unlisten: (() => Promise<void>) | null = null;
  if (handle.driver === 'postgres' && handle.sql) {
    const sub = await handle.sql.listen(RUNS_CHANNEL, listener);
    unlisten = () => sub.unlisten();
  }
  return async () => {
    runSignals.off('queued', listener);
    await unlisten?.();
  };
}
