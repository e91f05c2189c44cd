import { isLegacySealed, openSecret, resetSecretKeyCache } from '@tillflow/core';
import { sealLegacySecretForTests } from '@tillflow/core/testing';
import { type DbHandle, mailSettings, paymentSettings, webhookEndpoints } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookEndpoint, invalidateRoutingCache, resealLegacySecrets } from '../src';
import { createRuntimeProject, post, stripeEvent } from './harness';

describe('sealed secrets bound to their project and purpose', () => {
  let handle: DbHandle;
  let projectA: number;
  let projectB: number;
  const savedKey = process.env.TILLFLOW_SECRET_KEY;
  beforeAll(async () => {
    process.env.TILLFLOW_SECRET_KEY = 'd'.repeat(64);
    resetSecretKeyCache();
    handle = await createTestDb();
    projectA = (await createRuntimeProject(handle)).id;
    projectB = (await createRuntimeProject(handle)).id;
  });
  afterAll(async () => {
    await handle?.close();
    if (savedKey === undefined) delete process.env.TILLFLOW_SECRET_KEY;
    else process.env.TILLFLOW_SECRET_KEY = savedKey;
    resetSecretKeyCache();
  });

  it("a signing secret copied to another project's endpoint verifies nothing there", async () => {
    const a = await createWebhookEndpoint(handle.db, {
      projectId: projectA,
      purpose: 'custom',
      secret: 'whsec_project_a_1',
    });
    const b = await createWebhookEndpoint(handle.db, {
      projectId: projectB,
      purpose: 'custom',
      secret: 'whsec_project_b_1',
    });
    const [rowA] = await handle.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, a.endpoint.id));
    await handle.db
      .update(webhookEndpoints)
      .set({ secretEncrypted: rowA.secretEncrypted })
      .where(eq(webhookEndpoints.id, b.endpoint.id));
    invalidateRoutingCache();
    const forged = await post(handle, b.endpoint.id, 'whsec_project_a_1', stripeEvent('checkout.session.completed'));
    expect(forged.status).toBe(400);
    expect(() => openSecret(rowA.secretEncrypted, { projectId: projectB, purpose: 'webhook.signing_secret' })).toThrow(
      /does not open/,
    );
    // On its own row it still works.
    expect(
      (await post(handle, a.endpoint.id, 'whsec_project_a_1', stripeEvent('checkout.session.completed'))).status,
    ).toBe(200);
  });

  it('secrets stored in the old format keep working and are re-sealed for their row at boot', async () => {
    const { endpoint } = await createWebhookEndpoint(handle.db, { projectId: projectA, purpose: 'custom' });
    await handle.db
      .update(webhookEndpoints)
      .set({
        secretEncrypted: sealLegacySecretForTests('whsec_legacy_current'),
        previousSecretEncrypted: sealLegacySecretForTests('whsec_legacy_previous'),
        previousSecretExpiresAt: new Date(Date.now() + 3600_000),
      })
      .where(eq(webhookEndpoints.id, endpoint.id));
    await handle.db
      .insert(paymentSettings)
      .values({ projectId: projectA, mode: 'test', secretKeyEncrypted: sealLegacySecretForTests('sk_test_legacyA') });
    await handle.db.insert(mailSettings).values({
      projectId: projectA,
      host: 'smtp.example.test',
      port: 587,
      fromAddress: 'shop@example.test',
      passwordEncrypted: sealLegacySecretForTests('hunter2'),
    });
    invalidateRoutingCache();
    expect((await post(handle, endpoint.id, 'whsec_legacy_current', stripeEvent('charge.succeeded'))).status).toBe(200);

    expect(await resealLegacySecrets(handle.db)).toBe(4);
    expect(await resealLegacySecrets(handle.db)).toBe(0);
    const [row] = await handle.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpoint.id));
    const [payment] = await handle.db.select().from(paymentSettings).where(eq(paymentSettings.projectId, projectA));
    const [mail] = await handle.db.select().from(mailSettings).where(eq(mailSettings.projectId, projectA));
    for (const sealed of [
      row.secretEncrypted,
      row.previousSecretEncrypted,
      payment.secretKeyEncrypted,
      mail.passwordEncrypted,
    ])
      expect(isLegacySealed(String(sealed))).toBe(false);
    expect(openSecret(String(payment.secretKeyEncrypted), { projectId: projectA, purpose: 'stripe.secret_key' })).toBe(
      'sk_test_legacyA',
    );
    expect(openSecret(String(mail.passwordEncrypted), { projectId: projectA, purpose: 'smtp.password' })).toBe(
      'hunter2',
    );
    expect(() => openSecret(String(mail.passwordEncrypted), { projectId: projectB, purpose: 'smtp.password' })).toThrow(
      /does not open/,
    );
    invalidateRoutingCache();
    for (const secret of ['whsec_legacy_current', 'whsec_legacy_previous'])
      expect((await post(handle, endpoint.id, secret, stripeEvent('charge.succeeded'))).status).toBe(200);
  });
});
