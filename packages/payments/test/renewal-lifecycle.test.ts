import { getRow, queryRows, type Row } from '@tillflow/data-model';
import { listMailbox } from '@tillflow/mail';
import { describe, expect, it } from 'vitest';
import { adjustRecurringAmountAction } from '../src/actions/adjust';
import { advanceDays, BACKEND, eventually, type FlowProject, flowEnvironment, subscribeOnClock } from './flow-env';
import { paymentServices } from './harness';

const env = flowEnvironment();

async function renewals(ctx: FlowProject): Promise<Row[]> {
  const { rows } = await queryRows(env.handle.db, ctx.project.id, BACKEND, 'payment', {
    filters: [{ column: 'method', op: 'eq', value: 'renewal' }],
  });
  return rows;
}

async function activeSubscription(ctx: FlowProject, recurringPaymentId: number) {
  return eventually(async () => {
    const r = await getRow(env.handle.db, ctx.project.id, BACKEND, 'recurring_payment', recurringPaymentId);
    return r?.status === 'ACTIVE' && r.stripe_subscription_id ? r : null;
  });
}

describe('renewals follow Stripe, not the first delivery', () => {
  it.each([
    ['in order', {}],
    ['with duplicated and shuffled deliveries', { duplicate: true, shuffle: true }],
  ])(
    'a renewal declined once and then paid with another card ends SUCCESSFUL, order paid, one receipt (%s)',
    async (_label, delivery) => {
      const ctx = await env.project();
      const { project: proj, alice, stripe } = ctx;
      env.sandbox.setDeliveryOptions(delivery, ctx.account.accountId);
      const { started, clock, customer } = await subscribeOnClock(env, ctx, { name: 'Coffee club', amount: 900 });
      const sub = await activeSubscription(ctx, started.recurringPaymentId);
      const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
      await stripe.subscriptions.update(String(sub.stripe_subscription_id), { default_payment_method: failing.id });

      await advanceDays(stripe, clock, 32);
      const [declined] = await eventually(async () => {
        const rows = await renewals(ctx);
        return rows.length === 1 && rows[0].status === 'FAILED' ? rows : null;
      });
      expect((await getRow(env.handle.db, proj.id, BACKEND, 'order', Number(declined.order_id)))?.status).toBe(
        'pending',
      );
      const invoice = await stripe.invoices.retrieve(String(declined.stripe_invoice_id));
      expect(invoice.status).toBe('open');

      const paid = await stripe.invoices.pay(invoice.id, { payment_method: 'pm_card_visa' });
      expect(paid.status).toBe('paid');
      const recovered = await eventually(async () => {
        const row = await getRow(env.handle.db, proj.id, BACKEND, 'payment', declined.id);
        return row?.status === 'SUCCESSFUL' ? row : null;
      });
      expect(recovered).toMatchObject({ amount: 900, failure_reason: null, review_reason: null });
      await eventually(
        async () =>
          (await getRow(env.handle.db, proj.id, BACKEND, 'order', Number(declined.order_id)))?.status === 'paid',
      );
      const receipt = await eventually(async () => {
        const messages = await listMailbox(env.handle.db, proj.id, { to: String(alice.email) });
        const found = messages.filter((m) => m.subject === `Receipt for order #${declined.order_id}`);
        return found.length > 0 ? found : null;
      });
      await env.sandbox.waitForDeliveries();
      await new Promise((r) => setTimeout(r, 300)); // let any duplicate's run finish
      expect(receipt).toHaveLength(1);
      expect(await listMailbox(env.handle.db, proj.id, { to: String(alice.email) })).toHaveLength(receipt.length);
      expect(await renewals(ctx)).toHaveLength(1);
      const stripeSub = await stripe.subscriptions.retrieve(String(sub.stripe_subscription_id));
      expect(stripeSub.status).toBe('active');
      await eventually(
        async () =>
          (await getRow(env.handle.db, proj.id, BACKEND, 'recurring_payment', started.recurringPaymentId))?.status ===
          'ACTIVE',
      );
    },
  );

  it('a renewal Stripe collected above the first amount is recorded as collected and flagged, never FAILED', async () => {
    const ctx = await env.project();
    const { project: proj, stripe } = ctx;
    const { started, clock, product } = await subscribeOnClock(env, ctx, { name: 'Tea club', amount: 900 });
    const sub = await activeSubscription(ctx, started.recurringPaymentId);
    // Someone raises the price in the Stripe Dashboard, without proration.
    const dearer = await stripe.prices.create({
      product: product.id,
      unit_amount: 1200,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    const current = await stripe.subscriptions.retrieve(String(sub.stripe_subscription_id));
    await stripe.subscriptions.update(current.id, {
      items: [{ id: current.items.data[0].id, price: dearer.id }],
      proration_behavior: 'none',
    });
    await advanceDays(stripe, clock, 32);
    const [renewal] = await eventually(async () => {
      const rows = await renewals(ctx);
      return rows.length === 1 ? rows : null;
    });
    expect(renewal).toMatchObject({ status: 'SUCCESSFUL', amount: 1200 });
    expect(renewal.review_reason).toMatch(/collected \$12\.00; \$9\.00 was expected/);
    await eventually(
      async () => (await getRow(env.handle.db, proj.id, BACKEND, 'order', Number(renewal.order_id)))?.status === 'paid',
    );
  });

  it('later charges can be lowered (never above the initial amount, checked before Stripe) and renew at that amount', async () => {
    const ctx = await env.project();
    const { project: proj, alice, asUser, stripe } = ctx;
    const { started, clock } = await subscribeOnClock(env, ctx, { name: 'Wine club', amount: 900 });
    const sub = await activeSubscription(ctx, started.recurringPaymentId);
    const input = { recurringPaymentId: started.recurringPaymentId, amount: 600 };
    await expect(
      adjustRecurringAmountAction(paymentServices(env.handle), proj.id, asUser(alice), input),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      adjustRecurringAmountAction(paymentServices(env.handle), proj.id, BACKEND, { ...input, amount: 901 }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/at most the initial amount of \$9\.00/),
    });
    const untouched = await stripe.subscriptions.retrieve(String(sub.stripe_subscription_id));
    expect(untouched.items.data[0].price.unit_amount).toBe(900);

    const adjusted = await adjustRecurringAmountAction(paymentServices(env.handle), proj.id, BACKEND, input);
    expect(adjusted.nextAmount).toBe(600);
    const after = await stripe.subscriptions.retrieve(String(sub.stripe_subscription_id));
    expect(after.items.data[0].price.unit_amount).toBe(600);
    await advanceDays(stripe, clock, 32);
    const [renewal] = await eventually(async () => {
      const rows = await renewals(ctx);
      return rows.length === 1 ? rows : null;
    });
    expect(renewal).toMatchObject({ status: 'SUCCESSFUL', amount: 600, review_reason: null });
  });
});
