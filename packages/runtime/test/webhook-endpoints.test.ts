import { resetSecretKeyCache, sealSecret } from '@tillflow/core';
import { type DbHandle, webhookEndpoints } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptedSecrets,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookEndpointSecret,
  webhookSecretOwner,
} from '../src';
import { createRuntimeProject, post, stripeEvent } from './harness';

// A project's webhook endpoints as the studio and the Stripe connection manage them: what a builder may see of a
// signing secret, which secrets a delivery may be signed with around a rotation, and that one project never
// touches another's endpoint. Deliveries go through the real ingestion (ingestStripeWebhook).
describe('webhook endpoints and their signing secrets', () => {
  let handle: DbHandle;
  let projectId: number;
  let otherProjectId: number;
  const savedKey = process.env.TILLFLOW_SECRET_KEY;
  beforeAll(async () => {
    process.env.TILLFLOW_SECRET_KEY = 'e'.repeat(64);
    resetSecretKeyCache();
    handle = await createTestDb();
    projectId = (await createRuntimeProject(handle)).id;
    otherProjectId = (await createRuntimeProject(handle)).id;
  });
  afterAll(async () => {
    await handle?.close();
    if (savedKey === undefined) delete process.env.TILLFLOW_SECRET_KEY;
    else process.env.TILLFLOW_SECRET_KEY = savedKey;
    resetSecretKeyCache();
  });

  const row = async (id: string) =>
    (await handle.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)))[0];

  it('a new endpoint gets a fresh whsec_ secret unless one is given, and shows it only masked', async () => {
    const generated = await createWebhookEndpoint(handle.db, { projectId, purpose: 'custom' });
    const again = await createWebhookEndpoint(handle.db, { projectId, purpose: 'custom' });
    expect(generated.secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(again.secret).not.toBe(generated.secret);
    expect(generated.endpoint.secretMasked).toBe(`whsec_••••${generated.secret.slice(-4)}`);
    expect(generated.endpoint).not.toHaveProperty('secretEncrypted');
    expect(generated.endpoint).not.toHaveProperty('previousSecretEncrypted');
    expect(generated.endpoint).toMatchObject({ projectId, purpose: 'custom', enabledEvents: [], url: null });

    const given = await createWebhookEndpoint(handle.db, {
      projectId,
      purpose: 'stripe',
      secret: 'whsec_from_stripe_9876',
      url: 'https://shop.example.test/api/hooks',
      stripeEndpointId: 'we_123',
      enabledEvents: ['payment_intent.succeeded'],
    });
    expect(given.secret).toBe('whsec_from_stripe_9876');
    expect(given.endpoint).toMatchObject({
      purpose: 'stripe',
      url: 'https://shop.example.test/api/hooks',
      stripeEndpointId: 'we_123',
      enabledEvents: ['payment_intent.succeeded'],
      secretMasked: 'whsec_••••9876',
    });
    // stored sealed, never as the secret itself
    expect((await row(given.endpoint.id)).secretEncrypted).not.toContain('whsec_from_stripe_9876');
    expect(
      (await post(handle, given.endpoint.id, 'whsec_from_stripe_9876', stripeEvent('charge.refunded'))).status,
    ).toBe(200);

    // listing shows this project's endpoints only, masked
    const listed = await listWebhookEndpoints(handle.db, projectId);
    expect(listed.map((e) => e.id).sort()).toEqual(
      [generated.endpoint.id, again.endpoint.id, given.endpoint.id].sort(),
    );
    expect(listed.find((e) => e.id === given.endpoint.id)?.secretMasked).toBe('whsec_••••9876');
    for (const e of listed) expect(e).not.toHaveProperty('secretEncrypted');
    expect(await listWebhookEndpoints(handle.db, otherProjectId)).toEqual([]);

    for (const bad of [
      { projectId: 0, purpose: 'custom' },
      { projectId, purpose: '' },
      { projectId, purpose: 'custom', secret: 'short' },
      { projectId, purpose: 'custom', flowId: 'not-a-uuid' },
    ])
      await expect(createWebhookEndpoint(handle.db, bad)).rejects.toThrow();
  });

  it('a rotated secret signs at once; the old one is accepted for the overlap (a day unless said) and not after', async () => {
    const { endpoint, secret: first } = await createWebhookEndpoint(handle.db, { projectId, purpose: 'custom' });
    // a delivery first, so the endpoint is in the routing cache when the secret rotates
    expect((await post(handle, endpoint.id, first, stripeEvent('charge.refunded'))).status).toBe(200);
    const before = Date.now();
    const { secret: second } = await rotateWebhookEndpointSecret(handle.db, projectId, endpoint.id);
    expect(second).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    expect(second).not.toBe(first);
    const rotated = await row(endpoint.id);
    const overlapEnds = rotated.previousSecretExpiresAt?.getTime() ?? 0;
    expect(overlapEnds).toBeGreaterThanOrEqual(before + 24 * 3600_000 - 1000);
    expect(overlapEnds).toBeLessThanOrEqual(Date.now() + 24 * 3600_000 + 1000);
    expect(acceptedSecrets(rotated)).toEqual([second, first]);
    expect(acceptedSecrets(rotated, new Date(overlapEnds - 1000))).toEqual([second, first]);
    expect(acceptedSecrets(rotated, new Date(overlapEnds))).toEqual([second]);
    expect(acceptedSecrets(rotated, new Date(overlapEnds + 1000))).toEqual([second]);
    expect((await post(handle, endpoint.id, second, stripeEvent('charge.refunded'))).status).toBe(200);
    expect((await post(handle, endpoint.id, first, stripeEvent('charge.refunded'))).status).toBe(200);
    expect((await listWebhookEndpoints(handle.db, projectId)).find((e) => e.id === endpoint.id)?.secretMasked).toBe(
      `whsec_••••${second.slice(-4)}`,
    );

    // a chosen secret and a short overlap; a second rotation forgets the first secret at once
    const { secret: third } = await rotateWebhookEndpointSecret(
      handle.db,
      projectId,
      endpoint.id,
      'whsec_third_0003',
      30,
    );
    expect(third).toBe('whsec_third_0003');
    const again = await row(endpoint.id);
    expect(again.previousSecretExpiresAt?.getTime() ?? 0).toBeLessThanOrEqual(Date.now() + 30_000 + 1000);
    expect(again.previousSecretExpiresAt?.getTime() ?? 0).toBeGreaterThan(Date.now() + 20_000);
    expect(acceptedSecrets(again)).toEqual(['whsec_third_0003', second]);
    expect((await post(handle, endpoint.id, first, stripeEvent('charge.refunded'))).status).toBe(400);
    expect((await post(handle, endpoint.id, 'whsec_third_0003', stripeEvent('charge.refunded'))).status).toBe(200);

    // an endpoint without a previous secret, or with one and no end of overlap, accepts its current one only
    expect(acceptedSecrets({ ...again, previousSecretExpiresAt: null })).toEqual(['whsec_third_0003']);
    expect(acceptedSecrets({ ...again, previousSecretEncrypted: null })).toEqual(['whsec_third_0003']);
  });

  it("another project's endpoint can be neither rotated nor deleted; a deleted endpoint takes no delivery at once", async () => {
    const { endpoint, secret } = await createWebhookEndpoint(handle.db, { projectId, purpose: 'custom' });
    expect((await post(handle, endpoint.id, secret, stripeEvent('charge.refunded'))).status).toBe(200);
    await expect(rotateWebhookEndpointSecret(handle.db, otherProjectId, endpoint.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'This webhook endpoint no longer exists.',
    });
    await deleteWebhookEndpoint(handle.db, otherProjectId, endpoint.id);
    expect(await row(endpoint.id)).toBeDefined();
    expect((await row(endpoint.id)).secretEncrypted).toBeTruthy();
    expect(acceptedSecrets(await row(endpoint.id))).toEqual([secret]);

    await deleteWebhookEndpoint(handle.db, projectId, endpoint.id);
    expect(await row(endpoint.id)).toBeUndefined();
    // the endpoint was in the routing cache: the delivery right after the deletion must not find it there
    expect((await post(handle, endpoint.id, secret, stripeEvent('charge.refunded'))).status).toBe(404);
    await expect(rotateWebhookEndpointSecret(handle.db, projectId, endpoint.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it("a stored secret that does not open for its endpoint verifies nothing and is logged, the endpoint's other secret still works", async () => {
    const { endpoint, secret } = await createWebhookEndpoint(handle.db, { projectId, purpose: 'custom' });
    const current = await row(endpoint.id);
    const foreign = sealSecret('whsec_sealed_elsewhere', webhookSecretOwner(otherProjectId));
    const warnings: { obj: unknown; msg: string }[] = [];
    const logger = {
      warn: (obj: unknown, msg: string) => warnings.push({ obj, msg }),
    } as unknown as Parameters<typeof acceptedSecrets>[2];
    const withForeignPrevious = {
      ...current,
      previousSecretEncrypted: foreign,
      previousSecretExpiresAt: new Date(Date.now() + 60_000),
    };
    expect(acceptedSecrets(withForeignPrevious, undefined, logger)).toEqual([secret]);
    expect(warnings).toEqual([
      {
        obj: expect.objectContaining({ endpointId: endpoint.id, err: expect.anything() }),
        msg: 'a stored webhook secret does not open for its endpoint',
      },
    ]);
    // without a logger it is refused all the same
    expect(acceptedSecrets({ ...current, secretEncrypted: foreign })).toEqual([]);
  });
});
