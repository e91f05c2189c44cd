import { hostname } from 'node:os';
import type { DbHandle } from '@tillflow/db';
import { sql } from 'drizzle-orm';

// Each worker beats into worker_heartbeat every `heartbeatMs` (and extends the
// leases of its runs in the same beat). A worker whose beat is older than
// staleAfterMs is dead: claims take its runs over at once instead of waiting
// for their leases to run out, so a SIGKILLed worker's runs resume within a
// few seconds even with a 30 s lease.

export const DEFAULT_HEARTBEAT_MS = 2_000;
/** Three missed beats. */
export const staleAfterMs = (heartbeatMs: number) => heartbeatMs * 3;

export interface HeartbeatInfo {
  workerId: string;
  kind: 'studio' | 'worker';
  activeRuns: number;
  restarts: number;
}

export async function beat(handle: DbHandle, info: HeartbeatInfo): Promise<void> {
  await handle.db.execute(
    sql`insert into worker_heartbeat (worker_id, host, pid, kind, active_runs, restarts)
        values (${info.workerId}, ${hostname()}, ${process.pid}, ${info.kind}, ${info.activeRuns}, ${info.restarts})
        on conflict (worker_id) do update set beat_at = now(), active_runs = excluded.active_runs,
          restarts = excluded.restarts`,
  );
}

/** A stopped worker leaves no row behind; a killed one leaves a stale row (purged after a day). */
export async function removeHeartbeat(handle: DbHandle, workerId: string): Promise<void> {
  await handle.db.execute(sql`delete from worker_heartbeat where worker_id = ${workerId}`);
}

export async function purgeStaleHeartbeats(handle: DbHandle): Promise<void> {
  await handle.db.execute(sql`delete from worker_heartbeat where beat_at < now() - interval '1 day'`);
}
