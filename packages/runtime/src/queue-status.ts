import { type DbHandle, type Executor, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';
import { DEFAULT_HEARTBEAT_MS, staleAfterMs } from './heartbeat';
import { metrics } from './metrics';

// What /api/health and /metrics report about the run queue and the workers,
// read from flow_run and worker_heartbeat (so any studio sees every process).

export interface WorkerStatus {
  workerId: string;
  host: string;
  pid: number;
  kind: string;
  alive: boolean;
  lastBeatAgeS: number;
  activeRuns: number;
  restarts: number;
}

export interface QueueStatus {
  /** Runs waiting (queued, due or backing off). */
  depth: number;
  /** Runs queued and due now. */
  due: number;
  running: number;
  /** Age of the oldest run queued and due, in seconds (0 when none). */
  oldestQueuedAgeS: number;
  deadLettered24h: number;
  workers: WorkerStatus[];
}

export async function queueStatus(handle: DbHandle): Promise<QueueStatus> {
  const [q] = await executeRows<{
    depth: number;
    due: number;
    running: number;
    oldest: number | null;
    dead: number;
  }>(
    handle.db,
    sql`select count(*) filter (where status = 'queued')::int as depth,
          count(*) filter (where status = 'queued' and run_after <= now())::int as due,
          count(*) filter (where status = 'running')::int as running,
          extract(epoch from now() - min(created_at) filter (where status = 'queued' and run_after <= now()))::float8 as oldest,
          count(*) filter (where status = 'failed' and finished_at > now() - interval '1 day')::int as dead
        from flow_run where test_run = false and (status in ('queued', 'running') or finished_at > now() - interval '1 day')`,
  );
  const stale = staleAfterMs(DEFAULT_HEARTBEAT_MS) / 1000;
  const workers = await executeRows<{
    worker_id: string;
    host: string;
    pid: number;
    kind: string;
    age: number;
    active_runs: number;
    restarts: number;
  }>(
    handle.db,
    sql`select worker_id, host, pid, kind, extract(epoch from now() - beat_at)::float8 as age, active_runs, restarts
        from worker_heartbeat where beat_at > now() - interval '10 minutes' order by host, pid, worker_id`,
  );
  return {
    depth: q.depth,
    due: q.due,
    running: q.running,
    oldestQueuedAgeS: Math.max(0, Math.round((q.oldest ?? 0) * 10) / 10),
    deadLettered24h: q.dead,
    workers: workers.map((w) => ({
      workerId: w.worker_id,
      host: w.host,
      pid: w.pid,
      kind: w.kind,
      alive: w.age <= stale,
      lastBeatAgeS: Math.round(w.age * 10) / 10,
      activeRuns: w.active_runs,
      restarts: w.restarts,
    })),
  };
}

/** Gauges read at scrape time: queue depth, oldest queued age, running runs, live workers. */
export function registerQueueGauges(handle: DbHandle): void {
  let cached: { at: number; value: Promise<QueueStatus> } | null = null;
  // One query per scrape, shared by the gauges.
  const status = () => {
    if (!cached || Date.now() - cached.at > 1000) cached = { at: Date.now(), value: queueStatus(handle) };
    return cached.value;
  };
  metrics.gauge('tillflow_queue_depth', 'Flow runs queued (due or backing off).', async () => (await status()).depth);
  metrics.gauge(
    'tillflow_queue_oldest_age_seconds',
    'Age of the oldest queued run that is due.',
    async () => (await status()).oldestQueuedAgeS,
  );
  metrics.gauge('tillflow_runs_running', 'Flow runs being executed.', async () => (await status()).running);
  metrics.gauge(
    'tillflow_workers_alive',
    'Worker processes whose heartbeat is fresh.',
    async () => (await status()).workers.filter((w) => w.alive).length,
  );
}

/** One project's runs waiting now (queued and due, test runs aside) and how long the oldest has waited. */
export async function projectQueueWait(
  db: Executor,
  projectId: number,
): Promise<{ waiting: number; oldestWaitingS: number | null }> {
  const [row] = await executeRows<{ waiting: number; oldest_s: number | null }>(
    db,
    sql`select count(*)::int as waiting, extract(epoch from now() - min(run_after))::float as oldest_s
        from flow_run where project_id = ${projectId} and status = 'queued'
          and test_run = false and run_after <= now()`,
  );
  return { waiting: Number(row?.waiting ?? 0), oldestWaitingS: row?.oldest_s ?? null };
}

export interface WaitingRun {
  id: string;
  flowId: string;
  flowName: string;
  eventType: string | null;
  /** Seconds since it became due (0 while it is backing off before a retry). */
  waitingS: number;
  /** Seconds until a retry is due (0 when it is due now). */
  retryInS: number;
  attempt: number;
}

/** One project's queued runs (test runs aside), the longest-waiting first: due ones, then retries backing off. */
export async function projectWaitingRuns(db: Executor, projectId: number, limit = 20): Promise<WaitingRun[]> {
  const rows = await executeRows<{
    id: string;
    flow_id: string;
    flow_name: string;
    event_type: string | null;
    waiting_s: number;
    retry_in_s: number;
    attempt: number;
  }>(
    db,
    sql`select r.id, r.flow_id, f.name as flow_name, e.type as event_type,
          greatest(0, extract(epoch from now() - r.run_after))::float8 as waiting_s,
          greatest(0, extract(epoch from r.run_after - now()))::float8 as retry_in_s, r.attempt
        from flow_run r join flow f on f.id = r.flow_id left join stripe_event e on e.id = r.event_row_id
        where r.project_id = ${projectId} and r.status = 'queued' and r.test_run = false
        order by r.run_after limit ${limit}`,
  );
  return rows.map((r) => ({
    id: r.id,
    flowId: r.flow_id,
    flowName: r.flow_name,
    eventType: r.event_type,
    waitingS: Math.round(Number(r.waiting_s)),
    retryInS: Math.round(Number(r.retry_in_s)),
    attempt: r.attempt,
  }));
}
