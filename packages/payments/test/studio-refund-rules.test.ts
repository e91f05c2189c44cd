// The studio's Refund dialog: which payment a refund is about, what remains refundable of it, and how a typed
// amount is read. Written against the survivors of the 2026-12-04 Stryker run of actions/studio-refund.ts.
import { getRow, insertRow } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { refundableAmount, refundFromStudio } from '../src/actions/studio-refund';
import { environmentPerFile, paidPaymentIntent, paymentServices, refusal, setRow } from './harness';

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();

async function addRefund(projectId: number, paymentId: number, amount: number, status: string) {
  await insertRow(env.handle.db, projectId, BACKEND, 'refund', {
    payment_id: paymentId,
    amount,
    currency: 'usd',
    status,
  });
}

async function addPayment(projectId: number, orderId: number, status: string, amount = 500) {
  return insertRow(env.handle.db, projectId, BACKEND, 'payment', {
    order_id: orderId,
    amount,
    currency: 'usd',
    status,
    method: 'payment_intent',
  });
}

describe('refunds from the studio', () => {
  it('counts refunds pending or made against what remains, never failed or canceled ones, and says it in dollars', async () => {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 1000);
    const services = paymentServices(env.handle);
    await addRefund(shop.project.id, shop.paymentId, 100, 'PENDING');
    await addRefund(shop.project.id, shop.paymentId, 200, 'REFUNDED');
    await addRefund(shop.project.id, shop.paymentId, 300, 'FAILED');
    await addRefund(shop.project.id, shop.paymentId, 50, 'CANCELED');
    expect(await refundableAmount(services, shop.project.id, { paymentId: shop.paymentId })).toEqual({
      paymentId: shop.paymentId,
      orderId: shop.order.id,
      currency: 'usd',
      amount: 1000,
      refunded: 300,
      remaining: 700,
      amountDisplay: '$10.00',
      refundedDisplay: '$3.00',
      remainingDisplay: '$7.00',
    });

    // A payment that collected something else (a mismatch) gives back up to what it collected, in that currency.
    await setRow(env.handle, shop.project.id, 'payment', shop.paymentId, {
      status: 'AMOUNT_MISMATCH',
      amount_received: 600,
      currency_received: 'EUR',
    });
    expect(await refundableAmount(services, shop.project.id, { paymentId: shop.paymentId })).toMatchObject({
      currency: 'eur',
      amount: 600,
      refunded: 300,
      remaining: 300,
      remainingDisplay: '€3.00',
    });

    // A mismatch whose collected amount is not known yet: nothing to give back until Stripe says what it took.
    await setRow(env.handle, shop.project.id, 'payment', shop.paymentId, {
      amount_received: null,
      currency_received: null,
    });
    expect(await refundableAmount(services, shop.project.id, { paymentId: shop.paymentId })).toMatchObject({
      currency: 'usd',
      amount: 0,
      remaining: 0,
    });
    await setRow(env.handle, shop.project.id, 'payment', shop.paymentId, {
      amount_received: 600,
      currency_received: 'EUR',
    });

    // Refunds beyond what was collected never make the remainder negative.
    await addRefund(shop.project.id, shop.paymentId, 500, 'REFUNDED');
    expect(await refundableAmount(services, shop.project.id, { paymentId: shop.paymentId })).toMatchObject({
      refunded: 800,
      remaining: 0,
    });

    // Nothing remains of a payment in a status that holds no money to give back.
    for (const status of ['PENDING', 'FAILED', 'CANCELED', 'REFUNDED']) {
      await setRow(env.handle, shop.project.id, 'payment', shop.paymentId, {
        status,
        amount_received: null,
        currency_received: null,
      });
      expect(await refundableAmount(services, shop.project.id, { paymentId: shop.paymentId })).toMatchObject({
        amount: 1000,
        remaining: 0,
        remainingDisplay: '$0.00',
      });
    }
  });

  it("finds the order's latest paid payment of that order only, and says on its field what is missing", async () => {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 1000);
    const services = paymentServices(env.handle);
    const projectId = shop.project.id;

    expect(await refusal(refundableAmount(services, projectId, { paymentId: 987654 }))).toEqual({
      code: 'NOT_FOUND',
      message: 'This payment was not found.',
      fieldErrors: { paymentId: 'Not found.' },
    });
    expect(await refusal(refundableAmount(services, projectId, {}))).toEqual({
      code: 'VALIDATION',
      message: 'Name the payment or the order to refund.',
      fieldErrors: { paymentId: 'Required.' },
    });

    const unpaid = await insertRow(env.handle.db, projectId, BACKEND, 'order', { title: 'Lamp', amount: 400 });
    await addPayment(projectId, unpaid.id, 'FAILED');
    await addPayment(projectId, unpaid.id, 'PENDING');
    expect(await refusal(refundableAmount(services, projectId, { orderId: unpaid.id }))).toEqual({
      code: 'PRECONDITION_FAILED',
      message: `Order #${unpaid.id} has no paid payment to refund.`,
      fieldErrors: { orderId: 'Nothing to refund.' },
    });

    // The first payment of the order, a later paid one, then a failed one: the later paid one is the one.
    const later = await addPayment(projectId, shop.order.id, 'PARTIALLY_REFUNDED', 700);
    await addPayment(projectId, shop.order.id, 'FAILED', 900);
    // A newer paid payment of another order is never taken for this order's.
    await addPayment(projectId, unpaid.id, 'SUCCESSFUL', 300);
    expect(await refundableAmount(services, projectId, { orderId: shop.order.id })).toMatchObject({
      paymentId: later.id,
      orderId: shop.order.id,
      amount: 700,
    });
    // The payment named wins over the order.
    expect(
      await refundableAmount(services, projectId, { paymentId: shop.paymentId, orderId: unpaid.id }),
    ).toMatchObject({ paymentId: shop.paymentId, amount: 1000 });
  });

  it('reads the typed amount in major units, refunds all that remains when left blank, and refuses zero or words on the amount field', async () => {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 1000);
    const services = paymentServices(env.handle);
    const projectId = shop.project.id;

    expect(await refusal(refundFromStudio(services, projectId, { paymentId: shop.paymentId, amount: '0' }))).toEqual({
      code: 'VALIDATION',
      message: 'The refund must be more than zero.',
      fieldErrors: { amount: 'More than zero.' },
    });
    const words = await refusal(refundFromStudio(services, projectId, { paymentId: shop.paymentId, amount: 'ten' }));
    expect(words.code).toBe('VALIDATION');
    expect(words.message).toMatch(/\S/);
    expect(words.fieldErrors).toEqual({ amount: words.message });

    const part = await refundFromStudio(services, projectId, {
      paymentId: shop.paymentId,
      amount: '2.50',
      reason: 'duplicate',
    });
    expect(part).toMatchObject({
      paymentId: shop.paymentId,
      status: 'PENDING',
      refundAmount: 250,
      refundDisplay: '$2.50',
      refunded: 250,
      remaining: 750,
      remainingDisplay: '$7.50',
    });
    expect(await getRow(env.handle.db, projectId, BACKEND, 'refund', part.refundId)).toMatchObject({
      amount: 250,
      reason: 'duplicate',
    });

    // Blank (spaces only) is "all that remains", with Stripe's default reason.
    const rest = await refundFromStudio(services, projectId, { paymentId: shop.paymentId, amount: '   ' });
    expect(rest).toMatchObject({ refundAmount: 750, refundDisplay: '$7.50', refunded: 1000, remaining: 0 });
    expect(await getRow(env.handle.db, projectId, BACKEND, 'refund', rest.refundId)).toMatchObject({
      amount: 750,
      reason: 'requested_by_customer',
    });
  });

  it('reads a typed amount of a mismatched payment in the currency it collected', async () => {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 1000);
    await setRow(env.handle, shop.project.id, 'payment', shop.paymentId, {
      status: 'AMOUNT_MISMATCH',
      amount_received: 1000,
      currency_received: 'eur',
    });
    const refund = await refundFromStudio(paymentServices(env.handle), shop.project.id, {
      paymentId: shop.paymentId,
      amount: '2.50',
    });
    expect(refund).toMatchObject({
      refundAmount: 250,
      refundDisplay: '€2.50',
      currency: 'eur',
      remainingDisplay: '€7.50',
    });
  });

  it('refuses in words a refund of a mismatched payment whose collected amount was never recorded', async () => {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 1000);
    await setRow(env.handle, shop.project.id, 'payment', shop.paymentId, {
      status: 'AMOUNT_MISMATCH',
      amount_received: null,
      currency_received: null,
    });
    const refused = await refusal(
      refundFromStudio(paymentServices(env.handle), shop.project.id, { paymentId: shop.paymentId, amount: '1.00' }),
    );
    expect(refused.code).toBe('PRECONDITION_FAILED');
    expect(refused.message).toContain('Refund it in your Stripe dashboard.');
  });

  it('refunds all that remains when no amount is given at all (null or absent)', async () => {
    for (const amount of [null, undefined]) {
      const shop = await paidPaymentIntent(env.handle, env.sandbox, 640);
      const refund = await refundFromStudio(paymentServices(env.handle), shop.project.id, {
        orderId: shop.order.id,
        amount,
      });
      expect(refund).toMatchObject({ refundAmount: 640, refundDisplay: '$6.40', remaining: 0 });
    }
  });
});
