import type { DbHandle } from '@tillflow/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activatePayments } from '../src/activation';
import { endpointHealth, ensureSystemEndpoints, SYSTEM_FLOW_EVENTS } from '../src/endpoints';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, paymentServices, type Sandbox, startEnvironment } from './harness';

describe('webhook endpoints', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
  });
  afterAll(async () => {
    await sandbox.close();
    await handle.close();
  });

  it('activation registers one endpoint per system flow with exactly its events', async () => {
    const { project, account } = await createPaymentsProject(handle, sandbox);
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    const remote = (await stripe.webhookEndpoints.list({ limit: 100 })).data;
    expect(remote).toHaveLength(5);
    const health = await endpointHealth(paymentServices(handle), project.id);
    expect(health.map((e) => e.purpose).sort()).toEqual(Object.keys(SYSTEM_FLOW_EVENTS).sort());
    for (const endpoint of health) {
      expect(endpoint.registered).toBe(true);
      expect(endpoint.url).toMatch(new RegExp(`/api/hooks/stripe/${endpoint.id}$`));
      const mirror = remote.find((r) => r.id === endpoint.stripeEndpointId);
      expect([...(mirror?.enabled_events ?? [])].sort()).toEqual(
        [...SYSTEM_FLOW_EVENTS[endpoint.purpose as keyof typeof SYSTEM_FLOW_EVENTS]].sort(),
      );
      expect(JSON.stringify(endpoint)).not.toMatch(/whsec_[A-Za-z0-9]{8,}/); // secret only masked
    }
  });

  it('repair re-creates an endpoint deleted in Stripe and reuses the rest, never piling up', async () => {
    const { project, account } = await createPaymentsProject(handle, sandbox);
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    const before = await endpointHealth(paymentServices(handle), project.id);
    const victim = before.find((e) => e.purpose === 'StripeRefund');
    await stripe.webhookEndpoints.del(String(victim?.stripeEndpointId));
    expect(
      (await endpointHealth(paymentServices(handle), project.id)).find((e) => e.purpose === 'StripeRefund')?.registered,
    ).toBe(false);
    await ensureSystemEndpoints(paymentServices(handle), project.id);
    await ensureSystemEndpoints(paymentServices(handle), project.id);
    const after = await endpointHealth(paymentServices(handle), project.id);
    expect(after.every((e) => e.registered)).toBe(true);
    expect((await stripe.webhookEndpoints.list({ limit: 100 })).data).toHaveLength(5);
    const repaired = after.find((e) => e.purpose === 'StripeRefund');
    expect(repaired?.id).toBe(victim?.id); // same URL for the app
    expect(repaired?.stripeEndpointId).not.toBe(victim?.stripeEndpointId);
  });

  it('refuses activation when the account has more than 11 endpoints (16 minus the five system ones)', async () => {
    const { project, account } = await createPaymentsProject(handle, sandbox, { activate: false });
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    for (let i = 0; i < 13; i++)
      await stripe.webhookEndpoints.create({
        url: `https://example.test/hook/${i}`,
        enabled_events: ['charge.succeeded'],
      });
    await expect(
      activatePayments(paymentServices(handle), project.id, { orderTable: 'order', confirmPermanent: true }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/already has 13 webhook endpoints/),
    });
  });
});
