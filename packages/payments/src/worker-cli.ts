// `npm run worker`: a flow-run worker process with the same services as the
// studio (createServices: executors incl. the payment callbacks, the mail outbox,
// project Stripe clients, the code sandbox). Run as many as
// needed against one PostgreSQL (DATABASE_URL); on PGlite only one process may
// open the data folder, so there the studio's in-process workers are used.
//
// It exits non-zero on anything it cannot recover from (a wedged claim loop,
// an uncaught error): run it under a supervisor that restarts it (systemd
// Restart=always, a container restart policy; deploy/tillflow-worker@.service).
// SIGTERM stops claiming, lets runs in progress finish for up to
// TILLFLOW_SHUTDOWN_MS (default 20 s), releases the rest to other workers, exits 0.

import { createLogger, loadSettings } from '@tillflow/core';
import { createDb } from '@tillflow/db';
import { startMailDispatcher } from '@tillflow/mail';
import { resealLegacySecrets, startWorkers } from '@tillflow/runtime';
import { scheduleOperationsAlerts } from './operations-alerts';
import { createServices } from './services';

const settings = loadSettings();
// One logger for the process (JSON lines on stdout at TILLFLOW_LOG_LEVEL), handed to everything below.
const logger = createLogger(settings, { base: { process: 'worker' } });
const fatal = (what: string) => (error: unknown) => {
  logger.fatal({ err: error }, `${what}; exiting so the supervisor restarts it`);
  process.exit(1);
};
process.on('uncaughtException', fatal('uncaught exception'));
process.on('unhandledRejection', fatal('unhandled rejection'));

// A database that is down or restarting at start is waited for (1 s doubling to 10 s, ten tries).
async function connect(tries = 10): Promise<Awaited<ReturnType<typeof createDb>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createDb();
    } catch (error) {
      if (attempt >= tries) throw error;
      logger.warn({ err: error, attempt }, 'database not reachable; retrying');
      await new Promise((r) => setTimeout(r, Math.min(10_000, 1000 * 2 ** (attempt - 1))));
    }
  }
}

const handle = await connect();
const services = createServices(settings, { database: handle, logger });
await resealLegacySecrets(handle.db);
const workers = await startWorkers(services, {
  kind: 'worker',
  concurrency: settings.TILLFLOW_WORKER_CONCURRENCY,
  onFatal: fatal('the claim loop is wedged'),
});
const mail = startMailDispatcher(handle, { logger });
// Dead letters and a stuck queue are emailed to each project's owner once per incident (any
// number of processes may check: the database keeps one open incident per project and kind).
const stopAlerts = scheduleOperationsAlerts(handle, logger, settings.TILLFLOW_ALERT_CHECK_MS);
logger.info({ workerId: workers.workerId, driver: handle.driver }, 'worker started');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    const deadlineMs = settings.TILLFLOW_SHUTDOWN_MS;
    logger.info({ deadlineMs }, 'worker stopping: finishing runs in progress');
    stopAlerts();
    await Promise.all([workers.stop({ deadlineMs }), mail.stop(), services.code.close()]);
    await handle.close();
    process.exit(0);
  });
