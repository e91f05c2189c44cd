import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { metrics, startWorkers, type Workers } from '@tillflow/runtime';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthReport, metricsText } from '~/server/health';
import { servicesFor } from '~/server/services';

describe('health and metrics', () => {
  let handle: DbHandle;
  let workers: Workers;
  beforeAll(async () => {
    handle = await createTestDb();
    // Workers of a project that has no runs: they only beat.
    workers = await startWorkers(servicesFor(handle), { projectIds: [-1], heartbeatMs: 200, kind: 'worker' });
  });
  afterAll(async () => {
    await workers.stop();
    await handle.close();
  });

  it('reports the database, the queue, each live worker and the sandbox', async () => {
    await expect
      .poll(async () => (await healthReport(handle)).body.workers.some((w) => w.workerId === workers.workerId))
      .toBe(true);
    const { status, body } = await healthReport(handle);
    expect(status).toBe(200);
    expect(body.database).toMatchObject({ ok: true, driver: handle.driver });
    expect(body.queue).toMatchObject({ depth: expect.any(Number), oldestQueuedAgeS: expect.any(Number) });
    const mine = body.workers.find((w) => w.workerId === workers.workerId);
    expect(mine).toMatchObject({ alive: true, pid: process.pid, kind: 'worker', restarts: 0 });
    expect(body.workersAlive).toBeGreaterThanOrEqual(1);
    expect(body).toHaveProperty('sandbox');
  });

  it('marks a worker whose heartbeat stopped as not alive', async () => {
    await handle.db.execute(
      sql`insert into worker_heartbeat (worker_id, host, pid, kind, beat_at)
          values ('gone-worker', 'h', 42, 'worker', now() - interval '1 minute')
          on conflict (worker_id) do update set beat_at = excluded.beat_at`,
    );
    const { body } = await healthReport(handle);
    expect(body.workers.find((w) => w.workerId === 'gone-worker')).toMatchObject({ alive: false });
    await handle.db.execute(sql`delete from worker_heartbeat where worker_id = 'gone-worker'`);
  });

  it('serves Prometheus text with webhook, run, queue, worker, realtime and mail metrics', async () => {
    metrics.webhookRejections.inc({ reason: 'bad_signature' });
    const { contentType, text } = await metricsText(handle);
    expect(contentType).toContain('text/plain');
    for (const name of [
      'tillflow_webhook_acks_total',
      'tillflow_webhook_rejections_total{reason="bad_signature"}',
      'tillflow_run_duration_seconds',
      'tillflow_run_retries_total',
      'tillflow_runs_dead_lettered_total',
      'tillflow_worker_restarts_total',
      'tillflow_queue_depth',
      'tillflow_queue_oldest_age_seconds',
      'tillflow_workers_alive',
      'tillflow_realtime_subscribers',
      'tillflow_mail_sent_total',
      'tillflow_mail_failed_total',
    ])
      expect(text).toContain(name);
  });
});
