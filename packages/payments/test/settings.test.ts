import { openSecret } from '@tillflow/core';
import { type DbHandle, paymentSettings } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activatePayments } from '../src/activation';
import { loadPaymentSettings, saveBranding, saveStripeKeys, toPublicSettings } from '../src/settings';
import { createPaymentsProject, paymentServices, type Sandbox, startEnvironment } from './harness';

describe('Stripe settings', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
  });
  afterAll(async () => {
    await sandbox.close();
    await handle.close();
  });

  it('stores the secret key encrypted and exposes it only masked', async () => {
    const { project, account } = await createPaymentsProject(handle, sandbox, { activate: false });
    const row = await loadPaymentSettings(handle.db, project.id);
    expect(row?.secretKeyEncrypted).not.toContain(account.secretKey);
    const visible = JSON.stringify(toPublicSettings(row));
    expect(visible).not.toContain(account.secretKey);
    expect(toPublicSettings(row).secretKeyMasked).toBe(`sk_test_••••${account.secretKey.slice(-4)}`);
  });

  it('checks keys with a real API call and explains wrong, revoked and mismatched keys', async () => {
    const { project, account } = await createPaymentsProject(handle, sandbox, { activate: false });
    await expect(
      saveStripeKeys(paymentServices(handle), project.id, {
        publishableKey: 'pk_test_x',
        secretKey: 'sk_test_unknown123',
        apiBase: 'sandbox',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/wrong, revoked or expired/) });
    await expect(
      saveStripeKeys(paymentServices(handle), project.id, {
        publishableKey: 'pk_live_x',
        secretKey: account.secretKey,
        apiBase: 'sandbox',
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/both be test keys or both be live/) });
    await expect(
      saveStripeKeys(paymentServices(handle), project.id, { publishableKey: 'nope', secretKey: 'also-nope' }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      fieldErrors: expect.objectContaining({ secretKey: expect.any(String) }),
    });
    sandbox.revokeKey(account.accountId);
    await expect(
      saveStripeKeys(paymentServices(handle), project.id, {
        publishableKey: account.publishableKey,
        secretKey: account.secretKey,
        apiBase: 'sandbox',
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/revoked/) });
  });

  it('activation without keys gives the project a sandbox account of its own, branded', async () => {
    const { project } = await createPaymentsProject(handle, sandbox, { activate: false });
    const projectId = project.id;
    await handle.db.delete(paymentSettings).where(eq(paymentSettings.projectId, projectId));
    await activatePayments(paymentServices(handle), projectId, { orderTable: 'order', confirmPermanent: true });
    await saveBranding(paymentServices(handle), projectId, {
      brandName: 'Bean Co',
      brandSlogan: 'Fresh daily',
      brandLogo: null,
    });
    const { stripe, mode } = await paymentServices(handle).stripeAccounts.forProject(handle.db, projectId);
    expect(mode).toBe('sandbox');
    const sealed = String((await loadPaymentSettings(handle.db, projectId))?.secretKeyEncrypted);
    const account = sandbox.findAccount(openSecret(sealed, { projectId, purpose: 'stripe.secret_key' }));
    expect(account?.brand).toMatchObject({ name: 'Bean Co', slogan: 'Fresh daily' });
    expect(account?.secretKey).not.toBe('sk_test_tillflow_sandbox');
    await expect(stripe.customers.list({ limit: 1 })).resolves.toMatchObject({ object: 'list' });
  });

  it('refuses a second activation and a bad brand logo', async () => {
    const { project } = await createPaymentsProject(handle, sandbox);
    await expect(
      activatePayments(paymentServices(handle), project.id, { orderTable: 'order', confirmPermanent: true }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      saveBranding(paymentServices(handle), project.id, {
        brandName: 'x',
        brandSlogan: null,
        brandLogo: 'javascript:alert(1)',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', fieldErrors: { brandLogo: expect.any(String) } });
  });
});
