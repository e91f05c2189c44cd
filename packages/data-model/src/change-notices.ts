import { CoalescedCall } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';

/** The one NOTIFY channel every realtime hub listens on; the payload is the project's id, nothing else. */
export const CHANGE_CHANNEL = 'tillflow_realtime';

/**
 * A transaction-local setting the change trigger reads: when it is 'on', the trigger still appends every change to
 * the log but sends no NOTIFY, and the writer announces the project's changes after its commit (announceChanges).
 * PostgreSQL serialises the commits of transactions that notify, so a run's transaction must not carry one.
 */
export const NOTIFY_AFTER_COMMIT = 'tillflow.notify_after_commit';

/** At most one change notice per project and process in this many milliseconds (a trailing one covers the rest). */
const CHANGE_NOTICE_COALESCE_MS = 10;

/**
 * Whether this database can take a transaction's notices after its commit (PostgreSQL; on PGlite the trigger
 * notifies inside the transaction as before). A writer that can opens its transaction with
 * `pinMetadata(tx, { deferChangeNotices: true })` and calls announceChanges after the commit.
 */
export function canAnnounceChanges(handle: DbHandle): boolean {
  return handle.driver === 'postgres' && Boolean(handle.sql);
}

const notifiers = new WeakMap<DbHandle, Map<number, CoalescedCall>>();

/**
 * A transaction that deferred its notices (pinMetadata's deferChangeNotices) committed changes of this project: NOTIFY the hubs.
 * The first call of a quiet period sends at once; calls within CHANGE_NOTICE_COALESCE_MS share one trailing NOTIFY,
 * so a burst of runs costs a notice every few milliseconds, not one per run, and the last change is always announced.
 * A hub reads the log from its own position on each notice, so one notice covers every change before it.
 */
export function announceChanges(handle: DbHandle, projectId: number): void {
  if (!canAnnounceChanges(handle)) return;
  let perProject = notifiers.get(handle);
  if (!perProject) {
    perProject = new Map();
    notifiers.set(handle, perProject);
  }
  let notifier = perProject.get(projectId);
  if (!notifier) {
    // A lost notice delays the change until the project's next one or the client's reconnect (which replays the log).
    const send = () => void handle.sql?.notify(CHANGE_CHANNEL, String(projectId)).catch(() => {});
    notifier = new CoalescedCall(send, CHANGE_NOTICE_COALESCE_MS);
    perProject.set(projectId, notifier);
  }
  notifier.call();
}
