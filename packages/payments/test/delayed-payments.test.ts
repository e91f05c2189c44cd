import { getRow, insertRow } from '@tillflow/data-model';
import { listMailbox } from '@tillflow/mail';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { checkAgainstStripe } from '../src/check';
import { endpointHealth } from '../src/endpoints';
import { BACKEND, eventually, type FlowProject, flowEnvironment, idle, urls } from './flow-env';
import { paymentServices } from './harness';

// A delayed payment method on the real path: the buyer pays the hosted checkout by ACH Direct Debit
// (us_bank_account, Stripe's test routing number 110000000). Checkout completes unpaid with the intent
// processing; the debit settles later (the sandbox's settle control stands for the minutes Stripe takes):
// checkout.session.async_payment_succeeded / _failed and the intent's own events follow.

const env = flowEnvironment();

const payment = (ctx: FlowProject, id: number) => getRow(env.handle.db, ctx.project.id, BACKEND, 'payment', id);
const order = (ctx: FlowProject, id: number) => getRow(env.handle.db, ctx.project.id, BACKEND, 'order', id);

async function drained(ctx: FlowProject) {
  await env.sandbox.waitForDeliveries();
  await idle(env, ctx.project.id);
}

/** Alice's order paid on the hosted checkout by a bank debit from `accountNumber`, its checkout completed. */
async function paidByBank(ctx: FlowProject, amount: number, accountNumber: string) {
  const { project: proj, alice, asUser, stripe } = ctx;
  const o = await insertRow(
    env.handle.db,
    proj.id,
    asUser(alice),
    'order',
    { title: 'Bike' },
    { serverValues: { amount } },
  );
  const input = { orderId: o.id, method: 'checkout' as const, ...urls };
  const created = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), input);
  const sessionId = String(created.checkoutUrl).split('/').pop() as string;
  expect(
    env.sandbox.payCheckoutSession(sessionId, {
      email: String(alice.email),
      bankAccount: { routingNumber: '110000000', accountNumber },
    }),
  ).toMatchObject({ outcome: 'succeeded' });
  const { callback } = await env.finishedRun(proj.id, { eventType: 'checkout.session.completed' });
  await drained(ctx);
  const session = await stripe.checkout.sessions.retrieve(sessionId);
  return { order: o, input, created, session, callback };
}

const receipts = async (ctx: FlowProject, orderId: number) =>
  (await listMailbox(env.handle.db, ctx.project.id, {})).filter((m) => m.subject === `Receipt for order #${orderId}`);

describe('a delayed payment method (bank debit) on the real path', () => {
  it('the order stays pending while the debit is processing and becomes paid once it settles, with one receipt', async () => {
    const ctx = await env.project();
    const { stripe, project: proj } = ctx;
    const { order: o, created, session, callback } = await paidByBank(ctx, 4200, '000123456789');
    expect(session).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    expect((await stripe.paymentIntents.retrieve(String(session.payment_intent))).status).toBe('processing');
    expect(callback).toMatchObject({ paymentStatus: 'PENDING' });
    expect(await payment(ctx, created.paymentId)).toMatchObject({ status: 'PENDING', paid_at: null });
    expect((await order(ctx, o.id))?.status).toBe('pending');
    expect(await receipts(ctx, o.id)).toHaveLength(0);

    expect(env.sandbox.settleBankDebits()).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await order(ctx, o.id))?.status === 'paid');
    await env.finishedRun(proj.id, { eventType: 'checkout.session.async_payment_succeeded' });
    await drained(ctx);
    expect(await payment(ctx, created.paymentId)).toMatchObject({
      status: 'SUCCESSFUL',
      amount_received: 4200,
      stripe_payment_intent_id: session.payment_intent,
    });
    expect((await payment(ctx, created.paymentId))?.paid_at).not.toBeNull();
    // Both the intent's success and the session's async success arrive: one receipt.
    const mail = await eventually(async () => {
      const found = await receipts(ctx, o.id);
      return found.length ? found : null;
    });
    await drained(ctx);
    expect(await receipts(ctx, o.id)).toHaveLength(1);
    expect(mail[0].text).toContain('$42.00');
  });

  it('a debit that fails after checkout marks the payment FAILED and the order not paid; the order can be paid again', async () => {
    const ctx = await env.project();
    const { project: proj, alice, asUser, stripe } = ctx;
    const { order: o, input, created, session } = await paidByBank(ctx, 1500, '000222222227');
    expect(await payment(ctx, created.paymentId)).toMatchObject({ status: 'PENDING' });

    env.sandbox.settleBankDebits();
    const failed = await eventually(async () => {
      const row = await payment(ctx, created.paymentId);
      return row?.status === 'FAILED' ? row : null;
    });
    await env.finishedRun(proj.id, { eventType: 'checkout.session.async_payment_failed' });
    await drained(ctx);
    expect((await stripe.paymentIntents.retrieve(String(session.payment_intent))).status).toBe(
      'requires_payment_method',
    );
    expect(failed.paid_at).toBeNull();
    expect(String(failed.failure_reason)).not.toBe('');
    expect((await payment(ctx, created.paymentId))?.status).toBe('FAILED');
    expect((await order(ctx, o.id))?.status).toBe('pending');
    expect(await receipts(ctx, o.id)).toHaveLength(0);

    // Paid again, by card, on a new checkout.
    const again = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), input);
    expect(again.checkoutUrl).not.toBe(created.checkoutUrl);
    env.sandbox.payCheckoutSession(String(again.checkoutUrl).split('/').pop() as string, {
      number: '4242424242424242',
    });
    await eventually(async () => (await order(ctx, o.id))?.status === 'paid');
    await drained(ctx);
    expect(await receipts(ctx, o.id)).toHaveLength(1);
    expect((await payment(ctx, created.paymentId))?.status).toBe('FAILED');
  });

  for (const [accountNumber, outcome] of [
    ['000123456789', 'SUCCESSFUL'],
    ['000111111113', 'FAILED'],
  ] as const)
    it(`with deliveries duplicated and shuffled (completed, processing and settled events in any order) the payment ends ${outcome}, as Stripe's intent`, async () => {
      const ctx = await env.project();
      const { project: proj, alice, asUser, stripe, account } = ctx;
      env.sandbox.setDeliveryOptions({ duplicate: true, shuffle: true }, account.accountId);
      const o = await insertRow(
        env.handle.db,
        proj.id,
        asUser(alice),
        'order',
        { title: 'Sofa' },
        {
          serverValues: { amount: 2600 },
        },
      );
      const created = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), {
        orderId: o.id,
        method: 'checkout',
        ...urls,
      });
      const sessionId = String(created.checkoutUrl).split('/').pop() as string;
      env.sandbox.payCheckoutSession(sessionId, {
        email: String(alice.email),
        bankAccount: { routingNumber: '110000000', accountNumber },
      });
      env.sandbox.settleBankDebits(account.accountId); // settled before anything was delivered
      await drained(ctx);
      await new Promise((r) => setTimeout(r, 300));
      await drained(ctx);
      const intent = await stripe.paymentIntents.retrieve(
        String((await stripe.checkout.sessions.retrieve(sessionId)).payment_intent),
      );
      expect(intent.status).toBe(outcome === 'SUCCESSFUL' ? 'succeeded' : 'requires_payment_method');
      expect((await payment(ctx, created.paymentId))?.status).toBe(outcome);
      expect((await order(ctx, o.id))?.status).toBe(outcome === 'SUCCESSFUL' ? 'paid' : 'pending');
      expect(await receipts(ctx, o.id)).toHaveLength(outcome === 'SUCCESSFUL' ? 1 : 0);
      const deliveries = env.sandbox.listDeliveries(account.accountId);
      expect(deliveries.length).toBeGreaterThan(new Set(deliveries.map((d) => d.event_id)).size);
    });

  it('Check against Stripe settles a bank debit whose later events never arrived: paid, or failed', async () => {
    const ctx = await env.project();
    const { project: proj, stripe } = ctx;
    const good = await paidByBank(ctx, 1100, '000123456789');
    const bad = await paidByBank(ctx, 1300, '000222222227');
    // The payment endpoint is deleted in Stripe after checkout: nothing about the settlement is delivered.
    const endpoint = (await endpointHealth(paymentServices(env.handle), proj.id)).find(
      (e) => e.purpose === 'StripePayment',
    );
    await stripe.webhookEndpoints.del(String(endpoint?.stripeEndpointId));
    env.sandbox.settleBankDebits(ctx.account.accountId);
    await drained(ctx);
    expect((await payment(ctx, good.created.paymentId))?.status).toBe('PENDING');
    expect((await payment(ctx, bad.created.paymentId))?.status).toBe('PENDING');
    const future = Math.floor(Date.now() / 1000) + 3600; // no events fetched: only the row comparison finds them
    const report = await checkAgainstStripe(paymentServices(env.handle), proj.id, { sinceSeconds: future });
    expect(report.fixed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ table: 'payment', id: good.created.paymentId, ours: 'PENDING', stripe: 'paid' }),
        expect.objectContaining({ table: 'payment', id: bad.created.paymentId, ours: 'PENDING', stripe: 'failed' }),
      ]),
    );
    expect(report.fixed).toHaveLength(2);
    expect(report.stillDiffering).toEqual([]);
    await eventually(async () => (await order(ctx, good.order.id))?.status === 'paid');
    await eventually(async () => (await payment(ctx, bad.created.paymentId))?.status === 'FAILED');
    await drained(ctx);
    expect((await order(ctx, bad.order.id))?.status).toBe('pending');
    expect(await receipts(ctx, good.order.id)).toHaveLength(1);
    const again = await checkAgainstStripe(paymentServices(env.handle), proj.id, { sinceSeconds: future });
    expect(again.fixed).toEqual([]);
  });
});
