import { maskSecret, openSecret, sealSecret } from '@tillflow/core';
import { type DbHandle, paymentSettings } from '@tillflow/db';
import { PaymentError } from './errors';
import { loadPaymentSettings, stripeKeyOwner } from './settings';
import { sandboxApiBase } from './stripe-client';

// A project without keys gets an account of its own in the embedded sandbox,
// so projects never share endpoints (16 per account) or test data.

async function sandboxControl(path: string, body: unknown): Promise<Record<string, unknown>> {
  const base = sandboxApiBase();
  if (!base)
    throw new PaymentError('PRECONDITION_FAILED', 'The Stripe sandbox is not running; enter Stripe keys instead.');
  const response = await fetch(`${base}/_sandbox${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new PaymentError('PAYMENT_PROVIDER', `The sandbox refused ${path} (${response.status}).`);
  return (await response.json()) as Record<string, unknown>;
}

export async function ensureSandboxAccount(handle: DbHandle, projectId: number): Promise<void> {
  const existing = await loadPaymentSettings(handle.db, projectId);
  if (existing?.secretKeyEncrypted) return;
  const account = await sandboxControl('/accounts', {});
  const secretKey = String(account.secretKey);
  const values = {
    projectId,
    mode: 'sandbox',
    apiBase: null,
    publishableKey: String(account.publishableKey),
    secretKeyEncrypted: sealSecret(secretKey, stripeKeyOwner(projectId)),
    secretKeyMasked: maskSecret(secretKey),
    updatedAt: new Date(),
  };
  await handle.db
    .insert(paymentSettings)
    .values(values)
    .onConflictDoUpdate({ target: paymentSettings.projectId, set: values });
  await syncSandboxBrand(handle, projectId);
}

/** The sandbox's hosted page shows the account's brand; real Stripe gets branding_settings per session. */
export async function syncSandboxBrand(handle: DbHandle, projectId: number): Promise<void> {
  const settings = await loadPaymentSettings(handle.db, projectId);
  if (settings?.mode !== 'sandbox' || !settings.secretKeyEncrypted) return;
  const key = openSecret(settings.secretKeyEncrypted, stripeKeyOwner(projectId));
  await sandboxControl(`/accounts/${encodeURIComponent(key)}/brand`, {
    ...(settings.brandName ? { name: settings.brandName } : {}),
    logoUrl: settings.brandLogo ?? null,
    slogan: settings.brandSlogan ?? null,
  });
}
