// What the payment and subscription actions refuse before anything reaches Stripe, each on its field, and the
// subscription Cancel action end to end on the sandbox. Written against the survivors (most of them never covered)
// of the 2026-12-04 Stryker run of actions/payment.ts and actions/recurring.ts.
import { insertRow, queryRows } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { cancelRecurringAction, initiateRecurringAction } from '../src/actions/recurring';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, environmentPerFile, offerPlans, paymentServices, refusal, returnUrls } from './harness';

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();

describe('the payment action refuses a request that cannot be charged as asked', () => {
  it('names the missing half of an amount, items beside an amount, promotion codes off Checkout, and missing return URLs', async () => {
    const shop = await createPaymentsProject(env.handle, env.sandbox);
    const order = await insertRow(env.handle.db, shop.project.id, BACKEND, 'order', { title: 'Desk', amount: 500 });
    const pay = (input: Record<string, unknown>) =>
      refusal(
        createPaymentAction(paymentServices(env.handle), shop.project.id, BACKEND, {
          orderId: order.id,
          ...returnUrls(),
          ...input,
        } as never),
      );
    const both = 'Name both the amount and its currency, or neither to charge the order’s own amount.';
    expect(await pay({ amount: 700 })).toEqual({
      code: 'VALIDATION',
      message: both,
      fieldErrors: { currency: 'Required with amount.' },
    });
    expect(await pay({ currency: 'usd' })).toEqual({
      code: 'VALIDATION',
      message: both,
      fieldErrors: { amount: 'Required with currency.' },
    });
    expect(await pay({ amount: 700, currency: 'usd', items: [{ price: 'price_x', quantity: 1 }] })).toEqual({
      code: 'VALIDATION',
      message: 'Name the items or an amount, not both: the items decide what is charged.',
      fieldErrors: { amount: 'Leave out with items.' },
    });
    const checkoutOnly = {
      code: 'VALIDATION',
      message: 'Promotion codes are taken on Stripe’s Checkout page; use method checkout.',
      fieldErrors: { promotionCode: 'Checkout only.' },
    };
    expect(await pay({ method: 'payment_intent', promotionCode: 'SPRING' })).toEqual(checkoutOnly);
    expect(await pay({ method: 'payment_intent', allowPromotionCodes: true })).toEqual(checkoutOnly);
    const urls = {
      code: 'VALIDATION',
      message: 'Checkout needs a success URL and a cancel URL.',
      fieldErrors: { successUrl: 'Required.' },
    };
    expect(await pay({ successUrl: undefined })).toEqual(urls);
    expect(await pay({ cancelUrl: undefined })).toEqual(urls);
    const { rows } = await queryRows(env.handle.db, shop.project.id, BACKEND, 'payment', {});
    expect(rows).toHaveLength(0);
  });
});

describe('the subscription actions', () => {
  it('refuse a request naming no plan, or a one-time price, on the field that named it', async () => {
    const shop = await createPaymentsProject(env.handle, env.sandbox);
    const stripe = createStripeClient(shop.account.secretKey, env.sandbox.url);
    const product = await stripe.products.create({ name: 'Lamp' });
    const once = await stripe.prices.create({ product: product.id, unit_amount: 900, currency: 'usd' });
    await offerPlans(env.handle, shop.project.id, [once.id]);
    const order = await insertRow(env.handle.db, shop.project.id, shop.asUser(shop.alice), 'order', { title: 'Lamp' });
    const services = paymentServices(env.handle);
    const noPlan = await refusal(
      initiateRecurringAction(services, shop.project.id, shop.asUser(shop.alice), {
        orderId: order.id,
        ...returnUrls(),
      }),
    );
    expect(noPlan).toMatchObject({ code: 'VALIDATION', fieldErrors: { plan: 'Required.' } });
    expect(noPlan.message).toMatch(/^Name the plan to subscribe to: /);
    expect(
      await refusal(
        initiateRecurringAction(services, shop.project.id, shop.asUser(shop.alice), {
          orderId: order.id,
          plan: once.id,
          ...returnUrls(),
        }),
      ),
    ).toEqual({
      code: 'VALIDATION',
      message: `Price ${once.id} is a one-time price; choose a recurring price.`,
      fieldErrors: { plan: 'Not recurring.' },
    });
    expect(
      await refusal(
        initiateRecurringAction(services, shop.project.id, BACKEND, {
          orderId: order.id,
          priceId: once.id,
          ...returnUrls(),
        }),
      ),
    ).toMatchObject({ code: 'VALIDATION', fieldErrors: { priceId: 'Not recurring.' } });
  });

  it("cancel at the period's end or now, only a subscription the caller can see, never one already canceled", async () => {
    const shop = await createPaymentsProject(env.handle, env.sandbox);
    const stripe = createStripeClient(shop.account.secretKey, env.sandbox.url);
    const product = await stripe.products.create({ name: 'Club' });
    const price = await stripe.prices.create({
      product: product.id,
      unit_amount: 900,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    const customer = await stripe.customers.create({ email: String(shop.alice.email) });
    const subscribe = () =>
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], trial_period_days: 14 });
    const order = await insertRow(env.handle.db, shop.project.id, shop.asUser(shop.alice), 'order', { title: 'Club' });
    const row = async (subscriptionId: string | null, status = 'TRIALING') =>
      insertRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', {
        order_id: order.id,
        subscriber: shop.alice.id,
        stripe_price_id: price.id,
        stripe_subscription_id: subscriptionId,
        status,
      });
    const services = paymentServices(env.handle);
    const later = await row((await subscribe()).id);
    expect(
      await cancelRecurringAction(services, shop.project.id, shop.asUser(shop.alice), { recurringPaymentId: later.id }),
    ).toEqual({ recurringPaymentId: later.id, stripeStatus: 'trialing', cancelAtPeriodEnd: true });

    const now = await row((await subscribe()).id);
    expect(
      await cancelRecurringAction(services, shop.project.id, BACKEND, {
        recurringPaymentId: now.id,
        atPeriodEnd: false,
      }),
    ).toEqual({ recurringPaymentId: now.id, stripeStatus: 'canceled', cancelAtPeriodEnd: false });

    const notYours = await refusal(
      cancelRecurringAction(services, shop.project.id, shop.asUser(shop.bob), { recurringPaymentId: later.id }),
    );
    expect(notYours).toMatchObject({
      code: 'NOT_FOUND',
      message: 'That subscription was not found, or it is not yours.',
    });
    const canceled = await row('sub_gone_2', 'CANCELED');
    expect(
      await refusal(cancelRecurringAction(services, shop.project.id, BACKEND, { recurringPaymentId: canceled.id })),
    ).toMatchObject({ code: 'PRECONDITION_FAILED', message: 'This subscription is already canceled.' });
    const vanished = await row('sub_vanished_2', 'ACTIVE');
    const missing = await refusal(
      cancelRecurringAction(services, shop.project.id, BACKEND, { recurringPaymentId: vanished.id }),
    );
    expect(missing.code).toBe('VALIDATION');
    expect(missing.message).toMatch(/^Stripe refused the request: .*sub_vanished_2/);
  });
});

describe('what the payment and subscription actions check and say beyond the shape of their inputs', () => {
  /** A shop offering a monthly plan, with an order of $5.00 made by Alice. */
  async function shopWithPlan() {
    const shop = await createPaymentsProject(env.handle, env.sandbox);
    const stripe = createStripeClient(shop.account.secretKey, env.sandbox.url);
    const product = await stripe.products.create({ name: 'Club' });
    const monthly = await stripe.prices.create({
      product: product.id,
      unit_amount: 500,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    await offerPlans(env.handle, shop.project.id, [monthly.id]);
    const order = await insertRow(env.handle.db, shop.project.id, BACKEND, 'order', { title: 'Desk', amount: 500 });
    return { ...shop, stripe, monthly, order };
  }

  it('refuse a cancel address off the shop’s sites on the cancelUrl field, for a payment and a subscription', async () => {
    const shop = await shopWithPlan();
    const away = { ...returnUrls(), cancelUrl: 'https://elsewhere.example/cancel' };
    const services = paymentServices(env.handle);
    const payment = await refusal(
      createPaymentAction(services, shop.project.id, BACKEND, { orderId: shop.order.id, method: 'checkout', ...away }),
    );
    const subscription = await refusal(
      initiateRecurringAction(services, shop.project.id, BACKEND, {
        orderId: shop.order.id,
        plan: shop.monthly.id,
        ...away,
      }),
    );
    for (const refused of [payment, subscription]) {
      expect(refused.code).toBe('VALIDATION');
      expect(refused.message).toMatch(/^cancelUrl must be on http/);
      expect(Object.keys(refused.fieldErrors ?? {})).toEqual(['cancelUrl']);
    }
  });

  it('refuses a plan the shop does not offer on the plan field, naming the ones it does', async () => {
    const shop = await shopWithPlan();
    const other = await shop.stripe.prices.create({
      product: shop.monthly.product as string,
      unit_amount: 500,
      currency: 'usd',
      recurring: { interval: 'year' },
    });
    expect(
      await refusal(
        initiateRecurringAction(paymentServices(env.handle), shop.project.id, shop.asUser(shop.alice), {
          orderId: (
            await insertRow(env.handle.db, shop.project.id, shop.asUser(shop.alice), 'order', { title: 'Club' })
          ).id,
          plan: other.id,
          ...returnUrls(),
        }),
      ),
    ).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(new RegExp(`^The shop does not offer the plan "${other.id}"; choose one of: `)),
      fieldErrors: { plan: 'Not offered.' },
    });
  });

  it("lets the shop's backend subscribe an order to any plan it names, and refuses a price Stripe does not know in Stripe's words", async () => {
    const shop = await shopWithPlan();
    const yearly = await shop.stripe.prices.create({
      product: shop.monthly.product as string,
      unit_amount: 5000,
      currency: 'usd',
      recurring: { interval: 'year' },
    });
    const services = paymentServices(env.handle);
    // The order says $5.00; the backend decides what is charged, so the $50.00 yearly price is its call.
    const started = await initiateRecurringAction(services, shop.project.id, BACKEND, {
      orderId: shop.order.id,
      priceId: yearly.id,
      ...returnUrls(),
    });
    expect(started.checkoutUrl).toMatch(/^http/);
    const unknown = await refusal(
      initiateRecurringAction(services, shop.project.id, BACKEND, {
        orderId: shop.order.id,
        priceId: 'price_nobody_made',
        ...returnUrls(),
      }),
    );
    expect(unknown.code).toBe('VALIDATION');
    expect(unknown.message).toMatch(/^Stripe refused the request: No such price/);
  });

  it('refuses an amount Stripe cannot charge on the amount field, in the words it says', async () => {
    const shop = await shopWithPlan();
    const refused = await refusal(
      createPaymentAction(paymentServices(env.handle), shop.project.id, BACKEND, {
        orderId: shop.order.id,
        method: 'payment_intent',
        amount: 10,
        currency: 'usd',
      }),
    );
    expect(refused.code).toBe('VALIDATION');
    expect(refused.message).toMatch(/\$0\.50/);
    expect(refused.fieldErrors).toEqual({ amount: refused.message });
  });

  it('names the Checkout line after the item it is given (trimmed), else after the order; a card payment answers PENDING', async () => {
    const shop = await shopWithPlan();
    const services = paymentServices(env.handle);
    const lineOf = async (itemName?: string) => {
      const order = await insertRow(env.handle.db, shop.project.id, BACKEND, 'order', { title: 'Desk', amount: 500 });
      const created = await createPaymentAction(
        services,
        shop.project.id,
        BACKEND,
        { orderId: order.id, method: 'checkout', ...returnUrls() },
        itemName === undefined ? {} : { itemName },
      );
      const [payment] = (
        await queryRows(env.handle.db, shop.project.id, BACKEND, 'payment', {
          filters: [{ column: 'id', op: 'eq', value: created.paymentId }],
        })
      ).rows;
      const items = await shop.stripe.checkout.sessions.listLineItems(String(payment.stripe_checkout_session_id));
      return { name: items.data[0].description, order: order.id };
    };
    expect((await lineOf('  Sourdough loaf  ')).name).toBe('Sourdough loaf');
    const plain = await lineOf();
    expect(plain.name).toBe(`Order #${plain.order}`);
    const blank = await lineOf('   ');
    expect(blank.name).toBe(`Order #${blank.order}`);

    const card = await createPaymentAction(services, shop.project.id, BACKEND, {
      orderId: shop.order.id,
      method: 'payment_intent',
    });
    expect(card).toMatchObject({ status: 'PENDING', checkoutUrl: null, reused: false });
    expect(card.clientSecret).toMatch(/^pi_\w+_secret_/);
  });
});
