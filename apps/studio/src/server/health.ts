import type { DbHandle } from '@tillflow/db';
import { getChangeHub } from '@tillflow/realtime';
import { metrics, queueStatus, registerQueueGauges } from '@tillflow/runtime';
import { currentOperations } from './operations';

// /api/health and /metrics: what an operator (or a load balancer, or
// Prometheus) needs without SQL. Health answers 503 when the database is not.

async function sandboxHealth(): Promise<{ url: string; ok: boolean; error?: string } | null> {
  const url = process.env.TILLFLOW_SANDBOX_URL;
  if (!url) return null;
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    return { url, ok: response.ok };
  } catch (error) {
    return { url, ok: false, error: (error as Error).message };
  }
}

export async function healthReport(handle: DbHandle) {
  const started = performance.now();
  let database: { ok: boolean; driver: string; latencyMs?: number; error?: string };
  try {
    await handle.query('select 1');
    database = { ok: true, driver: handle.driver, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    database = { ok: false, driver: handle.driver, error: (error as Error).message };
  }
  const [queue, sandbox] = await Promise.all([
    database.ok ? queueStatus(handle).catch(() => null) : null,
    sandboxHealth(),
  ]);
  const operations = currentOperations();
  const body = {
    ok: database.ok,
    database,
    queue: queue && {
      depth: queue.depth,
      due: queue.due,
      running: queue.running,
      oldestQueuedAgeS: queue.oldestQueuedAgeS,
      deadLettered24h: queue.deadLettered24h,
    },
    workersAlive: queue ? queue.workers.filter((w) => w.alive).length : null,
    workers: queue?.workers ?? [],
    thisProcess: {
      pid: process.pid,
      inProcessWorkers: operations?.workers ? { restarts: operations.workers.restarts() } : null,
      realtimeSubscribers: getChangeHub(handle).subscriberCount(),
    },
    sandbox,
  };
  return { status: database.ok ? 200 : 503, body };
}

let gaugesFor: DbHandle | null = null;
export async function metricsText(handle: DbHandle): Promise<{ contentType: string; text: string }> {
  if (gaugesFor !== handle) {
    gaugesFor = handle;
    registerQueueGauges(handle);
    metrics.gauge('tillflow_realtime_subscribers', 'Live realtime subscriptions in this process.', () =>
      getChangeHub(handle).subscriberCount(),
    );
  }
  return { contentType: metrics.registry.contentType, text: await metrics.registry.metrics() };
}
