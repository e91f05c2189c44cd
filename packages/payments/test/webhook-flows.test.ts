import { getRow, insertRow, queryRows, setActionPermission } from '@tillflow/data-model';
import { type DbHandle, stripeCustomers } from '@tillflow/db';
import { listMailbox } from '@tillflow/mail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { cancelRecurringAction, initiateRecurringAction } from '../src/actions/recurring';
import { refundAction } from '../src/actions/refund';
import { BACKEND, eventually, flowEnvironment } from './flow-env';
import { offerPlans, paymentServices, returnUrls, type Sandbox } from './harness';

const env = flowEnvironment();

describe('payments end to end: sandbox → signed webhook → route → runtime → system flows', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  let urls: ReturnType<typeof returnUrls>;
  const logged: string[] = [];
  const originalLog = console.log;
  const originalError = console.error;

  beforeAll(() => {
    ({ handle, sandbox } = env);
    urls = returnUrls();
    console.log = (...args: unknown[]) => logged.push(args.map(String).join(' '));
    console.error = (...args: unknown[]) => logged.push(args.map(String).join(' '));
  });
  afterAll(() => {
    console.log = originalLog;
    console.error = originalError;
  });

  const project = () => env.project();

  /** A monthly recurring price, and a subscription to it paid on the hosted checkout with 4242. */
  async function subscribeWithCheckout(
    ctx: Awaited<ReturnType<typeof project>>,
    plan: { name: string; amount: number },
  ) {
    const { project: proj, alice, asUser, stripe } = ctx;
    const product = await stripe.products.create({ name: plan.name });
    const price = await stripe.prices.create({
      product: product.id,
      unit_amount: plan.amount,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    const order = await insertRow(
      handle.db,
      proj.id,
      asUser(alice),
      'order',
      { title: plan.name },
      { serverValues: { amount: plan.amount } },
    );
    await offerPlans(handle, proj.id, [price.id]);
    const started = await initiateRecurringAction(paymentServices(handle), proj.id, asUser(alice), {
      orderId: order.id,
      plan: price.id,
      ...urls,
    });
    sandbox.payCheckoutSession(String(started.checkoutUrl).split('/').pop() as string, { number: '4242424242424242' });
    return { order, started };
  }

  it('a checkout payment ends SUCCESSFUL and the flow marks the order paid; a declined card ends FAILED', async () => {
    const { project: proj, alice, asUser, stripe } = await project();
    const order = await insertRow(
      handle.db,
      proj.id,
      asUser(alice),
      'order',
      { title: 'Mug' },
      { serverValues: { amount: 1500 } },
    );
    const created = await createPaymentAction(paymentServices(handle), proj.id, asUser(alice), {
      orderId: order.id,
      method: 'checkout',
      ...urls,
    });
    const sessionId = String(created.checkoutUrl).split('/').pop() as string;
    sandbox.payCheckoutSession(sessionId, { number: '4242424242424242' });
    const paid = await eventually(async () => {
      const row = await getRow(handle.db, proj.id, BACKEND, 'payment', created.paymentId);
      return row?.status === 'SUCCESSFUL' ? row : null;
    });
    expect(paid.stripe_payment_intent_id).toMatch(/^pi_/);
    await eventually(async () => (await getRow(handle.db, proj.id, BACKEND, 'order', order.id))?.status === 'paid');

    const other = await insertRow(
      handle.db,
      proj.id,
      asUser(alice),
      'order',
      { title: 'Cup' },
      { serverValues: { amount: 700 } },
    );
    const intent = await createPaymentAction(paymentServices(handle), proj.id, asUser(alice), {
      orderId: other.id,
      method: 'payment_intent',
    });
    const row = await getRow(handle.db, proj.id, BACKEND, 'payment', intent.paymentId);
    await expect(
      stripe.paymentIntents.confirm(String(row?.stripe_payment_intent_id), {
        payment_method: 'pm_card_visa_chargeDeclined',
      }),
    ).rejects.toMatchObject({ type: 'StripeCardError' });
    const failed = await eventually(async () => {
      const r = await getRow(handle.db, proj.id, BACKEND, 'payment', intent.paymentId);
      return r?.status === 'FAILED' ? r : null;
    });
    expect(failed.failure_reason).toMatch(/declined/i);
    expect((await getRow(handle.db, proj.id, BACKEND, 'order', other.id))?.status).toBe('pending');
  });

  it('emails the buyer one receipt per paid order, even when Stripe delivers the event twice', async () => {
    const { project: proj, account, alice, asUser } = await project();
    sandbox.setDeliveryOptions({ duplicate: true }, account.accountId);
    const order = await insertRow(
      handle.db,
      proj.id,
      asUser(alice),
      'order',
      { title: 'Teapot' },
      { serverValues: { amount: 2450 } },
    );
    const created = await createPaymentAction(paymentServices(handle), proj.id, asUser(alice), {
      orderId: order.id,
      method: 'checkout',
      ...urls,
    });
    sandbox.payCheckoutSession(String(created.checkoutUrl).split('/').pop() as string, { number: '4242424242424242' });
    const [receipt] = await eventually(async () => {
      const messages = await listMailbox(handle.db, proj.id, { to: String(alice.email) });
      return messages.length > 0 ? messages : null;
    });
    expect(receipt).toMatchObject({ status: 'captured', subject: `Receipt for order #${order.id}` });
    expect(receipt.text).toContain('$24.50');
    await sandbox.waitForDeliveries();
    const deliveries = sandbox.listDeliveries(account.accountId);
    expect(deliveries.length).toBeGreaterThan(new Set(deliveries.map((d) => d.event_id)).size); // duplicates were sent
    await new Promise((r) => setTimeout(r, 500)); // let the duplicate's run finish too
    expect(await listMailbox(handle.db, proj.id, {})).toHaveLength(1);
  });

  it('a partial then a full refund end REFUNDED; a third is refused', async () => {
    const { project: proj, alice, admin, asUser, stripe } = await project();
    await setActionPermission(handle.db, proj.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    const order = await insertRow(
      handle.db,
      proj.id,
      asUser(alice),
      'order',
      { title: 'Lamp' },
      { serverValues: { amount: 1000 } },
    );
    const created = await createPaymentAction(paymentServices(handle), proj.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const row = await getRow(handle.db, proj.id, BACKEND, 'payment', created.paymentId);
    await stripe.paymentIntents.confirm(String(row?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    await eventually(
      async () => (await getRow(handle.db, proj.id, BACKEND, 'payment', created.paymentId))?.status === 'SUCCESSFUL',
    );

    await refundAction(paymentServices(handle), proj.id, asUser(admin), {
      paymentId: created.paymentId,
      amount: 300,
      reason: 'requested_by_customer',
    });
    await eventually(
      async () =>
        (await getRow(handle.db, proj.id, BACKEND, 'payment', created.paymentId))?.status === 'PARTIALLY_REFUNDED',
    );
    await refundAction(paymentServices(handle), proj.id, asUser(admin), { paymentId: created.paymentId, amount: 700 });
    const refunded = await eventually(async () => {
      const r = await getRow(handle.db, proj.id, BACKEND, 'payment', created.paymentId);
      return r?.status === 'REFUNDED' ? r : null;
    });
    expect(refunded.amount_refunded).toBe(1000);
    const { rows: refunds } = await queryRows(handle.db, proj.id, BACKEND, 'refund', {
      filters: [{ column: 'payment_id', op: 'eq', value: created.paymentId }],
    });
    expect(refunds.map((r) => r.status)).toEqual(['REFUNDED', 'REFUNDED']);
    await eventually(async () => (await getRow(handle.db, proj.id, BACKEND, 'order', order.id))?.status === 'refunded');
    await expect(
      refundAction(paymentServices(handle), proj.id, asUser(admin), { paymentId: created.paymentId, amount: 1 }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('a subscription on a test clock renews twice into two renewal orders, then cancels at period end', async () => {
    const ctx = await project();
    const { project: proj, alice, asUser, stripe } = ctx;
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
    const customer = await stripe.customers.create({ email: alice.email, test_clock: clock.id });
    await handle.db
      .insert(stripeCustomers)
      .values({ projectId: proj.id, endUserId: alice.id, customerId: customer.id });
    const { order, started } = await subscribeWithCheckout(ctx, {
      name: 'Coffee club',
      amount: 900,
    });
    const active = await eventually(async () => {
      const r = await getRow(handle.db, proj.id, BACKEND, 'recurring_payment', started.recurringPaymentId);
      return r?.status === 'ACTIVE' ? r : null;
    });
    expect(active.stripe_subscription_id).toMatch(/^sub_/);

    let frozen = clock.frozen_time;
    for (let period = 1; period <= 2; period++) {
      frozen += 32 * 86_400;
      await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozen });
      await eventually(async () => {
        const { rows } = await queryRows(handle.db, proj.id, BACKEND, 'payment', {
          filters: [{ column: 'method', op: 'eq', value: 'renewal' }],
        });
        return rows.length === period ? rows : null;
      });
    }
    const { rows: renewals } = await queryRows(handle.db, proj.id, BACKEND, 'payment', {
      filters: [{ column: 'method', op: 'eq', value: 'renewal' }],
    });
    expect(renewals.every((r) => r.status === 'SUCCESSFUL' && r.amount === 900)).toBe(true);
    const renewalOrders = new Set(renewals.map((r) => r.order_id));
    expect(renewalOrders.size).toBe(2);
    expect(renewalOrders.has(order.id)).toBe(false);
    // Each renewal emails its receipt (StripeRecurringPaymentDeduction's receipt nodes).
    const receipts = await eventually(async () => {
      const messages = await listMailbox(handle.db, proj.id, { to: String(alice.email) });
      const forRenewals = messages.filter((m) =>
        [...renewalOrders].some((id) => m.subject === `Receipt for order #${id}`),
      );
      return forRenewals.length === 2 ? forRenewals : null;
    });
    expect(receipts.every((m) => m.text?.includes('$9.00'))).toBe(true);

    await cancelRecurringAction(paymentServices(handle), proj.id, asUser(alice), {
      recurringPaymentId: started.recurringPaymentId,
      atPeriodEnd: true,
    });
    await eventually(
      async () =>
        (await getRow(handle.db, proj.id, BACKEND, 'recurring_payment', started.recurringPaymentId))
          ?.cancel_at_period_end === true,
    );
    expect((await getRow(handle.db, proj.id, BACKEND, 'recurring_payment', started.recurringPaymentId))?.status).toBe(
      'ACTIVE',
    );
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozen + 32 * 86_400 });
    await eventually(
      async () =>
        (await getRow(handle.db, proj.id, BACKEND, 'recurring_payment', started.recurringPaymentId))?.status ===
        'CANCELED',
    );
  });

  it('duplicated and shuffled deliveries still apply each effect once and end in Stripe’s final state', async () => {
    const ctx = await project();
    const { project: proj, account, stripe } = ctx;
    sandbox.setDeliveryOptions({ duplicate: true, shuffle: true }, account.accountId);
    const { started } = await subscribeWithCheckout(ctx, {
      name: 'Tea club',
      amount: 500,
    });
    const row = await eventually(async () => {
      const r = await getRow(handle.db, proj.id, BACKEND, 'recurring_payment', started.recurringPaymentId);
      return r?.stripe_subscription_id ? r : null;
    });
    await stripe.subscriptions.cancel(String(row.stripe_subscription_id));
    await sandbox.waitForDeliveries();
    const final = await eventually(async () => {
      const r = await getRow(handle.db, proj.id, BACKEND, 'recurring_payment', started.recurringPaymentId);
      return r?.status === 'CANCELED' ? r : null;
    });
    expect(final.status).toBe(
      (await stripe.subscriptions.retrieve(String(row.stripe_subscription_id))).status.toUpperCase(),
    );
    const deliveries = sandbox.listDeliveries(account.accountId);
    expect(deliveries.length).toBeGreaterThan(new Set(deliveries.map((d) => d.event_id)).size); // duplicates were sent
  });

  it('never writes a Stripe secret key or webhook secret to the log', async () => {
    expect(logged.join('\n')).not.toMatch(/sk_test_[A-Za-z0-9]{6,}|whsec_[A-Za-z0-9]{6,}/);
    // The structured log the workers and the webhook route wrote during every test above (one line per run at debug).
    expect(env.logLines().length).toBeGreaterThan(0);
    expect(env.logLines().join('\n')).not.toMatch(/sk_test_[A-Za-z0-9]{6,}|whsec_[A-Za-z0-9]{6,}/);
  });
});
