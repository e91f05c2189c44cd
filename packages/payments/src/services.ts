import type { Settings } from '@tillflow/core';
import type { TableDependencyCheck } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { outboxMailer } from '@tillflow/mail';
import { type ChangeHub, getChangeHub } from '@tillflow/realtime';
import {
  createCodeRunner,
  createRunServices,
  flowTableDependents,
  type Logger,
  type RunServices,
  type StripeClientFactory,
} from '@tillflow/runtime';
import { PAYMENT_NODE_EXECUTORS } from './node-executors';
import {
  createStripeAccounts,
  type PaymentServices,
  type SandboxLauncher,
  type StripeAccounts,
} from './stripe-accounts';

/**
 * Everything a Tillflow process runs with, built in one place. `npm start` (apps/studio/src/server/boot.ts and
 * the studio's request handlers), `npm run worker` (worker-cli.ts), tests and benches all call createServices,
 * so each entry point has the same executors, mailer and Stripe clients; nothing is registered globally.
 */
export interface Services extends RunServices, PaymentServices {
  settings: Settings;
  /** Live changes for the generated app's subscriptions (one hub per database handle). */
  realtime: ChangeHub;
  /** What deleting a table asks first: flow nodes that name it (data-model's deleteTable `dependents`). */
  flowTables: TableDependencyCheck;
}

export interface ServiceParts extends Partial<Omit<Services, 'database' | 'settings'>> {
  /** The entry point opens the database (the worker waits for it; the studio keeps one per process). */
  database: DbHandle;
  /** How this process starts the embedded Stripe sandbox on first need (the studio's; workers have none). */
  launchSandbox?: SandboxLauncher;
}

/** Flows' "Stripe API call" nodes use the project's own keys (or its sandbox account). */
export const projectStripeClients =
  (accounts: StripeAccounts): StripeClientFactory =>
  async (db, projectId) =>
    (await accounts.forProject(db, projectId)).stripe;

/** The services for these settings; `parts` replaces any of them (tests: an egress guard, a logger…). */
export function createServices(settings: Settings, parts: ServiceParts): Services {
  const logger: Logger | undefined = parts.logger;
  const stripeAccounts = parts.stripeAccounts ?? createStripeAccounts({ launchSandbox: parts.launchSandbox });
  const run = createRunServices({
    database: parts.database,
    executors: { ...PAYMENT_NODE_EXECUTORS, ...parts.executors },
    mailer: parts.mailer ?? outboxMailer,
    stripe: parts.stripe ?? projectStripeClients(stripeAccounts),
    code: parts.code ?? createCodeRunner(settings),
    egress: parts.egress,
    logger,
  });
  return {
    ...run,
    settings,
    stripeAccounts,
    realtime: parts.realtime ?? getChangeHub(parts.database, run.logger),
    flowTables: parts.flowTables ?? flowTableDependents,
  };
}
