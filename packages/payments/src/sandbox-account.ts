import { openSecret, SANDBOX_TOKEN_HEADER, sandboxControlToken } from '@tillflow/core';
import { type Executor, paymentSettings } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import { PaymentError } from './errors';
import { loadPaymentSettings, storeStripeKeys, stripeKeyOwner } from './settings';
import type { PaymentServices } from './stripe-accounts';

// A project without keys gets an account of its own in the embedded sandbox,
// so projects never share endpoints (16 per account) or test data.

// The sandbox's control surface answers only the install's token (server-side calls);
// an account is named by its secret key as Bearer, never in the URL.
async function sandboxControl(
  services: PaymentServices,
  path: string,
  body: unknown,
  secretKey?: string,
): Promise<Record<string, unknown>> {
  const base = await services.stripeAccounts.sandboxUrl();
  if (!base)
    throw new PaymentError('PRECONDITION_FAILED', 'The Stripe sandbox is not running; enter Stripe keys instead.');
  const response = await fetch(`${base}/_sandbox${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [SANDBOX_TOKEN_HEADER]: sandboxControlToken(),
      ...(secretKey ? { authorization: `Bearer ${secretKey}` } : {}),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new PaymentError('PAYMENT_PROVIDER', `The sandbox refused ${path} (${response.status}).`);
  return (await response.json()) as Record<string, unknown>;
}

export async function ensureSandboxAccount(services: PaymentServices, projectId: number): Promise<void> {
  const existing = await loadPaymentSettings(services.database.db, projectId);
  if (existing?.secretKeyEncrypted) return;
  const account = await sandboxControl(services, '/accounts', {});
  await storeStripeKeys(services, projectId, {
    mode: 'sandbox',
    apiBase: null,
    publishableKey: String(account.publishableKey),
    secretKey: String(account.secretKey),
  });
  await syncSandboxBrand(services, projectId);
}

/** The sandbox's hosted page shows the account's brand; real Stripe gets branding_settings per session. */
export async function syncSandboxBrand(services: PaymentServices, projectId: number): Promise<void> {
  const settings = await loadPaymentSettings(services.database.db, projectId);
  if (settings?.mode !== 'sandbox' || !settings.secretKeyEncrypted) return;
  const key = openSecret(settings.secretKeyEncrypted, stripeKeyOwner(projectId));
  await sandboxControl(
    services,
    '/brand',
    {
      ...(settings.brandName ? { name: settings.brandName } : {}),
      logoUrl: settings.brandLogo ?? null,
      slogan: settings.brandSlogan ?? null,
    },
    key,
  );
}

/** Whether any project runs on the embedded sandbox (the studio then starts it at boot). */
export async function someProjectUsesSandbox(db: Executor): Promise<boolean> {
  const rows = await db
    .select({ projectId: paymentSettings.projectId })
    .from(paymentSettings)
    .where(eq(paymentSettings.mode, 'sandbox'))
    .limit(1);
  return rows.length > 0;
}
