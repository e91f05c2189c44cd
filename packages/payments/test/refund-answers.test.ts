// The refund action (actions/refund.ts) around what it sends Stripe and what Stripe answers at once: the payment
// named by Stripe's PaymentIntent id among several, a mismatch given back on the charge that collected it, and a
// refund Stripe fails or completes on the spot. Written against the open survivors of the 2026-12-03 Stryker run of
// that file (docs/testing.md).
import { deleteRows, getRow, insertRow, queryRows } from '@tillflow/data-model';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { refundAction } from '../src/actions/refund';
import type { PaymentServices } from '../src/stripe-accounts';
import { environmentPerFile, paidPaymentIntent, paymentServices, servicesWith } from './harness';

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();

/** A second paid intent at Stripe, recorded as a payment of the same shop (another order). */
async function secondPayment(shop: Awaited<ReturnType<typeof paidPaymentIntent>>, amount: number, extra = {}) {
  const intent = await shop.stripe.paymentIntents.create({
    amount,
    currency: 'usd',
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  const order = await insertRow(env.handle.db, shop.project.id, BACKEND, 'order', { title: 'Lamp', amount });
  const payment = await insertRow(env.handle.db, shop.project.id, BACKEND, 'payment', {
    order_id: order.id,
    amount,
    currency: 'usd',
    status: 'SUCCESSFUL',
    method: 'payment_intent',
    stripe_payment_intent_id: intent.id,
    ...extra,
  });
  return { intent, payment };
}

/** The shop's services with Stripe's `refunds.create` answered by the test. */
function answering(answer: Partial<Stripe.Refund>): PaymentServices {
  const stripe = { refunds: { create: async () => ({ id: 're_answered_1', ...answer }) } } as unknown as Stripe;
  return servicesWith(env.handle, (context) => ({ ...context, stripe }));
}

describe('refunds as Stripe sees them', () => {
  it("refunds the payment named by Stripe's PaymentIntent id, not another of the shop's", async () => {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 1000);
    const second = await secondPayment(shop, 700);
    const refund = await refundAction(paymentServices(env.handle), shop.project.id, BACKEND, {
      paymentId: second.intent.id,
      amount: 300,
    });
    expect(refund).toMatchObject({ amount: 300, remaining: 400, currency: 'usd' });
    expect(await getRow(env.handle.db, shop.project.id, BACKEND, 'refund', refund.refundId)).toMatchObject({
      payment_id: second.payment.id,
      amount: 300,
    });
    const atStripe = await shop.stripe.refunds.retrieve(String(refund.stripeRefundId));
    expect(atStripe.payment_intent).toBe(second.intent.id);

    await expect(
      refundAction(paymentServices(env.handle), shop.project.id, BACKEND, { paymentId: 'pi_nobody_here', amount: 100 }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'No payment with that Stripe id.',
      fieldErrors: { paymentId: 'Not found.' },
    });
  });

  it('gives a mismatch back on the charge that collected it, up to what it collected', async () => {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 1000);
    // The shopper paid 650 on another intent's charge (e.g. a link paid twice); Tillflow recorded that charge.
    const other = await shop.stripe.paymentIntents.create({
      amount: 650,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const charge = String(other.latest_charge);
    const mismatch = await secondPayment(shop, 1000, {
      status: 'AMOUNT_MISMATCH',
      amount_received: 650,
      currency_received: 'usd',
      stripe_charge_id: charge,
    });
    await expect(
      refundAction(paymentServices(env.handle), shop.project.id, BACKEND, {
        paymentId: mismatch.payment.id,
        amount: 700,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: 'Only $6.50 of this payment remains refundable.' });
    const refund = await refundAction(paymentServices(env.handle), shop.project.id, BACKEND, {
      paymentId: mismatch.payment.id,
    });
    expect(refund).toMatchObject({ amount: 650, remaining: 0 });
    const atStripe = await shop.stripe.refunds.retrieve(String(refund.stripeRefundId));
    expect(atStripe.charge).toBe(charge);
    expect(atStripe.amount).toBe(650);
  });

  it('gives a mismatch whose charge was never recorded back on its own PaymentIntent, up to what it collected', async () => {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 1000);
    // Stripe collected 650 on the intent Tillflow recorded; the row knows the amount but not the charge (a row
    // written before charges were recorded with a mismatch, or edited by hand).
    const mismatch = await secondPayment(shop, 650, {
      amount: 1000,
      status: 'AMOUNT_MISMATCH',
      amount_received: 650,
      currency_received: 'usd',
      stripe_charge_id: null,
    });
    const refund = await refundAction(paymentServices(env.handle), shop.project.id, BACKEND, {
      paymentId: mismatch.payment.id,
    });
    expect(refund).toMatchObject({ amount: 650, remaining: 0, status: 'PENDING' });
    const atStripe = await shop.stripe.refunds.retrieve(String(refund.stripeRefundId));
    expect(atStripe.payment_intent).toBe(mismatch.intent.id);
    expect(atStripe.charge).toBe(mismatch.intent.latest_charge);
    expect(atStripe.amount).toBe(650);
  });

  it('says FAILED when Stripe fails the refund on the spot, and PENDING until the webhook when it succeeds at once', async () => {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 1000);
    const failed = await refundAction(answering({ status: 'failed' }), shop.project.id, BACKEND, {
      paymentId: shop.paymentId,
      amount: 100,
    });
    expect(failed).toMatchObject({ status: 'FAILED', stripeRefundId: 're_answered_1', amount: 100 });
    const done = await refundAction(answering({ id: 're_answered_2', status: 'succeeded' }), shop.project.id, BACKEND, {
      paymentId: shop.paymentId,
      amount: 100,
    });
    expect(done).toMatchObject({ status: 'PENDING', stripeRefundId: 're_answered_2' });
    // Some methods refund slowly: Stripe answers `pending`, and the refund is PENDING until its webhook.
    const slow = await refundAction(answering({ id: 're_answered_3', status: 'pending' }), shop.project.id, BACKEND, {
      paymentId: shop.paymentId,
      amount: 100,
    });
    expect(slow).toMatchObject({ status: 'PENDING', stripeRefundId: 're_answered_3' });
    expect(await getRow(env.handle.db, shop.project.id, BACKEND, 'refund', done.refundId)).toMatchObject({
      status: 'PENDING',
      stripe_refund_id: 're_answered_2',
    });
  });

  it('refuses, as not found, a payment deleted after it was looked up and before it could be locked, and reserves nothing', async () => {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 1000);
    const gone = await secondPayment(shop, 700);
    // The delete lands between the lookup and the refund's transaction (another admin, say).
    const db = new Proxy(env.handle.db, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== 'transaction') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<typeof target.transaction>) => {
          await deleteRows(target, shop.project.id, BACKEND, 'payment', [
            { column: 'id', op: 'eq', value: gone.payment.id },
          ]);
          return target.transaction(...args);
        };
      },
    });
    const services = { ...paymentServices(env.handle), database: { ...env.handle, db } };
    await expect(
      refundAction(services, shop.project.id, BACKEND, { paymentId: gone.payment.id, amount: 100 }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `Payment ${gone.payment.id} was not found.`,
      fieldErrors: { paymentId: 'Not found.' },
    });
    const { rows } = await queryRows(env.handle.db, shop.project.id, BACKEND, 'refund', {
      filters: [{ column: 'payment_id', op: 'eq', value: gone.payment.id }],
      limit: 10,
    });
    expect(rows).toEqual([]);
    expect(await shop.stripe.refunds.list({ payment_intent: gone.intent.id })).toMatchObject({ data: [] });
  });
});
