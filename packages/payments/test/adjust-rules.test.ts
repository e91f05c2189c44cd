// "Adjust subsequent charges" (actions/adjust.ts) against the sandbox's own subscriptions: who may call it, what it
// refuses before Stripe is called, and what it changes at Stripe and in the recurring payment row. Written against
// the survivors of the 2026-12-04 Stryker run of that file.
import { getRow, insertRow } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { adjustRecurringAmountAction } from '../src/actions/adjust';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, environmentPerFile, paymentServices, refusal } from './harness';

const BACKEND = { kind: 'backend' } as const;
const BUILDER = { kind: 'builder' } as const;
const env = environmentPerFile();

/** A shop with a live subscription at Stripe of 9.00 every two weeks and its recurring payment row. */
async function subscribedShop(row: Record<string, unknown> = {}) {
  const shop = await createPaymentsProject(env.handle, env.sandbox);
  const stripe = createStripeClient(shop.account.secretKey, env.sandbox.url);
  const product = await stripe.products.create({ name: 'Coffee club' });
  const price = await stripe.prices.create({
    product: product.id,
    unit_amount: 900,
    currency: 'usd',
    recurring: { interval: 'week', interval_count: 2 },
  });
  const customer = await stripe.customers.create({ email: shop.alice.email as string });
  const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } });
  // Paid and active (no trial), so a change of price mid-period would be prorated unless asked not to be.
  const subscription = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
  const order = await insertRow(env.handle.db, shop.project.id, BACKEND, 'order', { title: 'Coffee', amount: 900 });
  const recurring = await insertRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', {
    order_id: order.id,
    stripe_price_id: price.id,
    stripe_subscription_id: subscription.id,
    status: 'ACTIVE',
    initial_amount: 900,
    currency: 'usd',
    ...row,
  });
  const currentPrice = async () =>
    (await stripe.subscriptions.retrieve(subscription.id)).items.data[0].price as {
      id: string;
      unit_amount: number | null;
      product: string;
      currency: string;
      recurring: { interval: string; interval_count: number } | null;
      metadata: Record<string, string>;
    };
  const priceCount = async () => (await stripe.prices.list({ product: product.id, limit: 100 })).data.length;
  const pendingItems = async () => (await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data;
  return { ...shop, stripe, product, price, subscription, recurring, currentPrice, priceCount, pendingItems };
}

describe('adjusting the later charges of a subscription', () => {
  it('is refused in words before Stripe is called: a shopper, an unknown or unstarted or canceled subscription, an amount over the initial one or one Stripe cannot charge', async () => {
    const shop = await subscribedShop();
    const services = paymentServices(env.handle);
    const id = shop.recurring.id;
    const projectId = shop.project.id;

    expect(
      await refusal(
        adjustRecurringAmountAction(services, projectId, shop.asUser(shop.alice), {
          recurringPaymentId: id,
          amount: 600,
        }),
      ),
    ).toEqual({
      code: 'FORBIDDEN',
      message: "Only the app's backend (an API key) or the builder may change a subscription's amount.",
      fieldErrors: undefined,
    });
    expect(
      await refusal(
        adjustRecurringAmountAction(services, projectId, BACKEND, { recurringPaymentId: 987654, amount: 600 }),
      ),
    ).toMatchObject({
      code: 'NOT_FOUND',
      message: 'Subscription 987654 was not found.',
    });
    expect(
      await refusal(adjustRecurringAmountAction(services, projectId, BACKEND, { recurringPaymentId: id, amount: 901 })),
    ).toEqual({
      code: 'VALIDATION',
      message: 'Later charges can be at most the initial amount of $9.00.',
      fieldErrors: { amount: 'At most 900.' },
    });
    const tooSmall = await refusal(
      adjustRecurringAmountAction(services, projectId, BACKEND, { recurringPaymentId: id, amount: 10 }),
    );
    expect(tooSmall.code).toBe('VALIDATION');
    expect(tooSmall.fieldErrors).toEqual({ amount: tooSmall.message });
    expect(tooSmall.message).toContain('$0.50');
    expect(
      await refusal(adjustRecurringAmountAction(services, projectId, BACKEND, { recurringPaymentId: id, amount: 6.5 })),
    ).toMatchObject({
      code: 'VALIDATION',
    });

    const canceled = await insertRow(env.handle.db, projectId, BACKEND, 'recurring_payment', {
      order_id: (await getRow(env.handle.db, projectId, BACKEND, 'recurring_payment', id))?.order_id,
      stripe_price_id: shop.price.id,
      stripe_subscription_id: 'sub_gone_1',
      status: 'CANCELED',
      initial_amount: 900,
      currency: 'usd',
    });
    expect(
      await refusal(
        adjustRecurringAmountAction(services, projectId, BACKEND, { recurringPaymentId: canceled.id, amount: 600 }),
      ),
    ).toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'This subscription is canceled; its amount cannot change.',
    });

    // Nothing changed at Stripe or in the row.
    expect((await shop.currentPrice()).unit_amount).toBe(900);
    expect(await shop.priceCount()).toBe(1);
    expect((await getRow(env.handle.db, projectId, BACKEND, 'recurring_payment', id))?.next_amount).toBeNull();
  });

  it('becomes a new price of the same product, currency and interval on the subscription, remembered in the row; the same amount again changes nothing at Stripe', async () => {
    const shop = await subscribedShop();
    const services = paymentServices(env.handle);
    const id = shop.recurring.id;

    // Another subscription of the same shop is never touched.
    const other = await insertRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', {
      order_id: shop.recurring.order_id,
      stripe_price_id: shop.price.id,
      stripe_subscription_id: 'sub_other_1',
      status: 'ACTIVE',
      initial_amount: 900,
      currency: 'usd',
    });
    // The amount it charges already: no new price at Stripe.
    const same = await adjustRecurringAmountAction(services, shop.project.id, BACKEND, {
      recurringPaymentId: id,
      amount: 900,
    });
    expect(same).toEqual({ recurringPaymentId: id, nextAmount: 900, stripePriceId: shop.price.id });
    expect(await shop.priceCount()).toBe(1);

    const lower = await adjustRecurringAmountAction(services, shop.project.id, BUILDER, {
      recurringPaymentId: id,
      amount: 600,
    });
    const price = await shop.currentPrice();
    expect(lower).toEqual({ recurringPaymentId: id, nextAmount: 600, stripePriceId: price.id });
    expect(price.id).not.toBe(shop.price.id);
    expect(price).toMatchObject({
      unit_amount: 600,
      product: shop.product.id,
      currency: 'usd',
      recurring: { interval: 'week', interval_count: 2 },
      metadata: { tillflow_recurring_payment_id: String(id) },
    });
    expect(shop.subscription.status).toBe('active');
    // No proration: the next renewal charges exactly the new amount, nothing for the days already paid.
    expect(await shop.pendingItems()).toEqual([]);
    expect((await shop.stripe.subscriptions.retrieve(shop.subscription.id)).items.data).toHaveLength(1);
    expect((await getRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', id))?.next_amount).toBe(600);

    const again = await adjustRecurringAmountAction(services, shop.project.id, BACKEND, {
      recurringPaymentId: id,
      amount: 600,
    });
    expect(again).toEqual({ recurringPaymentId: id, nextAmount: 600, stripePriceId: price.id });
    expect(await shop.priceCount()).toBe(2);

    // Up to the initial amount is allowed; going back to an amount asked for before reuses its price (one
    // idempotency key per subscription and amount), so retries never pile up prices.
    const back = await adjustRecurringAmountAction(services, shop.project.id, BACKEND, {
      recurringPaymentId: id,
      amount: 900,
    });
    expect(back.nextAmount).toBe(900);
    expect((await shop.currentPrice()).unit_amount).toBe(900);
    const lowerAgain = await adjustRecurringAmountAction(services, shop.project.id, BACKEND, {
      recurringPaymentId: id,
      amount: 600,
    });
    expect(lowerAgain.stripePriceId).toBe(price.id);
    expect(await shop.priceCount()).toBe(3);
    expect((await getRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', id))?.next_amount).toBe(600);
    expect(
      (await getRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', other.id))?.next_amount,
    ).toBeNull();
  });

  it("says the ceiling in the subscription's own currency, and in dollars when the row has none", async () => {
    const euros = await subscribedShop({ currency: 'eur' });
    const services = paymentServices(env.handle);
    expect(
      await refusal(
        adjustRecurringAmountAction(services, euros.project.id, BACKEND, {
          recurringPaymentId: euros.recurring.id,
          amount: 950,
        }),
      ),
    ).toMatchObject({ message: 'Later charges can be at most the initial amount of €9.00.' });
    const unknown = await subscribedShop({ currency: null });
    expect(
      await refusal(
        adjustRecurringAmountAction(services, unknown.project.id, BACKEND, {
          recurringPaymentId: unknown.recurring.id,
          amount: 950,
        }),
      ),
    ).toMatchObject({ message: 'Later charges can be at most the initial amount of $9.00.' });
  });

  it('has no ceiling when the initial amount is not known, and refuses a subscription whose checkout never completed', async () => {
    const shop = await subscribedShop({ initial_amount: null });
    const services = paymentServices(env.handle);
    const raised = await adjustRecurringAmountAction(services, shop.project.id, BACKEND, {
      recurringPaymentId: shop.recurring.id,
      amount: 2500,
    });
    expect(raised.nextAmount).toBe(2500);
    expect((await shop.currentPrice()).unit_amount).toBe(2500);

    // A subscription Stripe no longer knows: Stripe's own words, as a refusal of the request.
    const vanished = await insertRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', {
      order_id: shop.recurring.order_id,
      stripe_price_id: shop.price.id,
      stripe_subscription_id: 'sub_vanished_1',
      status: 'ACTIVE',
      initial_amount: 900,
      currency: 'usd',
    });
    const missing = await refusal(
      adjustRecurringAmountAction(services, shop.project.id, BACKEND, { recurringPaymentId: vanished.id, amount: 600 }),
    );
    expect(missing.code).toBe('VALIDATION');
    expect(missing.message).toMatch(/^Stripe refused the request: .*sub_vanished_1/);
    expect(
      (await getRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', vanished.id))?.next_amount,
    ).toBeNull();

    const unstarted = await insertRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', {
      order_id: shop.recurring.order_id,
      stripe_price_id: shop.price.id,
      status: 'INCOMPLETE',
      initial_amount: 900,
      currency: 'usd',
    });
    expect(
      await refusal(
        adjustRecurringAmountAction(services, shop.project.id, BACKEND, {
          recurringPaymentId: unstarted.id,
          amount: 600,
        }),
      ),
    ).toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'This subscription has not started yet (checkout not completed).',
    });
  });
});
