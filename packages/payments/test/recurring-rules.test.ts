// What the subscription action (actions/recurring.ts, initiateRecurringAction) asks Stripe's Checkout for beyond the
// plan: the shop's brand only off the sandbox (the sandbox shows the account's own), the row's mode (test and live
// never mix), the idempotency key recorded on the row, and one checkout for the same order and plan asked twice.
// Written against the untriaged survivors of the 2026-12-04 Stryker run of that file (docs/testing.md).
import { getRow, insertRow } from '@tillflow/data-model';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { initiateRecurringAction } from '../src/actions/recurring';
import { saveBranding } from '../src/settings';
import { createStripeClient } from '../src/stripe-client';
import {
  createPaymentsProject,
  environmentPerFile,
  offerPlans,
  paymentServices,
  returnUrls,
  type SentCall,
  servicesWith,
  setRow,
  watchedServices,
} from './harness';

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();

/** A shop offering a monthly and a yearly plan, Alice signed in, each subscribe on a new order of hers. */
async function planShop() {
  const shop = await createPaymentsProject(env.handle, env.sandbox);
  const stripe = createStripeClient(shop.account.secretKey, env.sandbox.url);
  const product = await stripe.products.create({ name: 'Club' });
  const plan = (unit_amount: number, interval: 'month' | 'year') =>
    stripe.prices.create({ product: product.id, unit_amount, currency: 'usd', recurring: { interval } });
  const monthly = await plan(1000, 'month');
  const yearly = await plan(10_000, 'year');
  await offerPlans(env.handle, shop.project.id, [monthly.id, yearly.id]);
  const order = () =>
    insertRow(env.handle.db, shop.project.id, shop.asUser(shop.alice), 'order', { title: 'Club' }).then((o) => o.id);
  const sent: SentCall[] = [];
  const subscribe = async (mode: 'sandbox' | 'test' | 'live', orderId?: number, plan: Stripe.Price = monthly) => {
    const services = watchedServices(env.handle, { mode, sent, calls: ['checkout.sessions.create'] });
    const started = await initiateRecurringAction(services, shop.project.id, shop.asUser(shop.alice), {
      orderId: orderId ?? (await order()),
      plan: plan.id,
      ...returnUrls(),
    });
    const row = await getRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', started.recurringPaymentId);
    return { started, row };
  };
  /** The parameters and options of the last Checkout Session asked for. */
  const lastAsked = () => sent[sent.length - 1].args as [Stripe.Checkout.SessionCreateParams, Stripe.RequestOptions];
  return { ...shop, stripe, monthly, yearly, order, sent, subscribe, lastAsked };
}

describe('a subscription checkout', () => {
  it("carries the shop's brand name only off the sandbox, and none when the shop has none", async () => {
    const shop = await planShop();
    await shop.subscribe('test');
    expect(shop.lastAsked()[0]).not.toHaveProperty('branding_settings');

    await saveBranding(paymentServices(env.handle), shop.project.id, {
      brandName: 'Bean & Leaf',
      brandSlogan: null,
      brandLogo: null,
    });
    await shop.subscribe('test');
    expect(shop.lastAsked()[0].branding_settings).toEqual({ display_name: 'Bean & Leaf' });
    await shop.subscribe('live');
    expect(shop.lastAsked()[0].branding_settings).toEqual({ display_name: 'Bean & Leaf' });
    // The sandbox shows the account's brand already (saveBranding set it there).
    await shop.subscribe('sandbox');
    expect(shop.lastAsked()[0]).not.toHaveProperty('branding_settings');
  });

  it("records the project's mode on the row: live only for a live-mode project", async () => {
    const shop = await planShop();
    expect((await shop.subscribe('live')).row?.livemode).toBe(true);
    expect((await shop.subscribe('test')).row?.livemode).toBe(false);
    expect((await shop.subscribe('sandbox')).row?.livemode).toBe(false);
  });

  it("reads, before Stripe sends any event, as Stripe's subscription will start: incomplete, not set to cancel, on the shopper's Stripe customer", async () => {
    const shop = await planShop();
    const { started, row } = await shop.subscribe('sandbox');
    expect(row).toMatchObject({ status: 'INCOMPLETE', cancel_at_period_end: false, stripe_subscription_id: null });
    // The Checkout Session is made for the shopper's own customer, and the row names the same one.
    const session = await shop.stripe.checkout.sessions.retrieve(String(row?.stripe_checkout_session_id));
    expect(session.url).toBe(started.checkoutUrl);
    expect(row?.stripe_customer_id).toMatch(/^cus_/);
    expect(session.customer).toBe(row?.stripe_customer_id);
    const customer = (await shop.stripe.customers.retrieve(String(row?.stripe_customer_id))) as Stripe.Customer;
    expect(customer.email).toBe(shop.alice.email);
  });

  it('is asked for under the key recorded on its row, once for the same order and plan, anew for another plan', async () => {
    const shop = await planShop();
    const orderId = await shop.order();
    const first = await shop.subscribe('sandbox', orderId);
    expect(first.started.reused).toBe(false);
    expect(first.row?.idempotency_key).toBe(`tillflow-recurring-${shop.project.id}-${first.row?.id}`);
    expect(shop.lastAsked()[1]).toEqual({ idempotencyKey: first.row?.idempotency_key });
    expect(first.row?.checkout_url).toBe(first.started.checkoutUrl);

    const again = await shop.subscribe('sandbox', orderId);
    expect(again.started).toEqual({ ...first.started, reused: true });
    expect(shop.sent).toHaveLength(1);

    const yearly = await shop.subscribe('sandbox', orderId, shop.yearly);
    expect(yearly.started.reused).toBe(false);
    expect(yearly.started.recurringPaymentId).not.toBe(first.started.recurringPaymentId);
    expect(yearly.started.checkoutUrl).not.toBe(first.started.checkoutUrl);
    expect(shop.lastAsked()[1]).toEqual({ idempotencyKey: yearly.row?.idempotency_key });
    expect(shop.sent).toHaveLength(2);
  });

  it('is made anew for an order whose earlier checkout the shop closed without a subscription', async () => {
    const shop = await planShop();
    const orderId = await shop.order();
    const first = await shop.subscribe('sandbox', orderId);
    await setRow(env.handle, shop.project.id, 'recurring_payment', first.row?.id, { status: 'CANCELED' });
    const again = await shop.subscribe('sandbox', orderId);
    expect(again.started.reused).toBe(false);
    expect(again.started.recurringPaymentId).not.toBe(first.started.recurringPaymentId);
    expect(shop.sent).toHaveLength(2);
  });

  it("starts the trial the backend names only with a price it names; else the price's own, else the shop's", async () => {
    const shop = await planShop();
    await offerPlans(env.handle, shop.project.id, [shop.monthly.id, shop.yearly.id], 14);
    const sent: SentCall[] = [];
    const services = watchedServices(env.handle, { sent, calls: ['checkout.sessions.create'] });
    const trialOf = async (actor: Parameters<typeof initiateRecurringAction>[2], input: Record<string, unknown>) => {
      const orderId = await shop.order();
      const started = await initiateRecurringAction(services, shop.project.id, actor, {
        orderId,
        ...returnUrls(),
        ...input,
      });
      const row = await getRow(
        env.handle.db,
        shop.project.id,
        BACKEND,
        'recurring_payment',
        started.recurringPaymentId,
      );
      const asked = (sent[sent.length - 1].args[0] as Stripe.Checkout.SessionCreateParams).subscription_data;
      return { row: row?.trial_days, asked: asked && 'trial_period_days' in asked ? asked.trial_period_days : 'none' };
    };
    const alice = shop.asUser(shop.alice);
    expect(await trialOf(alice, { plan: shop.monthly.id })).toEqual({ row: 14, asked: 14 });
    expect(await trialOf(BACKEND, { priceId: shop.monthly.id, trialDays: 30 })).toEqual({ row: 30, asked: 30 });
    expect(await trialOf(BACKEND, { plan: shop.monthly.id, trialDays: 30 })).toEqual({ row: 14, asked: 14 });
    const weekly = await shop.stripe.prices.create({
      product: shop.monthly.product as string,
      unit_amount: 300,
      currency: 'usd',
      recurring: { interval: 'week' },
      metadata: { tillflow_trial_days: '7' },
    });
    await offerPlans(env.handle, shop.project.id, [weekly.id, shop.monthly.id]);
    expect(await trialOf(alice, { plan: weekly.id })).toEqual({ row: 7, asked: 7 });
    expect(await trialOf(alice, { plan: shop.monthly.id })).toEqual({ row: null, asked: 'none' });
  });
});

describe('a subscription checkout Stripe refuses', () => {
  it("is refused to the shopper in Stripe's words, not answered with nothing", async () => {
    const shop = await planShop();
    const refusing = servicesWith(env.handle, (context) => {
      const stripe = new Proxy(context.stripe, {
        get(target, key, receiver) {
          if (key !== 'checkout') return Reflect.get(target, key, receiver);
          const create = async () => {
            throw Object.assign(new Error('This account cannot take subscriptions yet.'), {
              type: 'StripeInvalidRequestError',
            });
          };
          return { sessions: { create } };
        },
      });
      return { ...context, stripe };
    });
    await expect(
      initiateRecurringAction(refusing, shop.project.id, shop.asUser(shop.alice), {
        orderId: await shop.order(),
        plan: shop.monthly.id,
        ...returnUrls(),
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'Stripe refused the request: This account cannot take subscriptions yet.',
    });
  });
});
