import { setting } from '@tillflow/core';
import { type MailDispatcher, startMailDispatcher } from '@tillflow/mail';
import type { Services } from '@tillflow/payments';
import { scheduleOperationsAlerts } from '@tillflow/payments';
import { type SupervisedWorkers, superviseWorkers } from '@tillflow/runtime';

// The studio's background processes and how they end: supervised in-process
// flow workers, the mail outbox dispatcher, operations alerts, and graceful shutdown on SIGTERM
// (stop claiming, let runs finish for up to TILLFLOW_SHUTDOWN_MS, release the
// rest to other workers, close live streams, exit). scripts/start.mjs sets
// NEXT_MANUAL_SIG_HANDLE so Next leaves the signals to this module.

interface Operations {
  workers: SupervisedWorkers | null;
  mail: MailDispatcher;
}

const holder = globalThis as unknown as { __tillflowOperations?: Operations };

export function startOperations(services: Services): Operations {
  if (holder.__tillflowOperations) return holder.__tillflowOperations;
  const handle = services.database;
  // In-process flow workers; TILLFLOW_WORKERS=0 leaves runs to `npm run worker` processes.
  const concurrency = setting('TILLFLOW_WORKERS');
  const logger = services.logger;
  const workers = concurrency > 0 ? superviseWorkers(services, { concurrency, kind: 'studio' }) : null;
  const mail = startMailDispatcher(handle, { logger });
  // Dead letters and a stuck queue are emailed to each project's owner, once per incident.
  const stopAlerts = scheduleOperationsAlerts(handle, logger, setting('TILLFLOW_ALERT_CHECK_MS'));
  const operations = { workers, mail };
  holder.__tillflowOperations = operations;
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const deadlineMs = setting('TILLFLOW_SHUTDOWN_MS');
    logger.info({ signal, deadlineMs }, 'stopping workers, closing live streams');
    const hard = setTimeout(() => process.exit(1), deadlineMs + 10_000);
    hard.unref();
    stopAlerts();
    await Promise.allSettled([
      workers?.stop({ deadlineMs }),
      mail.stop(),
      services.realtime.close(),
      services.code.close(),
    ]);
    await handle.close().catch(() => {});
    process.exit(0);
  };
  if (process.env.NEXT_MANUAL_SIG_HANDLE)
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, shutdown);
  return operations;
}

/** The running studio's operations (null before boot, and in processes that never booted). */
export function currentOperations(): Operations | null {
  return holder.__tillflowOperations ?? null;
}
