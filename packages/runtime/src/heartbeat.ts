import { hostname } from 'node:os';
import type { DbHandle } from '@tillflow/db';
import { sql } from 'drizzle-orm';

// Each worker beats into worker_heartbeat every `heartbeatMs` (and extends the leases of its runs in
// the same beat). A worker whose beat is older than staleAfterMs is dead: claims take its runs over
// at once instead of waiting for their leases to run out, so a SIGKILLed worker's runs resume within
// a few seconds even with a 30 s lease.
//
// Only a worker that can vouch the database was up may judge another dead. Each row keeps a streak:
// when this worker's uninterrupted beating began. A beat that comes more than streakGapMs after the
// previous one (a database outage, a restart, a frozen process) starts a new streak. A claimer takes
// over another worker's runs only when its own streak is older than the stale window and the other
// worker did not beat within that window, i.e. when the database answered this claimer for a whole
// stale window and the holder never beat. After an outage every streak restarts, so a live holder
// beats again (within one beat of reconnecting) before anyone may judge it.

export const DEFAULT_HEARTBEAT_MS = 1_000;
/** Five beat periods (5 s by default): a live worker's beat falls this far behind only if it is dead. */
export const staleAfterMs = (heartbeatMs: number) => heartbeatMs * 5;
/**
 * A gap between two of a worker's beats longer than this (two beat periods, 2 s by default) breaks
 * its streak. An outage shorter than this breaks no streak, so a holder must beat again within the
 * stale window all the same: one beat period (its last beat before the outage), plus the outage (up
 * to 2 s), plus its reconnect (the driver's backoff is capped at 1 s, see @tillflow/db) and a retried
 * beat (a quarter period) is 4.25 s of the 5 s.
 */
export const streakGapMs = (staleMs: number) => staleMs * 0.4;

export interface HeartbeatInfo {
  workerId: string;
  kind: 'studio' | 'worker';
  activeRuns: number;
  restarts: number;
  /** This worker's stale window (staleAfterMs of its heartbeat period): a longer gap starts a new streak. */
  staleMs: number;
}

export async function beat(handle: DbHandle, info: HeartbeatInfo): Promise<void> {
  const gap = streakGapMs(info.staleMs) / 1000;
  await handle.db.execute(
    sql`insert into worker_heartbeat (worker_id, host, pid, kind, active_runs, restarts)
        values (${info.workerId}, ${hostname()}, ${process.pid}, ${info.kind}, ${info.activeRuns}, ${info.restarts})
        on conflict (worker_id) do update set beat_at = now(), active_runs = excluded.active_runs,
          restarts = excluded.restarts,
          streak_start = case when worker_heartbeat.beat_at < now() - make_interval(secs => ${gap})
            then now() else worker_heartbeat.streak_start end`,
  );
}

/** A stopped worker leaves no row behind; a killed one leaves a stale row (purged after a day). */
export async function removeHeartbeat(handle: DbHandle, workerId: string): Promise<void> {
  await handle.db.execute(sql`delete from worker_heartbeat where worker_id = ${workerId}`);
}

export async function purgeStaleHeartbeats(handle: DbHandle): Promise<void> {
  await handle.db.execute(sql`delete from worker_heartbeat where beat_at < now() - interval '1 day'`);
}
