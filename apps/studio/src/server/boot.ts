import { loadSettings } from '@tillflow/core';
import { schedulePaymentsMaintenance, someProjectUsesSandbox, upgradePaymentsProjects } from '@tillflow/payments';
import { resealLegacySecrets, stampExistingFlowBindings } from '@tillflow/runtime';
import { startOperations } from './operations';
import { ensureDefaultPagesForAll } from './pages/defaults';
import { getServices } from './services';

const globalForBoot = globalThis as unknown as { __tillflowBooted?: Promise<void> };

/**
 * Everything `npm start` runs beside the web server, in-process: migrations,
 * the embedded Stripe sandbox (when a project uses it), and the supervised flow-run workers and
 * mail outbox (operations.ts).
 */
export function bootServer(): Promise<void> {
  globalForBoot.__tillflowBooted ??= (async () => {
    // Every environment variable validated once, before anything starts (the message names the bad one).
    const settings = loadSettings();
    // Executors, mailer, Stripe accounts (with the embedded sandbox's launcher), code sandbox, realtime,
    // logger: the same createServices as `npm run worker`.
    const services = await getServices();
    const { database: handle, logger } = services;
    // Secrets sealed before they were bound to project and purpose are re-sealed once.
    const resealed = await resealLegacySecrets(handle.db);
    if (resealed > 0) logger.info({ resealed }, 're-sealed stored secrets bound to their project and purpose');
    // The embedded sandbox runs only while some project uses it (TILLFLOW_SANDBOX=auto, the
    // default: started now if a project is on it, else by the first project that needs it),
    // always with `on`, never with `off` or when TILLFLOW_SANDBOX_URL points elsewhere.
    const sandboxMode = settings.TILLFLOW_SANDBOX;
    if (sandboxMode === 'on' || (await someProjectUsesSandbox(handle.db))) await services.stripeAccounts.sandboxUrl();
    startOperations(services);
    // Flows saved before they bound tables by id get the ids now, so a later rename cannot break them.
    const stamped = await stampExistingFlowBindings(handle.db);
    if (stamped > 0) logger.info({ stamped }, 'bound stored flow definitions to their tables by id');
    // Projects activated by an older release get today's system flows, events and columns now (in the background).
    void upgradePaymentsProjects(services)
      .then((report) => {
        for (const entry of report)
          if (entry.error) logger.warn({ projectId: entry.projectId, error: entry.error }, 'payments upgrade failed');
        // ...and the default pages (studio → Pages) made from the page model, once each.
        return ensureDefaultPagesForAll(services);
      })
      .then((report) => {
        for (const entry of report)
          if (entry.error) logger.warn({ projectId: entry.projectId, error: entry.error }, 'default pages failed');
      });
    // Repair endpoints deleted in Stripe and recover missed events, every 15 minutes by default.
    const maintenanceMs = settings.TILLFLOW_MAINTENANCE_MS;
    if (maintenanceMs > 0) schedulePaymentsMaintenance(services, maintenanceMs, logger);
  })();
  return globalForBoot.__tillflowBooted;
}
