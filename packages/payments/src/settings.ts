import { maskSecret, publicOrigin, type SecretOwner, sealSecret, setting } from '@tillflow/core';
import { type Executor, paymentSettings } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { z } from 'zod';
import { forgetCustomersOfAnotherAccount } from './customers';
import { accountEndpointReport } from './endpoint-report';
import { PaymentError, parseInput } from './errors';
import { currentEndpointIds, followKeysToAccount } from './key-switch';
import { syncSandboxBrand } from './sandbox-account';
import type { PaymentServices } from './stripe-accounts';
import {
  createStripeClient,
  explainStripeKeyError,
  modeOfPublishableKey,
  modeOfSecretKey,
  REAL_STRIPE_API,
  type StripeMode,
  sandboxApiBase,
} from './stripe-client';

export type PaymentSettingsRow = typeof paymentSettings.$inferSelect;

const STRIPE_JS_URL = 'https://js.stripe.com/v3/';

/** Whom a project's Stripe secret key is sealed for. */
export const stripeKeyOwner = (projectId: number): SecretOwner => ({ projectId, purpose: 'stripe.secret_key' });

/** What the browser may see of the settings: the secret only masked. */
export interface PublicPaymentSettings {
  mode: StripeMode;
  apiBase: string;
  publishableKey: string | null;
  secretKeyMasked: string | null;
  brandName: string | null;
  brandLogo: string | null;
  brandSlogan: string | null;
  orderTableId: number | null;
  activatedAt: Date | null;
  usesSandbox: boolean;
  /** Sites besides the studio's own (studioOrigin) that Checkout may send buyers back to. */
  returnOrigins: string[];
  studioOrigin: string;
  /** Where the browser loads Stripe.js from: js.stripe.com, or the sandbox's stand-in at `<sandbox>/v3/`. */
  stripeJsUrl: string;
}

export async function loadPaymentSettings(db: Executor, projectId: number): Promise<PaymentSettingsRow | null> {
  const [row] = await db.select().from(paymentSettings).where(eq(paymentSettings.projectId, projectId));
  return row ?? null;
}

export function toPublicSettings(row: PaymentSettingsRow | null): PublicPaymentSettings {
  const apiBase = row?.apiBase ?? sandboxApiBase() ?? '';
  return {
    mode: (row?.mode as StripeMode) ?? 'sandbox',
    apiBase,
    publishableKey: row?.publishableKey ?? null,
    secretKeyMasked: row?.secretKeyMasked ?? null,
    brandName: row?.brandName ?? null,
    brandLogo: row?.brandLogo ?? null,
    brandSlogan: row?.brandSlogan ?? null,
    orderTableId: row?.orderTableId ?? null,
    activatedAt: row?.activatedAt ?? null,
    usesSandbox: (row?.mode ?? 'sandbox') === 'sandbox',
    returnOrigins: row?.returnOrigins ?? [],
    studioOrigin: publicOrigin(),
    stripeJsUrl: apiBase === '' || apiBase === REAL_STRIPE_API ? STRIPE_JS_URL : `${apiBase}/v3/`,
  };
}

export interface ProjectStripe {
  stripe: Stripe;
  settings: PaymentSettingsRow | null;
  mode: StripeMode;
  apiBase: string;
}

export const stripeKeysInput = z.object({
  publishableKey: z
    .string()
    .trim()
    .regex(/^pk_(test|live)_[A-Za-z0-9_]+$/, 'A publishable key starts with pk_test_ or pk_live_.'),
  secretKey: z
    .string()
    .trim()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'A secret key starts with sk_test_, sk_live_ or rk_ (restricted).'),
  /** Where the keys belong: Stripe itself, or the embedded sandbox (keys made by the sandbox). */
  apiBase: z.enum(['stripe', 'sandbox']).default('stripe'),
});

/**
 * Checks the key with a real API call before storing it (encrypted). Test and
 * live must agree between the two keys, so test data never mixes with live.
 */
/**
 * Stores a project's Stripe keys: the secret sealed for this project (and masked for showing), the publishable
 * key as is. `apiBase` null means the sandbox's own address is looked up on use.
 */
export async function storeStripeKeys(
  services: PaymentServices,
  projectId: number,
  keys: { mode: StripeMode; apiBase: string | null; publishableKey: string; secretKey: string },
) {
  const values = {
    projectId,
    mode: keys.mode,
    apiBase: keys.apiBase,
    publishableKey: keys.publishableKey,
    secretKeyEncrypted: sealSecret(keys.secretKey, stripeKeyOwner(projectId)),
    secretKeyMasked: maskSecret(keys.secretKey),
    updatedAt: new Date(),
  };
  await services.database.db
    .insert(paymentSettings)
    .values(values)
    .onConflictDoUpdate({ target: paymentSettings.projectId, set: values });
}

export async function saveStripeKeys(
  services: PaymentServices,
  projectId: number,
  input: z.input<typeof stripeKeysInput>,
) {
  const keys = parseInput(stripeKeysInput, input);
  const { publishableKey, secretKey } = keys;
  const mode = modeOfSecretKey(secretKey);
  if (mode !== modeOfPublishableKey(publishableKey))
    throw new PaymentError(
      'VALIDATION',
      'The publishable and secret keys must both be test keys or both be live keys.',
      {
        publishableKey: 'Mode does not match the secret key.',
      },
    );
  const apiBase = keys.apiBase === 'sandbox' ? await services.stripeAccounts.sandboxUrl() : setting('STRIPE_API_BASE');
  if (!apiBase)
    throw new PaymentError('PRECONDITION_FAILED', 'The Stripe sandbox is not running; enter keys made by Stripe.');
  try {
    await createStripeClient(secretKey, apiBase).customers.list({ limit: 1 });
  } catch (error) {
    throw new PaymentError('VALIDATION', explainStripeKeyError(error), { secretKey: explainStripeKeyError(error) });
  }
  // What the endpoints are registered with now, so the previous account can be cleaned up afterwards.
  const before = await loadPaymentSettings(services.database.db, projectId);
  const previous = before?.secretKeyEncrypted
    ? {
        stripe: (await services.stripeAccounts.forProject(services.database.db, projectId)).stripe,
        endpointIds: await currentEndpointIds(services, projectId),
      }
    : null;
  await storeStripeKeys(services, projectId, {
    mode: keys.apiBase === 'sandbox' ? 'sandbox' : (mode ?? 'test'),
    apiBase,
    publishableKey,
    secretKey,
  });
  // Customers made on another account do not exist on this one: end users get new ones as they next buy.
  await forgetCustomersOfAnotherAccount(services.database.db, createStripeClient(secretKey, apiBase), projectId);
  const report = await followKeysToAccount(
    services,
    projectId,
    previous ?? { stripe: createStripeClient(secretKey, apiBase), endpointIds: [] },
    Boolean(before?.activatedAt),
  );
  // What the account holds now, endpoint by endpoint, in words (the keys card shows it under the form).
  const account = await accountEndpointReport(services, projectId);
  return { ...toPublicSettings(await loadPaymentSettings(services.database.db, projectId)), ...report, account };
}

const MAX_LOGO_BYTES = 200_000;
export const brandingInput = z.object({
  brandName: z.string().trim().max(80, 'Keep the brand name under 80 characters.').nullable(),
  brandSlogan: z.string().trim().max(140, 'Keep the slogan under 140 characters.').nullable(),
  brandLogo: z
    .string()
    .max(MAX_LOGO_BYTES * 1.4, 'The logo must be under 200 KB.')
    .regex(
      /^(data:image\/(png|jpeg|gif|webp|svg\+xml);base64,|https:\/\/)/,
      'Upload a PNG, JPEG, GIF, WebP or SVG image.',
    )
    .nullable(),
});

export async function saveBranding(services: PaymentServices, projectId: number, input: z.input<typeof brandingInput>) {
  const values = { projectId, ...parseInput(brandingInput, input), updatedAt: new Date() };
  await services.database.db
    .insert(paymentSettings)
    .values(values)
    .onConflictDoUpdate({ target: paymentSettings.projectId, set: values });
  await syncSandboxBrand(services, projectId);
  return toPublicSettings(await loadPaymentSettings(services.database.db, projectId));
}
