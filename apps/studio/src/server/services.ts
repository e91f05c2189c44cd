import { loadSettings } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { createServices, type Services } from '@tillflow/payments';
import { getDb } from './db';
import { studioLogger } from './logger';

// The studio's services, built by the same createServices as `npm run worker`. One set per database
// handle (the process's, or a test's), kept on globalThis because Next may evaluate this module in
// several bundles of one process and they must share one code pool and one realtime hub.
const holder = globalThis as unknown as { __tillflowServices?: WeakMap<DbHandle, Services> };

/** The services over this database handle (made on first use). */
export function servicesFor(database: DbHandle): Services {
  holder.__tillflowServices ??= new WeakMap();
  let services = holder.__tillflowServices.get(database);
  if (!services) {
    services = createServices(loadSettings(), { database, logger: studioLogger() });
    holder.__tillflowServices.set(database, services);
  }
  return services;
}

/** The process's services (its database from getDb). */
export async function getServices(): Promise<Services> {
  return servicesFor(await getDb());
}
