import path from 'node:path';
import { loadSettings, sandboxControlToken, setting } from '@tillflow/core';
import { dataDir } from '@tillflow/db';
import {
  ensureSandboxRunning,
  schedulePaymentsMaintenance,
  setSandboxLauncher,
  someProjectUsesSandbox,
  upgradePaymentsProjects,
} from '@tillflow/payments';
import { resealLegacySecrets, stampExistingFlowBindings } from '@tillflow/runtime';
import { startSandbox } from '@tillflow/stripe-sandbox';
import { studioLogger } from './logger';
import { startOperations } from './operations';
import { getServices } from './services';

/** Listens on loopback unless SANDBOX_HOST says otherwise; its control surface takes the install's token. */
async function startEmbeddedSandbox(): Promise<string> {
  const sandbox = await startSandbox({
    port: setting('SANDBOX_PORT') ?? setting('PORT') + 9111,
    host: setting('SANDBOX_HOST'),
    persistPath: path.join(dataDir(), 'sandbox.json'),
    retryBaseMs: setting('SANDBOX_RETRY_BASE_MS'),
    controlToken: sandboxControlToken(),
  });
  process.env.TILLFLOW_SANDBOX_URL = sandbox.url;
  studioLogger().info({ url: sandbox.url }, 'Stripe sandbox started');
  return sandbox.url;
}

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
    // Executors, mailer, Stripe clients, code sandbox, realtime: the same createServices as `npm run worker`.
    const services = await getServices();
    const handle = services.database;
    // Secrets sealed before they were bound to project and purpose are re-sealed once.
    const resealed = await resealLegacySecrets(handle.db);
    if (resealed > 0) studioLogger().info({ resealed }, 're-sealed stored secrets bound to their project and purpose');
    // The embedded sandbox runs only while some project uses it (TILLFLOW_SANDBOX=auto, the
    // default: started now if a project is on it, else by the first project that needs it),
    // always with `on`, never with `off` or when TILLFLOW_SANDBOX_URL points elsewhere.
    const sandboxMode = settings.TILLFLOW_SANDBOX;
    if (sandboxMode !== 'off' && !settings.TILLFLOW_SANDBOX_URL) {
      setSandboxLauncher(startEmbeddedSandbox);
      if (sandboxMode === 'on' || (await someProjectUsesSandbox(handle.db))) await ensureSandboxRunning();
    }
    startOperations(services);
    // Flows saved before they bound tables by id get the ids now, so a later rename cannot break them.
    const stamped = await stampExistingFlowBindings(handle.db);
    if (stamped > 0) studioLogger().info({ stamped }, 'bound stored flow definitions to their tables by id');
    // Projects activated by an older release get today's system flows, events and columns now (in the background).
    void upgradePaymentsProjects(handle).then((report) => {
      for (const entry of report)
        if (entry.error)
          studioLogger().warn({ projectId: entry.projectId, error: entry.error }, 'payments upgrade failed');
    });
    // Repair endpoints deleted in Stripe and recover missed events, every 15 minutes by default.
    const maintenanceMs = settings.TILLFLOW_MAINTENANCE_MS;
    if (maintenanceMs > 0) schedulePaymentsMaintenance(handle, maintenanceMs);
  })();
  return globalForBoot.__tillflowBooted;
}
