import { Counter, Gauge, Histogram, Registry } from 'prom-client';

// One Prometheus registry per process (on globalThis: Next may load this module
// in several bundles). Counters are bumped where things happen; gauges that
// need the database (queue depth, workers) are filled by collectors registered
// by whoever owns the handle (the studio's /metrics route).

function create() {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    webhookAcks: new Counter({
      name: 'tillflow_webhook_acks_total',
      help: 'Webhook deliveries answered 200, by whether the event was new or a duplicate.',
      labelNames: ['duplicate'] as const,
      registers,
    }),
    webhookRejections: new Counter({
      name: 'tillflow_webhook_rejections_total',
      help: 'Webhook deliveries refused, by reason (bad_signature, stale_timestamp, not_json, unknown_endpoint, ...).',
      labelNames: ['reason'] as const,
      registers,
    }),
    runDuration: new Histogram({
      name: 'tillflow_run_duration_seconds',
      help: 'Flow run attempts, from claim to outcome, by outcome (succeeded, retry, dead_letter).',
      labelNames: ['outcome'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    runRetries: new Counter({
      name: 'tillflow_run_retries_total',
      help: 'Run attempts that failed and were queued again with backoff.',
      registers,
    }),
    deadLetters: new Counter({
      name: 'tillflow_runs_dead_lettered_total',
      help: 'Runs that failed for good (permanent error or attempts exhausted); retry them from the studio.',
      registers,
    }),
    workerRestarts: new Counter({
      name: 'tillflow_worker_restarts_total',
      help: 'In-process workers restarted by their supervisor after a fatal error.',
      registers,
    }),
    mailSent: new Counter({
      name: 'tillflow_mail_sent_total',
      help: 'Emails delivered over SMTP or captured in the mailbox, by transport.',
      labelNames: ['transport'] as const,
      registers,
    }),
    mailFailed: new Counter({
      name: 'tillflow_mail_failed_total',
      help: 'SMTP delivery attempts that failed (retried with backoff), by whether the message was given up.',
      labelNames: ['final'] as const,
      registers,
    }),
    gauge(name: string, help: string, collect: () => Promise<number> | number, labelNames: string[] = []) {
      const existing = registry.getSingleMetric(name);
      if (existing) registry.removeSingleMetric(name);
      return new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          this.set(await collect());
        },
      });
    },
  };
}

const holder = globalThis as unknown as { __tillflowMetrics?: ReturnType<typeof create> };
holder.__tillflowMetrics ??= create();
export const metrics = holder.__tillflowMetrics;
