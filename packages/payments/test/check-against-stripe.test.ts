import { getRow, insertRow } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { checkAgainstStripe, lastCheckReport } from '../src/check';
import { endpointHealth } from '../src/endpoints';
import { BACKEND, eventually, flowEnvironment } from './flow-env';
import { paymentServices } from './harness';

const env = flowEnvironment();

describe('Check against Stripe', () => {
  it('finds a payment whose events are gone, repairs it through the webhook path once, and reports it', async () => {
    const ctx = await env.project();
    const { project: proj, alice, asUser, stripe } = ctx;
    // The payment endpoint is deleted in Stripe, so nothing about this payment is delivered.
    const endpoint = (await endpointHealth(paymentServices(env.handle), proj.id)).find(
      (e) => e.purpose === 'StripePayment',
    );
    await stripe.webhookEndpoints.del(String(endpoint?.stripeEndpointId));
    const order = await insertRow(
      env.handle.db,
      proj.id,
      asUser(alice),
      'order',
      { title: 'Lost' },
      { serverValues: { amount: 1300 } },
    );
    const created = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const row = await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId);
    await stripe.paymentIntents.confirm(String(row?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    await env.sandbox.waitForDeliveries();
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId))?.status).toBe('PENDING');

    // Events older than the window are not fetched: only the row comparison can find it.
    const future = Math.floor(Date.now() / 1000) + 3600;
    const report = await checkAgainstStripe(paymentServices(env.handle), proj.id, { sinceSeconds: future });
    expect(report.events.recovered).toBe(0);
    expect(report.checked).toBeGreaterThanOrEqual(1);
    expect(report.fixed).toEqual([
      expect.objectContaining({ table: 'payment', id: created.paymentId, ours: 'PENDING', stripe: 'succeeded' }),
    ]);
    expect(report.stillDiffering).toEqual([]);
    await eventually(async () => (await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status === 'paid');
    expect((await lastCheckReport(env.handle.db, proj.id))?.ranAt).toBe(report.ranAt);
    const again = await checkAgainstStripe(paymentServices(env.handle), proj.id, { sinceSeconds: future });
    expect(again.fixed).toEqual([]);
  });
});
