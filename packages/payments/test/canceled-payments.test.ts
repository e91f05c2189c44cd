import { getRow, insertRow } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { checkAgainstStripe } from '../src/check';
import { BACKEND, eventually, type FlowProject, flowEnvironment, idle, urls } from './flow-env';
import { paymentServices } from './harness';

// Payments that end canceled at Stripe, on the real path: the sandbox signs and delivers, the webhook
// route ingests, workers run the system flows. Stripe's intent goes requires_payment_method (declined)
// → canceled and never back; the payment row must end where Stripe's intent does, whatever the order of
// deliveries.

/** Event types whose deliveries our side answers 503 for now (Stripe retries them later). */
const held = new Set<string>();

const env = flowEnvironment({
  retryBaseMs: 250,
  deliveries: (req) => {
    const type = (JSON.parse(req.body || '{}') as { type?: string }).type ?? '';
    return held.has(type) ? { status: 503 } : 'forward';
  },
});

const payment = (ctx: FlowProject, id: number) => getRow(env.handle.db, ctx.project.id, BACKEND, 'payment', id);
const order = (ctx: FlowProject, id: number) => getRow(env.handle.db, ctx.project.id, BACKEND, 'order', id);

async function newOrder(ctx: FlowProject, amount: number) {
  const { project: proj, alice, asUser } = ctx;
  return insertRow(env.handle.db, proj.id, asUser(alice), 'order', { title: 'Teapot' }, { serverValues: { amount } });
}

/** Every delivery made, the held ones retried and answered, and every run finished. */
async function drained(ctx: FlowProject) {
  held.clear();
  await env.sandbox.waitForDeliveries();
  await idle(env, ctx.project.id);
}

describe('payments canceled at Stripe end canceled here, the order unpaid', () => {
  it('an intent canceled at Stripe (not by Tillflow) cancels its payment; the order stays unpaid and is paid with a new payment', async () => {
    const ctx = await env.project();
    const { project: proj, alice, asUser, stripe } = ctx;
    const o = await newOrder(ctx, 1800);
    const input = { orderId: o.id, method: 'payment_intent' as const };
    const first = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), input);
    const intentId = String((await payment(ctx, first.paymentId))?.stripe_payment_intent_id);
    // Canceled in the Dashboard (or by the shop's own backend): a call Tillflow did not make.
    await stripe.paymentIntents.cancel(intentId, { cancellation_reason: 'abandoned' });
    const canceled = await eventually(async () => {
      const row = await payment(ctx, first.paymentId);
      return row?.status === 'CANCELED' ? row : null;
    });
    expect(canceled.failure_reason).toBe('abandoned');
    expect(canceled.paid_at).toBeNull();
    const { callback } = await env.finishedRun(proj.id, { eventType: 'payment_intent.canceled' });
    expect(callback).toMatchObject({ paymentStatus: 'CANCELED', alreadyProcessed: false, recovered: false });
    await drained(ctx);
    expect((await order(ctx, o.id))?.status).toBe('pending');
    expect((await stripe.paymentIntents.retrieve(intentId)).status).toBe('canceled');

    // The order can be paid again: a new payment (a canceled intent cannot be confirmed).
    const second = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), input);
    expect(second.paymentId).not.toBe(first.paymentId);
    const secondIntent = String((await payment(ctx, second.paymentId))?.stripe_payment_intent_id);
    expect(secondIntent).not.toBe(intentId);
    await stripe.paymentIntents.confirm(secondIntent, { payment_method: 'pm_card_visa' });
    await eventually(async () => (await order(ctx, o.id))?.status === 'paid');
    expect((await payment(ctx, first.paymentId))?.status).toBe('CANCELED');
  });

  it('an intent declined and then canceled at Stripe ends CANCELED, even when the decline is delivered last', async () => {
    const ctx = await env.project();
    const { project: proj, alice, asUser, stripe } = ctx;
    const o = await newOrder(ctx, 2100);
    const created = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), {
      orderId: o.id,
      method: 'payment_intent',
    });
    const intentId = String((await payment(ctx, created.paymentId))?.stripe_payment_intent_id);
    held.add('payment_intent.payment_failed');
    await expect(stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_chargeDeclined' })).rejects.toThrow(
      /declined/,
    );
    await stripe.paymentIntents.cancel(intentId);
    await eventually(async () => (await payment(ctx, created.paymentId))?.status === 'CANCELED');
    // Now the decline arrives, late: it is older news than the cancel and changes nothing.
    await drained(ctx);
    const { callback } = await env.finishedRun(proj.id, { eventType: 'payment_intent.payment_failed' });
    expect(callback).toMatchObject({ paymentStatus: 'CANCELED', alreadyProcessed: true });
    expect((await stripe.paymentIntents.retrieve(intentId)).status).toBe('canceled');
    expect((await payment(ctx, created.paymentId))?.status).toBe('CANCELED');
    expect((await order(ctx, o.id))?.status).toBe('pending');
  });

  for (const late of [false, true])
    it(`a checkout declined once and then expired ends CANCELED as Stripe’s intent does${late ? ', the decline delivered last' : ''}; the order is paid with a new checkout`, async () => {
      const ctx = await env.project();
      const { project: proj, alice, asUser, stripe } = ctx;
      const o = await newOrder(ctx, 3000);
      const input = { orderId: o.id, method: 'checkout' as const, ...urls };
      const first = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), input);
      const sessionId = String(first.checkoutUrl).split('/').pop() as string;
      if (late) held.add('payment_intent.payment_failed');
      expect(env.sandbox.payCheckoutSession(sessionId, { number: '4000000000000002' })).toMatchObject({
        outcome: 'declined',
      });
      if (!late) await eventually(async () => (await payment(ctx, first.paymentId))?.status === 'FAILED');
      await stripe.checkout.sessions.expire(sessionId);
      await drained(ctx);
      const session = await stripe.checkout.sessions.retrieve(sessionId);
      expect(session.status).toBe('expired');
      const intent = await stripe.paymentIntents.retrieve(String(session.payment_intent));
      expect(intent.status).toBe('canceled');
      const row = await payment(ctx, first.paymentId);
      expect(row).toMatchObject({ status: 'CANCELED', paid_at: null, stripe_payment_intent_id: intent.id });
      expect((await order(ctx, o.id))?.status).toBe('pending');

      const second = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), input);
      expect(second.reused).toBe(false);
      env.sandbox.payCheckoutSession(String(second.checkoutUrl).split('/').pop() as string, {
        number: '4242424242424242',
      });
      await eventually(async () => (await order(ctx, o.id))?.status === 'paid');
      expect((await payment(ctx, first.paymentId))?.status).toBe('CANCELED');
    });

  it('Check against Stripe moves a declined payment whose checkout expired (its events not delivered) to CANCELED', async () => {
    const ctx = await env.project();
    const { project: proj, alice, asUser, stripe } = ctx;
    const o = await newOrder(ctx, 1200);
    const first = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), {
      orderId: o.id,
      method: 'checkout',
      ...urls,
    });
    const sessionId = String(first.checkoutUrl).split('/').pop() as string;
    env.sandbox.payCheckoutSession(sessionId, { number: '4000000000000002' });
    await eventually(async () => (await payment(ctx, first.paymentId))?.status === 'FAILED');
    held.add('payment_intent.canceled');
    held.add('checkout.session.expired');
    await stripe.checkout.sessions.expire(sessionId);
    await new Promise((r) => setTimeout(r, 300));
    expect((await payment(ctx, first.paymentId))?.status).toBe('FAILED');
    const future = Math.floor(Date.now() / 1000) + 3600; // no events fetched: only the row comparison finds it
    const report = await checkAgainstStripe(paymentServices(env.handle), proj.id, { sinceSeconds: future });
    expect(report.fixed).toEqual([
      expect.objectContaining({ table: 'payment', id: first.paymentId, ours: 'FAILED', stripe: 'expired' }),
    ]);
    expect(report.stillDiffering).toEqual([]);
    await eventually(async () => (await payment(ctx, first.paymentId))?.status === 'CANCELED');
    await drained(ctx);
    expect((await payment(ctx, first.paymentId))?.status).toBe('CANCELED');
    expect((await order(ctx, o.id))?.status).toBe('pending');
    const again = await checkAgainstStripe(paymentServices(env.handle), proj.id, { sinceSeconds: future });
    expect(again.fixed).toEqual([]);
  });
});
