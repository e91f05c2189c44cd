import { openSecret, publicUrl } from '@tillflow/core';
import { getRow, insertRow } from '@tillflow/data-model';
import { flowRuns, stripeEvents, webhookEndpoints } from '@tillflow/db';
import { ingestStripeWebhook, stripeSignatureHeader, webhookSecretOwner } from '@tillflow/runtime';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { saveStripeKeys } from '../src/settings';
import { createStripeClient } from '../src/stripe-client';
import { BACKEND, eventually, flowEnvironment, paidOrder, urls } from './flow-env';
import { paymentServices, testLogger } from './harness';

const env = flowEnvironment();

describe('keys change → endpoints follow; test and live stay apart', () => {
  it('saving keys of another account registers every endpoint there at once and retires only ours on the old one', async () => {
    const ctx = await env.project();
    const { project: proj } = ctx;
    const oldStripe = createStripeClient(ctx.account.secretKey, env.sandbox.url);
    const theirs = await oldStripe.webhookEndpoints.create({
      url: 'https://someone-else.example.test/hook',
      enabled_events: ['charge.succeeded'],
    });
    expect((await oldStripe.webhookEndpoints.list({ limit: 100 })).data).toHaveLength(6);

    const next = await env.sandbox.createAccount();
    // The new account already has someone else's endpoint, and one at this install's webhook address that is
    // no endpoint of this project (left over from an old install or another project).
    const newStripe = createStripeClient(next.secretKey, env.sandbox.url);
    await newStripe.webhookEndpoints.create({
      url: 'https://shop-crm.example.test/stripe',
      enabled_events: ['invoice.payment_failed', 'customer.subscription.deleted'],
    });
    await newStripe.webhookEndpoints.create({
      url: `${publicUrl()}/api/hooks/stripe/00000000-0000-4000-8000-000000000000`,
      enabled_events: ['payment_intent.succeeded'],
    });
    const saved = await saveStripeKeys(paymentServices(env.handle), proj.id, {
      publishableKey: next.publishableKey,
      secretKey: next.secretKey,
      apiBase: 'sandbox',
    });
    expect(saved.endpoints).toHaveLength(5);
    expect(saved.endpoints.every((e) => e.ok)).toBe(true);
    expect(saved.retired).toHaveLength(5);
    expect(saved.retired.every((r) => r.ok)).toBe(true);
    expect((await newStripe.webhookEndpoints.list({ limit: 100 })).data).toHaveLength(7);
    // The report, endpoint by endpoint, in words: ours reach this project, the others say where they go.
    const { account } = saved;
    expect(account.error).toBeUndefined();
    expect(account.missing).toEqual([]);
    expect(account.endpoints).toHaveLength(7);
    const ours = account.endpoints.filter((e) => e.reachesThisProject);
    expect(ours).toHaveLength(5);
    expect(ours.every((e) => e.ours && e.enabled)).toBe(true);
    const payments = ours.find((e) => e.summary.includes('Payment updates'));
    expect(payments?.summary).toMatch(
      /^Ours, for payments \(the “Payment updates” automation\): listens to .*checkout completed.*payment succeeded.* and reaches this project\.$/,
    );
    expect(payments?.events).toContain('checkout.session.completed');
    const crm = account.endpoints.find((e) => e.url === 'https://shop-crm.example.test/stripe');
    expect(crm).toMatchObject({ ours: false, reachesThisProject: false });
    expect(crm?.summary).toBe(
      'Not ours (shop-crm.example.test): listens to invoice payment failed and subscription ended and sends them elsewhere, not to this Tillflow.',
    );
    const stray = account.endpoints.find((e) => e.url.endsWith('/00000000-0000-4000-8000-000000000000'));
    expect(stray).toMatchObject({ ours: false, reachesThisProject: false });
    expect(stray?.summary).toMatch(/^Points at this Tillflow but at no endpoint of this project/);
    // Nothing in it is a raw code a shop owner would have to decode.
    for (const e of account.endpoints)
      expect(e.summary).not.toMatch(/\b(checkout|payment_intent|charge|invoice|customer|refund)\.|we_[A-Za-z0-9]/);
    expect((await oldStripe.webhookEndpoints.list({ limit: 100 })).data.map((e) => e.id)).toEqual([theirs.id]);

    // Payments on the new account are recorded at once (no Repair, no maintenance).
    const { order } = await paidOrder(env, { ...ctx, stripe: newStripe }, 1200);
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status).toBe('paid');
  });

  it('a live-mode event never marks a test order paid', async () => {
    const ctx = await env.project();
    const { project: proj, alice, asUser, stripe } = ctx;
    const order = await insertRow(
      env.handle.db,
      proj.id,
      asUser(alice),
      'order',
      { title: 'Vase' },
      { serverValues: { amount: 800 } },
    );
    const created = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), {
      orderId: order.id,
      method: 'checkout',
      ...urls,
    });
    const row = await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId);
    expect(row?.livemode).toBe(false);
    const session = await stripe.checkout.sessions.retrieve(String(created.checkoutUrl).split('/').pop() as string);
    // A correctly signed delivery claiming to be live, about our test payment.
    const event = {
      id: 'evt_live_forged_1',
      object: 'event',
      type: 'checkout.session.completed',
      created: Math.floor(Date.now() / 1000),
      livemode: true,
      api_version: '2026-10-28.endive',
      data: { object: { ...session, livemode: true, status: 'complete', payment_status: 'paid' } },
    };
    const [endpoint] = await env.handle.db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.projectId, proj.id), eq(webhookEndpoints.purpose, 'StripePayment')));
    const rawBody = JSON.stringify(event);
    const result = await ingestStripeWebhook(env.handle, {
      endpointId: endpoint.id,
      rawBody,
      signatureHeader: stripeSignatureHeader(
        rawBody,
        openSecret(endpoint.secretEncrypted, webhookSecretOwner(endpoint.projectId)),
      ),
      contentType: 'application/json',
      logger: testLogger,
    });
    expect(result.status).toBe(200);
    await eventually(async () => {
      const [stored] = await env.handle.db
        .select({ id: stripeEvents.id })
        .from(stripeEvents)
        .where(eq(stripeEvents.eventId, event.id));
      const runs = await env.handle.db
        .select({ status: flowRuns.status })
        .from(flowRuns)
        .where(eq(flowRuns.eventRowId, stored.id));
      return runs.length > 0 && runs.every((r) => r.status === 'succeeded');
    });
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId))?.status).toBe('PENDING');
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status).toBe('pending');
  });
});
