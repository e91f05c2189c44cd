import { getRow, getTable, insertRow, updateColumn } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { initiateRecurringAction } from '../src/actions/recurring';
import { refundableAmount, refundFromStudio } from '../src/actions/studio-refund';
import { PAYMENT_STATUSES } from '../src/system-tables';
import { BACKEND, eventually, flowEnvironment } from './flow-env';
import { offerPlans, paymentServices, returnUrls, type Sandbox } from './harness';

const env = flowEnvironment();

// A buyer who pays less than the order owes (here by talking to the sandbox's API directly with our
// metadata) gets an event through the real webhook path that must never mark the order paid.
describe('a payment of another amount than the order owes', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  beforeAll(() => {
    ({ handle, sandbox } = env);
  });

  async function shopWithOrder(amount: number) {
    const p = await env.project({ orderStatuses: ['pending', 'paid', 'active', 'refunded', 'cancelled'] });
    const order = await insertRow(
      handle.db,
      p.project.id,
      p.asUser(p.alice),
      'order',
      { title: 'Desk' },
      { serverValues: { amount } },
    );
    return { ...p, order };
  }

  /** The system flow's run for one event type, once it has finished, with its callback step's output. */
  async function finishedRun(projectId: number, eventType: string) {
    const { steps, callback } = await env.finishedRun(projectId, { eventType });
    return { steps, callback: callback as Record<string, unknown> };
  }

  it('a 0.50 intent carrying a 100.00 payment’s metadata is recorded AMOUNT_MISMATCH and the order stays unpaid', async () => {
    const { project, stripe, order } = await shopWithOrder(10_000);
    // As activated before AMOUNT_MISMATCH existed: the status is added to the column when first needed.
    const before = PAYMENT_STATUSES.filter((s) => s !== 'AMOUNT_MISMATCH');
    await updateColumn(handle.db, project.id, 'payment', 'status', { enumOptions: before }, { allowSystem: true });
    const payment = await createPaymentAction(paymentServices(handle), project.id, BACKEND, {
      orderId: order.id,
      currency: 'usd',
      amount: 10_000,
      method: 'payment_intent',
    });
    const cheap = await stripe.paymentIntents.create({
      amount: 50,
      currency: 'usd',
      metadata: {
        tillflow_payment_id: String(payment.paymentId),
        order_id: String(order.id),
        tillflow_project_id: String(project.id),
      },
    });
    await stripe.paymentIntents.confirm(cheap.id, { payment_method: 'pm_card_visa' });

    const row = await eventually(async () => {
      const r = await getRow(handle.db, project.id, BACKEND, 'payment', payment.paymentId);
      return r?.status === 'AMOUNT_MISMATCH' ? r : null;
    });
    expect(row.amount).toBe(10_000);
    const status = (await getTable(handle.db, project.id, 'payment')).columns.find((c) => c.name === 'status');
    expect(status?.enumOptions).toEqual(PAYMENT_STATUSES);
    expect(row.failure_reason).toMatch(/\$0\.50 paid; the order owes \$100\.00/);
    const { steps, callback } = await finishedRun(project.id, 'payment_intent.succeeded');
    expect(callback).toMatchObject({ paymentStatus: 'AMOUNT_MISMATCH', amountMatches: false, amount: 10_000 });
    expect(steps.some((s) => s.nodeId === 'update_order')).toBe(false);
    expect((await getRow(handle.db, project.id, BACKEND, 'order', order.id))?.status).toBe('pending');

    // What was actually collected is kept in minor units, and the shop can give it back from the studio: up to
    // 0.50 (not the 100.00 the order owed), on the charge that collected it; the payment stays a mismatch.
    expect(row).toMatchObject({ amount_received: 50, currency_received: 'usd' });
    const services = paymentServices(handle);
    expect(await refundableAmount(services, project.id, { paymentId: payment.paymentId })).toMatchObject({
      amount: 50,
      remaining: 50,
      remainingDisplay: '$0.50',
    });
    await expect(
      refundFromStudio(services, project.id, { paymentId: payment.paymentId, amount: '0.51' }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: 'Only $0.50 of this payment remains refundable.' });
    const refund = await refundFromStudio(services, project.id, { paymentId: payment.paymentId, amount: '0.30' });
    expect(refund).toMatchObject({ refundAmount: 30, remaining: 20, currency: 'usd' });
    const rest = await refundFromStudio(services, project.id, { paymentId: payment.paymentId });
    expect(rest).toMatchObject({ refundAmount: 20, remaining: 0 });
    expect(
      (await stripe.charges.retrieve(String((await stripe.paymentIntents.retrieve(cheap.id)).latest_charge)))
        .amount_refunded,
    ).toBe(50);
    await expect(refundFromStudio(services, project.id, { paymentId: payment.paymentId })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    const settled = await eventually(async () => {
      const r = await getRow(handle.db, project.id, BACKEND, 'payment', payment.paymentId);
      return Number(r?.amount_refunded) === 50 ? r : null;
    });
    expect(settled.status).toBe('AMOUNT_MISMATCH');
    expect((await getRow(handle.db, project.id, BACKEND, 'order', order.id))?.status).toBe('pending');
  });

  it('a checkout paid in another currency than the order’s is a mismatch too; the right amount still settles it', async () => {
    const { project, stripe, order } = await shopWithOrder(2_000);
    const payment = await createPaymentAction(paymentServices(handle), project.id, BACKEND, {
      orderId: order.id,
      currency: 'usd',
      amount: 2_000,
      method: 'checkout',
      ...returnUrls(),
    });
    const metadata = {
      tillflow_payment_id: String(payment.paymentId),
      order_id: String(order.id),
      tillflow_project_id: String(project.id),
    };
    const foreign = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [
        { quantity: 1, price_data: { currency: 'eur', unit_amount: 2_000, product_data: { name: 'Desk' } } },
      ],
      success_url: 'http://localhost/ok',
      cancel_url: 'http://localhost/cancel',
      metadata,
      payment_intent_data: { metadata },
    });
    sandbox.payCheckoutSession(foreign.id, { number: '4242424242424242' });
    await eventually(
      async () =>
        (await getRow(handle.db, project.id, BACKEND, 'payment', payment.paymentId))?.status === 'AMOUNT_MISMATCH',
    );
    const { callback } = await finishedRun(project.id, 'checkout.session.completed');
    expect(callback).toMatchObject({ paymentStatus: 'AMOUNT_MISMATCH', amountMatches: false });
    expect((await getRow(handle.db, project.id, BACKEND, 'order', order.id))?.status).toBe('pending');

    // The shop's own checkout, for what the order owes, then marks it paid.
    sandbox.payCheckoutSession(String(payment.checkoutUrl).split('/').pop() as string, {
      number: '4242424242424242',
    });
    await eventually(async () => (await getRow(handle.db, project.id, BACKEND, 'order', order.id))?.status === 'paid');
    const settled = await getRow(handle.db, project.id, BACKEND, 'payment', payment.paymentId);
    expect(settled).toMatchObject({ status: 'SUCCESSFUL', failure_reason: null });
  });

  it('a subscription made directly on Stripe with our metadata and a 730-day trial is not bound and never starts the order', async () => {
    const { project, alice, asUser, stripe, order } = await shopWithOrder(10_000);
    const product = await stripe.products.create({ name: 'Desk club' });
    const monthly = await stripe.prices.create({
      product: product.id,
      unit_amount: 10_000,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    await offerPlans(handle, project.id, [monthly.id]);
    const started = await initiateRecurringAction(paymentServices(handle), project.id, asUser(alice), {
      orderId: order.id,
      plan: monthly.id,
      ...returnUrls(),
    });
    const customer = await stripe.customers.create({ email: alice.email });
    const metadata = {
      order_id: String(order.id),
      tillflow_recurring_payment_id: String(started.recurringPaymentId),
      tillflow_project_id: String(project.id),
    };
    await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id }],
      trial_period_days: 730,
      metadata,
    });
    const { callback } = await finishedRun(project.id, 'customer.subscription.created');
    expect(callback).toMatchObject({ status: 'INCOMPLETE', amountMatches: false });
    const row = await getRow(handle.db, project.id, BACKEND, 'recurring_payment', started.recurringPaymentId);
    expect(row).toMatchObject({ status: 'INCOMPLETE', stripe_subscription_id: null });
    expect((await getRow(handle.db, project.id, BACKEND, 'order', order.id))?.status).toBe('pending');
  });
});
