import { deleteTable, getRow, insertRow, queryRows, setActionPermission } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { refundAction } from '../src/actions/refund';
import { handlePaymentEvent } from '../src/callbacks/payment';
import { paymentTotals, revenueByDay } from '../src/dashboard';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, paymentServices, returnUrls, type Sandbox, startEnvironment } from './harness';

const BACKEND = { kind: 'backend' } as const;

describe('payment actions against the sandbox', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  let urls: ReturnType<typeof returnUrls>;
  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
    urls = returnUrls('?session={CHECKOUT_SESSION_ID}');
  });
  afterAll(async () => {
    await sandbox.close();
    await handle.close();
  });

  it('activation binds the order table permanently', async () => {
    const { project } = await createPaymentsProject(handle, sandbox);
    await expect(deleteTable(handle.db, project.id, 'order', { confirm: true })).rejects.toThrow(/payment module/);
    const { rows } = await queryRows(handle.db, project.id, { kind: 'builder' }, 'payment', {});
    expect(rows).toEqual([]);
  });

  it('a double click creates one checkout payment, and only for the caller’s own order', async () => {
    const { project, alice, bob, asUser } = await createPaymentsProject(handle, sandbox);
    const order = await insertRow(
      handle.db,
      project.id,
      asUser(alice),
      'order',
      { title: 'Mug' },
      { serverValues: { amount: 1500 } },
    );
    // The end user names the order only: its own amount (15.00 USD) is what is charged.
    const input = { orderId: order.id, method: 'checkout' as const, ...urls };
    const [first, second] = await Promise.all([
      createPaymentAction(paymentServices(handle), project.id, asUser(alice), input),
      createPaymentAction(paymentServices(handle), project.id, asUser(alice), input),
    ]);
    expect(first.paymentId).toBe(second.paymentId);
    expect(first.checkoutUrl).toMatch(/\/c\/pay\/cs_test_/);
    const { rows } = await queryRows(handle.db, project.id, { kind: 'builder' }, 'payment', {});
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'PENDING', amount: 1500, currency: 'usd', payer: alice.id });
    await expect(createPaymentAction(paymentServices(handle), project.id, asUser(bob), input)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('validates currency and minor units named by the shop’s backend, including zero-decimal currencies', async () => {
    const { project, alice, asUser } = await createPaymentsProject(handle, sandbox);
    const order = await insertRow(
      handle.db,
      project.id,
      asUser(alice),
      'order',
      { title: 'Tea' },
      { serverValues: { amount: 500 } },
    );
    const pay = (amount: number, currency: string) =>
      createPaymentAction(paymentServices(handle), project.id, BACKEND, {
        orderId: order.id,
        amount,
        currency,
        method: 'payment_intent',
      });
    await expect(pay(10.5, 'usd')).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(pay(10, 'jpy')).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/¥50/),
    });
    await expect(pay(1000, 'zzz')).rejects.toMatchObject({ code: 'VALIDATION' });
    const ok = await pay(500, 'jpy');
    expect(ok.clientSecret).toMatch(/^pi_.*_secret_/);
  });

  it('a payment intent confirmed with a test card ends SUCCESSFUL through the callback handler', async () => {
    const { project, alice, asUser, account } = await createPaymentsProject(handle, sandbox);
    const order = await insertRow(
      handle.db,
      project.id,
      asUser(alice),
      'order',
      { title: 'Pen' },
      { serverValues: { amount: 900, currency: 'eur' } },
    );
    const created = await createPaymentAction(paymentServices(handle), project.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const stripe: Stripe = createStripeClient(account.secretKey, sandbox.url);
    const payment = await getRow(handle.db, project.id, { kind: 'backend' }, 'payment', created.paymentId);
    await stripe.paymentIntents.confirm(String(payment?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    const events = await stripe.events.list({ type: 'payment_intent.succeeded' });
    const output = await handlePaymentEvent(handle.db, project.id, events.data[0] as never);
    expect(output).toMatchObject({ orderId: order.id, paymentStatus: 'SUCCESSFUL', alreadyProcessed: false });
    const again = await handlePaymentEvent(handle.db, project.id, events.data[0] as never);
    expect(again.alreadyProcessed).toBe(true);
    expect(await paymentTotals(handle.db, project.id)).toEqual([
      { currency: 'eur', gross: 900, refunded: 0, lost: 0, net: 900, payments: 1 },
    ]);
    const revenue = await revenueByDay(handle.db, project.id, 7);
    expect(revenue).toEqual([{ day: new Date().toISOString().slice(0, 10), currency: 'eur', net: 900 }]);
  });

  it('a declined attempt then a successful retry on the same intent ends SUCCESSFUL with no failure left, and reports what a receipt needs', async () => {
    const { project, alice, asUser, account } = await createPaymentsProject(handle, sandbox);
    const order = await insertRow(
      handle.db,
      project.id,
      asUser(alice),
      'order',
      { title: 'Cup' },
      { serverValues: { amount: 500, currency: 'jpy' } },
    );
    const created = await createPaymentAction(paymentServices(handle), project.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const stripe: Stripe = createStripeClient(account.secretKey, sandbox.url);
    const row = await getRow(handle.db, project.id, { kind: 'backend' }, 'payment', created.paymentId);
    const intentId = String(row?.stripe_payment_intent_id);
    await expect(
      stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa_chargeDeclined' }),
    ).rejects.toMatchObject({ type: 'StripeCardError' });
    const [failed] = (await stripe.events.list({ type: 'payment_intent.payment_failed' })).data;
    expect(await handlePaymentEvent(handle.db, project.id, failed as never)).toMatchObject({ paymentStatus: 'FAILED' });
    expect(
      (await getRow(handle.db, project.id, { kind: 'backend' }, 'payment', created.paymentId))?.failure_reason,
    ).toMatch(/declined/i);
    await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
    const succeeded = (await stripe.events.list({ type: 'payment_intent.succeeded' })).data.find(
      (e) => (e.data.object as { id: string }).id === intentId,
    );
    const output = await handlePaymentEvent(handle.db, project.id, succeeded as never);
    expect(output).toMatchObject({
      paymentStatus: 'SUCCESSFUL',
      alreadyProcessed: false,
      amount: 500,
      currency: 'jpy',
      amountDisplay: '¥500',
      customerEmail: alice.email,
    });
    const paid = await getRow(handle.db, project.id, { kind: 'backend' }, 'payment', created.paymentId);
    expect(paid).toMatchObject({ status: 'SUCCESSFUL', failure_reason: null });
  });

  it('refund is closed to users by default and never exceeds the payment, even concurrently', async () => {
    const { project, alice, admin, asUser, account } = await createPaymentsProject(handle, sandbox);
    const order = await insertRow(
      handle.db,
      project.id,
      asUser(alice),
      'order',
      { title: 'Lamp' },
      { serverValues: { amount: 1000 } },
    );
    const created = await createPaymentAction(paymentServices(handle), project.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    const payment = await getRow(handle.db, project.id, { kind: 'backend' }, 'payment', created.paymentId);
    await stripe.paymentIntents.confirm(String(payment?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    const [succeeded] = (await stripe.events.list({ type: 'payment_intent.succeeded' })).data;
    await handlePaymentEvent(handle.db, project.id, succeeded as never);

    await expect(
      refundAction(paymentServices(handle), project.id, asUser(alice), { paymentId: created.paymentId, amount: 100 }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      refundAction(paymentServices(handle), project.id, asUser(admin), { paymentId: created.paymentId, amount: 100 }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' }); // closed to every role until a builder opens it
    await setActionPermission(handle.db, project.id, { role: 'admin', action: 'stripe.refund', allowed: true });

    const results = await Promise.allSettled([
      refundAction(paymentServices(handle), project.id, asUser(admin), {
        paymentId: created.paymentId,
        amount: 600,
        reason: 'requested_by_customer',
      }),
      refundAction(paymentServices(handle), project.id, asUser(admin), { paymentId: created.paymentId, amount: 600 }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/Only \$4.00 of this payment remains refundable/),
    });
    const refunds = await stripe.refunds.list({ payment_intent: String(payment?.stripe_payment_intent_id) });
    expect(refunds.data.reduce((sum, r) => sum + r.amount, 0)).toBe(600);
  });
  it('a refund of a payment that does not exist is refused on the payment field, and nothing reaches Stripe', async () => {
    const { project, admin, asUser, account } = await createPaymentsProject(handle, sandbox);
    await setActionPermission(handle.db, project.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    await expect(
      refundAction(paymentServices(handle), project.id, asUser(admin), { paymentId: 987_654, amount: 100 }),
    ).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Payment 987654 was not found.',
      fieldErrors: { paymentId: 'Not found.' },
    });
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    expect((await stripe.refunds.list({})).data).toHaveLength(0);
  });
});
