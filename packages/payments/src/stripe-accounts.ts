import { type Logger, openSecret } from '@tillflow/core';
import type { DbHandle, Executor } from '@tillflow/db';
import { PaymentError } from './errors';
import { loadPaymentSettings, type ProjectStripe, stripeKeyOwner } from './settings';
import { createStripeClient, type StripeMode, sandboxApiBase } from './stripe-client';

/** Starts the embedded Stripe sandbox and answers its URL (the studio's boot passes one in; workers have none). */
export type SandboxLauncher = () => Promise<string>;

/**
 * How payment code reaches Stripe, handed in through the services (createServices builds it; never set on a
 * module): a project's client from its own keys or its sandbox account, and the sandbox's URL, starting the
 * embedded sandbox first (once, however many callers ask at once) when this process was given a launcher.
 */
export interface StripeAccounts {
  forProject(db: Executor, projectId: number): Promise<ProjectStripe>;
  sandboxUrl(): Promise<string | undefined>;
}

/** What the payment functions that talk to Stripe are handed: the database and the Stripe accounts. */
export interface PaymentServices {
  database: DbHandle;
  stripeAccounts: StripeAccounts;
  /** The process's logger: events fed in as if delivered (reconciliation, checks) log their refusals here. */
  logger: Logger;
}

export function createStripeAccounts(options: { launchSandbox?: SandboxLauncher } = {}): StripeAccounts {
  let launching: Promise<string> | undefined;
  const sandboxUrl = async (): Promise<string | undefined> => {
    const running = sandboxApiBase();
    if (running) return running;
    if (!options.launchSandbox) return undefined;
    launching ??= options.launchSandbox().catch((error) => {
      launching = undefined;
      throw error;
    });
    return launching;
  };
  return {
    sandboxUrl,
    async forProject(db, projectId) {
      const settings = await loadPaymentSettings(db, projectId);
      // Never the sandbox's shared default account (its key is public): a project without
      // keys gets an account of its own when it activates payments.
      if (!settings?.secretKeyEncrypted)
        throw new PaymentError(
          'PRECONDITION_FAILED',
          'This project has no Stripe account yet: activate payments (it gets a sandbox account of its own) or enter Stripe keys.',
        );
      const apiBase = settings.apiBase ?? (await sandboxUrl());
      if (!apiBase)
        throw new PaymentError('PRECONDITION_FAILED', 'The Stripe sandbox is not running and no Stripe keys are set.');
      const secretKey = openSecret(settings.secretKeyEncrypted, stripeKeyOwner(projectId));
      return {
        stripe: createStripeClient(secretKey, apiBase),
        settings,
        mode: (settings.mode as StripeMode) ?? 'sandbox',
        apiBase,
      };
    },
  };
}
