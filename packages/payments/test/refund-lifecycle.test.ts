import { getRow, insertRow, queryRows, setActionPermission } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { refundAction } from '../src/actions/refund';
import { BACKEND, eventually, type FlowProject, flowEnvironment } from './flow-env';

const env = flowEnvironment();
const STATUSES = ['pending', 'paid', 'partially_refunded', 'refunded', 'cancelled'];

/** Alice pays an order of `amount` by card (payment intent); returns the payment and order once SUCCESSFUL. */
async function paidOrder(ctx: FlowProject, amount: number, card = 'pm_card_visa') {
  const { project: proj, alice, asUser, stripe } = ctx;
  const order = await insertRow(env.handle.db, proj.id, asUser(alice), 'order', { title: 'Lamp', amount });
  const created = await createPaymentAction(env.handle, proj.id, asUser(alice), {
    orderId: order.id,
    currency: 'usd',
    amount,
    method: 'payment_intent',
  });
  const row = await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId);
  await stripe.paymentIntents.confirm(String(row?.stripe_payment_intent_id), { payment_method: card });
  const payment = await eventually(async () => {
    const r = await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId);
    return r?.status === 'SUCCESSFUL' ? r : null;
  });
  await eventually(async () => (await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status === 'paid');
  return { order, payment };
}

const orderStatus = async (ctx: FlowProject, id: number) =>
  (await getRow(env.handle.db, ctx.project.id, BACKEND, 'order', id))?.status;

describe('refunds move the order as Stripe moves the money', () => {
  it('a partial refund marks the order partially refunded, the rest marks it refunded', async () => {
    const ctx = await env.project({ orderStatuses: STATUSES });
    const { project: proj, admin, asUser } = ctx;
    await setActionPermission(env.handle.db, proj.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    const { order, payment } = await paidOrder(ctx, 1000);
    await refundAction(env.handle, proj.id, asUser(admin), { paymentId: payment.id, amount: 300 });
    await eventually(async () => (await orderStatus(ctx, order.id)) === 'partially_refunded');
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'payment', payment.id))?.amount_refunded).toBe(300);
    await refundAction(env.handle, proj.id, asUser(admin), { paymentId: payment.id, amount: 700 });
    await eventually(async () => (await orderStatus(ctx, order.id)) === 'refunded');
  });

  it('a partial refund never marks the order refunded when its status has no partial value', async () => {
    const ctx = await env.project();
    const { project: proj, admin, asUser } = ctx;
    await setActionPermission(env.handle.db, proj.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    const { order, payment } = await paidOrder(ctx, 1000);
    await refundAction(env.handle, proj.id, asUser(admin), { paymentId: payment.id, amount: 300 });
    await eventually(
      async () =>
        (await getRow(env.handle.db, proj.id, BACKEND, 'payment', payment.id))?.status === 'PARTIALLY_REFUNDED',
    );
    await env.sandbox.waitForDeliveries();
    await new Promise((r) => setTimeout(r, 500));
    expect(await orderStatus(ctx, order.id)).toBe('paid');
  });

  it('a refund made in the Stripe Dashboard (not by Tillflow) is recorded and moves the order', async () => {
    const ctx = await env.project({ orderStatuses: STATUSES });
    const { project: proj, stripe } = ctx;
    const { order, payment } = await paidOrder(ctx, 2000);
    await stripe.refunds.create({ payment_intent: String(payment.stripe_payment_intent_id), amount: 500 });
    await eventually(async () => (await orderStatus(ctx, order.id)) === 'partially_refunded');
    const { rows } = await queryRows(env.handle.db, proj.id, BACKEND, 'refund', {
      filters: [{ column: 'payment_id', op: 'eq', value: payment.id }],
    });
    expect(rows).toMatchObject([{ amount: 500, status: 'REFUNDED' }]);
    await stripe.refunds.create({ payment_intent: String(payment.stripe_payment_intent_id) });
    await eventually(async () => (await orderStatus(ctx, order.id)) === 'refunded');
    expect(await getRow(env.handle.db, proj.id, BACKEND, 'payment', payment.id)).toMatchObject({
      status: 'REFUNDED',
      amount_refunded: 2000,
    });
  });
});
