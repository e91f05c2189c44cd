import { getRow, queryRows, setActionPermission } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { refundAction } from '../src/actions/refund';
import { BACKEND, eventually, type FlowProject, flowEnvironment, paidOrder } from './flow-env';
import { paymentServices } from './harness';

const env = flowEnvironment();
const STATUSES = ['pending', 'paid', 'partially_refunded', 'refunded', 'cancelled'];

const orderStatus = async (ctx: FlowProject, id: number) =>
  (await getRow(env.handle.db, ctx.project.id, BACKEND, 'order', id))?.status;

describe('refunds move the order as Stripe moves the money', () => {
  it('a partial refund marks the order partially refunded, the rest marks it refunded', async () => {
    const ctx = await env.project({ orderStatuses: STATUSES });
    const { project: proj, admin, asUser } = ctx;
    await setActionPermission(env.handle.db, proj.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    const { order, payment } = await paidOrder(env, ctx, 1000);
    await refundAction(paymentServices(env.handle), proj.id, asUser(admin), { paymentId: payment.id, amount: 300 });
    await eventually(async () => (await orderStatus(ctx, order.id)) === 'partially_refunded');
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'payment', payment.id))?.amount_refunded).toBe(300);
    await refundAction(paymentServices(env.handle), proj.id, asUser(admin), { paymentId: payment.id, amount: 700 });
    await eventually(async () => (await orderStatus(ctx, order.id)) === 'refunded');
  });

  it('a partial refund never marks the order refunded when its status has no partial value', async () => {
    const ctx = await env.project();
    const { project: proj, admin, asUser } = ctx;
    await setActionPermission(env.handle.db, proj.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    const { order, payment } = await paidOrder(env, ctx, 1000);
    await refundAction(paymentServices(env.handle), proj.id, asUser(admin), { paymentId: payment.id, amount: 300 });
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
    const { order, payment } = await paidOrder(env, ctx, 2000);
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

  it('a refund Stripe accepts and then fails leaves the money with the shop: refund FAILED, order paid again', async () => {
    const ctx = await env.project({ orderStatuses: STATUSES });
    const { project: proj, admin, asUser } = ctx;
    await setActionPermission(env.handle.db, proj.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    const { order, payment } = await paidOrder(env, ctx, 1500, 'pm_card_refundFail');
    const refund = await refundAction(paymentServices(env.handle), proj.id, asUser(admin), {
      paymentId: payment.id,
      amount: 500,
    });
    const failed = await eventually(async () => {
      const r = await getRow(env.handle.db, proj.id, BACKEND, 'refund', refund.refundId);
      return r?.status === 'FAILED' ? r : null;
    });
    expect(failed.failure_reason).toBe('expired_or_canceled_card');
    await env.sandbox.waitForDeliveries();
    await eventually(async () => {
      const p = await getRow(env.handle.db, proj.id, BACKEND, 'payment', payment.id);
      return p?.status === 'SUCCESSFUL' && p.amount_refunded === 0 && (await orderStatus(ctx, order.id)) === 'paid';
    });
  });
});
