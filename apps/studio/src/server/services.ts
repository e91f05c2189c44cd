import { type Logger, loadSettings } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { createServices, createStripeAccounts, type Services, type StripeAccounts } from '@tillflow/payments';
import { getDb } from './db';
import { embeddedSandboxLauncher } from './embedded-sandbox';
import { createStudioLogger } from './logger';

// The studio's composition root: its services, built by the same createServices as `npm run worker`. The
// logger and the Stripe accounts (which start the embedded sandbox on first need) are made once per process;
// the rest once per database handle (the process's, or a test's). Kept on globalThis because Next may
// evaluate this module in several bundles of one process and they must share one code pool, one realtime
// hub and one sandbox.
const holder = globalThis as unknown as {
  __tillflowServices?: WeakMap<DbHandle, Services>;
  __tillflowProcessServices?: { logger: Logger; stripeAccounts: StripeAccounts };
};

function processServices() {
  if (!holder.__tillflowProcessServices) {
    const settings = loadSettings();
    const logger = createStudioLogger(settings);
    const stripeAccounts = createStripeAccounts({ launchSandbox: embeddedSandboxLauncher(settings, logger) });
    holder.__tillflowProcessServices = { logger, stripeAccounts };
  }
  return holder.__tillflowProcessServices;
}

/** The services over this database handle (made on first use). */
export function servicesFor(database: DbHandle): Services {
  holder.__tillflowServices ??= new WeakMap();
  let services = holder.__tillflowServices.get(database);
  if (!services) {
    services = createServices(loadSettings(), { database, ...processServices() });
    holder.__tillflowServices.set(database, services);
  }
  return services;
}

/** The process's services (its database from getDb). */
export async function getServices(): Promise<Services> {
  return servicesFor(await getDb());
}
