import { getRow, insertRow } from '@tillflow/data-model';
import { listMailbox } from '@tillflow/mail';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { ORDER_STATUSES } from '../src/order-defaults';
import { BACKEND, eventually, flowEnvironment, idle, paidOrder, urls } from './flow-env';
import { paymentServices } from './harness';

const env = flowEnvironment();

describe('disputes and expired checkouts reach the order', () => {
  it('a dispute opened on the sandbox marks the payment and order disputed and emails the admin; lost ends the order dispute_lost, won puts it back to paid', async () => {
    const ctx = await env.project({ orderStatuses: [...ORDER_STATUSES] });
    const { project: proj, stripe } = ctx;
    // The dispute opens as the card is charged: its flow and the payment's run at the same time, in either order.
    const { order, payment } = await paidOrder(env, ctx, 2500, 'pm_card_createDispute', false);
    const disputed = await eventually(async () => {
      const row = await getRow(env.handle.db, proj.id, BACKEND, 'payment', payment.id);
      return row?.dispute_status === 'DISPUTED' ? row : null;
    });
    expect(disputed.stripe_dispute_id).toMatch(/^dp_/);
    await eventually(
      async () => (await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status === 'disputed',
    );
    const [alert] = await eventually(async () => {
      const mail = await listMailbox(env.handle.db, proj.id, {});
      const found = mail.filter((m) => m.subject === `Payment disputed: order #${order.id}`);
      return found.length ? found : null;
    });
    expect(alert.text).toContain('$25.00');
    expect(alert.text).toContain('disputed: the customer says they did not make this payment.');
    expect(alert.text).not.toContain('fraudulent'); // Stripe's code, not words

    await stripe.disputes.close(String(disputed.stripe_dispute_id));
    await eventually(
      async () => (await getRow(env.handle.db, proj.id, BACKEND, 'payment', payment.id))?.dispute_status === 'LOST',
    );
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'payment', payment.id))?.amount_lost).toBe(2500);
    await env.sandbox.waitForDeliveries();
    await idle(env, proj.id);
    // Lost: the money went back to the buyer. Whichever flow ran last, the order is not put back to paid.
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status).toBe('dispute_lost');
    expect(
      (await listMailbox(env.handle.db, proj.id, {})).filter((m) => m.subject.startsWith('Payment disputed')),
    ).toHaveLength(1);

    // Won (evidence accepted): the order goes back to paid, as its payment says.
    const won = await paidOrder(env, ctx, 1500, 'pm_card_createDispute', false);
    const open = await eventually(async () => {
      const row = await getRow(env.handle.db, proj.id, BACKEND, 'payment', won.payment.id);
      return row?.dispute_status === 'DISPUTED' ? row : null;
    });
    await eventually(
      async () => (await getRow(env.handle.db, proj.id, BACKEND, 'order', won.order.id))?.status === 'disputed',
    );
    await stripe.disputes.update(String(open.stripe_dispute_id), {
      evidence: { uncategorized_text: 'winning_evidence' },
      submit: true,
    });
    await env.sandbox.waitForDeliveries();
    await idle(env, proj.id);
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'payment', won.payment.id))?.dispute_status).toBe('WON');
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'order', won.order.id))?.status).toBe('paid');
  });

  it('an expired checkout session cancels its payment, so the order can be paid again', async () => {
    const ctx = await env.project();
    const { project: proj, alice, asUser, stripe } = ctx;
    const order = await insertRow(
      env.handle.db,
      proj.id,
      asUser(alice),
      'order',
      { title: 'Kettle' },
      { serverValues: { amount: 3000 } },
    );
    const input = { orderId: order.id, method: 'checkout' as const, ...urls };
    const first = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), input);
    await stripe.checkout.sessions.expire(String(first.checkoutUrl).split('/').pop() as string);
    const canceled = await eventually(async () => {
      const row = await getRow(env.handle.db, proj.id, BACKEND, 'payment', first.paymentId);
      return row?.status === 'CANCELED' ? row : null;
    });
    expect(canceled.failure_reason).toMatch(/expired/);
    expect((await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status).toBe('pending');
    const second = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), input);
    expect(second.reused).toBe(false);
    env.sandbox.payCheckoutSession(String(second.checkoutUrl).split('/').pop() as string, {
      number: '4242424242424242',
    });
    await eventually(async () => (await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status === 'paid');
  });
});
