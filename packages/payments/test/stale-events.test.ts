import { getRow, insertRow, setActionPermission } from '@tillflow/data-model';
import { signPayload } from '@tillflow/stripe-sandbox';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { refundAction } from '../src/actions/refund';
import { BACKEND, eventually, type FlowProject, flowEnvironment } from './flow-env';
import { paymentServices } from './harness';

// "Never goes backwards", through the real path: the sandbox signs and
// delivers, the webhook route ingests, workers run the system flows, the
// callback handlers write. A stale event is one Stripe sent earlier that
// reaches us late: here a delivery our server failed (503) and Stripe
// retried after a later event had already been applied.

/** Event types whose deliveries our side answers 503 for now (Stripe will retry them). */
const held = new Set<string>();
/** While set, every refund our side fetches from Stripe fails (Stripe unreachable). */
let stripeDown = false;

const env = flowEnvironment({
  // Retries 250 ms, 500 ms, 1 s … apart: room for the later event to be applied first.
  retryBaseMs: 250,
  deliveries: (req) => {
    const type = (JSON.parse(req.body || '{}') as { type?: string }).type ?? '';
    return held.has(type) ? { status: 503 } : 'forward';
  },
  stripeApi: (req) =>
    stripeDown && req.method === 'GET' && req.path.startsWith('/v1/refunds/') ? { status: 503 } : 'forward',
});

/** A paid order of 1000 refunded in full, the refund REFUNDED by its own webhook. */
async function refundedInFull(ctx: FlowProject) {
  const { project: proj, alice, admin, asUser, stripe } = ctx;
  await setActionPermission(env.handle.db, proj.id, { role: 'admin', action: 'stripe.refund', allowed: true });
  const order = await insertRow(
    env.handle.db,
    proj.id,
    asUser(alice),
    'order',
    { title: 'Desk' },
    { serverValues: { amount: 1000 } },
  );
  const created = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), {
    orderId: order.id,
    method: 'payment_intent',
  });
  const intentId = String(
    (await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId))?.stripe_payment_intent_id,
  );
  await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
  await eventually(
    async () => (await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId))?.status === 'SUCCESSFUL',
  );
  const refund = await refundAction(paymentServices(env.handle), proj.id, asUser(admin), {
    paymentId: created.paymentId,
    amount: 1000,
  });
  await eventually(
    async () => (await getRow(env.handle.db, proj.id, BACKEND, 'refund', refund.refundId))?.status === 'REFUNDED',
  );
  return { paymentId: created.paymentId, refund };
}

/** Delivers, signed as Stripe would, Stripe's update from while the refund was still pending (as after a failed first delivery). */
async function deliverStalePendingRefund(ctx: FlowProject, stripeRefundId: string) {
  const object = await ctx.stripe.refunds.retrieve(stripeRefundId);
  const stale = {
    id: `evt_stale_${stripeRefundId}_${Date.now()}`,
    object: 'event',
    type: 'refund.updated',
    created: object.created - 1,
    livemode: false,
    api_version: '2026-10-28.endive',
    data: { object: { ...object, status: 'pending' }, previous_attributes: { metadata: {} } },
  };
  const endpoint = Object.values(
    (env.sandbox.findAccount(ctx.account.accountId) as { data: { webhook_endpoints: Record<string, any> } }).data
      .webhook_endpoints,
  ).find((e) => e.enabled_events.includes('refund.updated'));
  const payload = JSON.stringify(stale);
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, endpoint._secret) },
    body: payload,
  });
  expect(response.status).toBe(200);
  return env.finishedRun(ctx.project.id, { eventId: stale.id });
}

async function expectRefundedInFull(ctx: FlowProject, paymentId: number, refundId: number) {
  const { project: proj, admin, asUser } = ctx;
  expect((await getRow(env.handle.db, proj.id, BACKEND, 'refund', refundId))?.status).toBe('REFUNDED');
  expect(await getRow(env.handle.db, proj.id, BACKEND, 'payment', paymentId)).toMatchObject({
    status: 'REFUNDED',
    amount_refunded: 1000,
  });
  await expect(
    refundAction(paymentServices(env.handle), proj.id, asUser(admin), { paymentId, amount: 1 }),
  ).rejects.toMatchObject({
    code: 'VALIDATION',
  });
}

describe('stale events through the webhook route and the system flows', () => {
  it('a payment_failed delivered after the payment succeeded leaves the payment SUCCESSFUL and the order paid', async () => {
    const ctx = await env.project();
    const { project: proj, account, alice, asUser, stripe } = ctx;
    const order = await insertRow(
      env.handle.db,
      proj.id,
      asUser(alice),
      'order',
      { title: 'Kettle' },
      { serverValues: { amount: 700 } },
    );
    const created = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const intentId = String(
      (await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId))?.stripe_payment_intent_id,
    );

    held.add('payment_intent.payment_failed');
    await expect(
      stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa_chargeDeclined' }),
    ).rejects.toMatchObject({ type: 'StripeCardError' });
    const [failed] = (await stripe.events.list({ type: 'payment_intent.payment_failed' })).data;
    await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
    await eventually(async () => (await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status === 'paid');
    expect(
      env.sandbox.listDeliveries(account.accountId, { eventId: failed.id }).every((d) => d.status === 'failed'),
    ).toBe(true); // the decline has not reached us yet

    held.delete('payment_intent.payment_failed'); // Stripe's next retry gets through
    const { callback } = await env.finishedRun(proj.id, { eventId: failed.id });
    expect(callback).toMatchObject({ paymentStatus: 'SUCCESSFUL', alreadyProcessed: true });
    expect(await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId)).toMatchObject({
      status: 'SUCCESSFUL',
      failure_reason: null,
    });
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status).toBe('paid');
  }, 60_000);

  it('a stale refund update (still pending) delivered after the refund finished leaves it REFUNDED and the ceiling in place', async () => {
    const ctx = await env.project();
    const { paymentId, refund } = await refundedInFull(ctx);
    // The callback re-fetches the refund from Stripe, so Stripe's current state (succeeded) wins.
    await deliverStalePendingRefund(ctx, String(refund.stripeRefundId));
    await expectRefundedInFull(ctx, paymentId, refund.refundId);
  }, 60_000);

  it('the same stale refund update while Stripe cannot be reached leaves it REFUNDED too: the event alone only moves a refund forward', async () => {
    const ctx = await env.project();
    const { paymentId, refund } = await refundedInFull(ctx);
    stripeDown = true;
    try {
      const { callback } = await deliverStalePendingRefund(ctx, String(refund.stripeRefundId));
      expect(callback).toMatchObject({ status: 'REFUNDED', alreadyProcessed: true });
    } finally {
      stripeDown = false;
    }
    await expectRefundedInFull(ctx, paymentId, refund.refundId);
  }, 90_000);
});
