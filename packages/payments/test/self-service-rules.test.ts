// What a subscriber's self-service (actions/self-service.ts) asks of Stripe and answers, read back from the sandbox:
// the plan switch (its refusals in words on their field, the proration preview that changes nothing, the confirmed
// switch charged at once, one switch for a confirm sent twice) and the customer portal's configuration (exactly the
// shop's active recurring prices by product, cancel at period end, one marked configuration kept up to date, other
// configurations left alone). Written against the survivors of the 2026-12-04 Stryker run of that file.
import { insertRow } from '@tillflow/data-model';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { changePlanAction, portalSessionAction } from '../src/actions/self-service';
import type { PaymentServices } from '../src/stripe-accounts';
import { createStripeClient } from '../src/stripe-client';
import {
  createPaymentsProject,
  environmentPerFile,
  offerPlans,
  paymentServices,
  refusal,
  returnUrls,
  type SentCall,
  setRow,
  watchedServices,
} from './harness';

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();

type Shop = Awaited<ReturnType<typeof createPaymentsProject>>;

/** A shop with a product "Club" offered monthly ($10) and yearly ($100), on the sandbox. */
async function clubShop() {
  const shop = await createPaymentsProject(env.handle, env.sandbox);
  const stripe = createStripeClient(shop.account.secretKey, env.sandbox.url);
  const club = await stripe.products.create({ name: 'Club' });
  const recurring = (unit_amount: number, interval: 'month' | 'year', product = club.id) =>
    stripe.prices.create({ product, unit_amount, currency: 'usd', recurring: { interval } });
  const monthly = await recurring(1000, 'month');
  const yearly = await recurring(10_000, 'year');
  await offerPlans(env.handle, shop.project.id, [monthly.id, yearly.id]);
  return { ...shop, stripe, club, recurring, monthly, yearly };
}

/**
 * Alice pays the monthly plan by card, her customer on a frozen test clock (so the proration is exact: the whole
 * month unused), and her recurring payment row names the subscription.
 */
async function aliceOnMonthly(shop: Awaited<ReturnType<typeof clubShop>>) {
  const { stripe } = shop;
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  const customer = await stripe.customers.create({ email: String(shop.alice.email), test_clock: clock.id });
  const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: card.id } });
  const subscription = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: shop.monthly.id }],
  });
  const order = await insertRow(env.handle.db, shop.project.id, shop.asUser(shop.alice), 'order', { title: 'Club' });
  const row = await insertRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', {
    order_id: order.id,
    subscriber: shop.alice.id,
    stripe_price_id: shop.monthly.id,
    stripe_subscription_id: subscription.id,
    status: 'ACTIVE',
  });
  const priceNow = async () => (await stripe.subscriptions.retrieve(subscription.id)).items.data[0].price.id;
  const invoices = async () =>
    (await stripe.invoices.list({ subscription: subscription.id })).data.map((i) => ({
      reason: i.billing_reason,
      paid: i.amount_paid,
    }));
  return { subscription, row, priceNow, invoices };
}

const WATCHED = ['billingPortal.configurations.create', 'billingPortal.configurations.update', 'subscriptions.update'];
/** The shop's services with the portal configuration's and the switch's calls to Stripe recorded in `sent`. */
const watching = (sent: SentCall[], before?: (call: string) => Promise<void>) =>
  watchedServices(env.handle, { sent, before, calls: WATCHED });

const PLAN_SWITCH_LINES = [
  { description: 'Unused time on Club', amount: -1000 },
  { description: 'Remaining time on Club', amount: 10_000 },
];

describe('a subscriber switching plan', () => {
  it('sees what the switch charges now, and nothing changes at Stripe until they confirm', async () => {
    const shop = await clubShop();
    const alice = await aliceOnMonthly(shop);
    const preview = await changePlanAction(paymentServices(env.handle), shop.project.id, shop.asUser(shop.alice), {
      recurringPaymentId: alice.row.id,
      plan: ` ${shop.yearly.id} `, // as typed, with spaces around
    });
    // The whole month is unused (the clock is frozen at the start): $10.00 back, the year's $100.00 charged.
    expect(preview).toEqual({
      recurringPaymentId: alice.row.id,
      amountDue: 9000,
      currency: 'usd',
      lines: PLAN_SWITCH_LINES,
      confirmed: false,
    });
    expect(await alice.priceNow()).toBe(shop.monthly.id);
    expect(await alice.invoices()).toEqual([{ reason: 'subscription_create', paid: 1000 }]);
  });

  it('switches on confirm, charging the previewed proration at once on an invoice of its own', async () => {
    const shop = await clubShop();
    const alice = await aliceOnMonthly(shop);
    const done = await changePlanAction(paymentServices(env.handle), shop.project.id, shop.asUser(shop.alice), {
      recurringPaymentId: alice.row.id,
      plan: shop.yearly.id,
      confirm: true,
    });
    expect(done).toEqual({
      recurringPaymentId: alice.row.id,
      amountDue: 9000,
      currency: 'usd',
      lines: PLAN_SWITCH_LINES,
      confirmed: true,
    });
    expect(await alice.priceNow()).toBe(shop.yearly.id);
    expect(await alice.invoices()).toEqual([
      { reason: 'subscription_update', paid: 9000 },
      { reason: 'subscription_create', paid: 1000 },
    ]);
  });

  it('makes one switch and one charge of a confirm sent twice at once, each naming the same switch to Stripe', async () => {
    const shop = await clubShop();
    const alice = await aliceOnMonthly(shop);
    const sent: SentCall[] = [];
    // Both confirms read the subscription on the monthly plan before either switch reaches Stripe.
    let release = () => {};
    const bothArrived = new Promise<void>((resolve) => {
      release = resolve;
    });
    const services = watching(sent, async (call) => {
      if (call !== 'subscriptions.update') return;
      if (sent.filter((s) => s.call === call).length === 2) release();
      await bothArrived;
    });
    const confirm = () =>
      changePlanAction(services, shop.project.id, shop.asUser(shop.alice), {
        recurringPaymentId: alice.row.id,
        plan: shop.yearly.id,
        confirm: true,
      });
    const [first, second] = await Promise.all([confirm(), confirm()]);
    expect(first).toMatchObject({ confirmed: true, amountDue: 9000 });
    expect(second).toMatchObject({ confirmed: true, amountDue: 9000 });
    expect(await alice.priceNow()).toBe(shop.yearly.id);
    expect(await alice.invoices()).toEqual([
      { reason: 'subscription_update', paid: 9000 },
      { reason: 'subscription_create', paid: 1000 },
    ]);
    const keys = sent.map((s) => (s.args[2] as { idempotencyKey?: string } | undefined)?.idempotencyKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).toMatch(/\S/);

    // Another subscriber's same switch is another request to Stripe, not a replay of Alice's.
    const bob = await aliceOnMonthly(shop);
    await setRow(env.handle, shop.project.id, 'recurring_payment', bob.row.id, { subscriber: shop.bob.id });
    await changePlanAction(services, shop.project.id, shop.asUser(shop.bob), {
      recurringPaymentId: bob.row.id,
      plan: shop.yearly.id,
      confirm: true,
    });
    expect(await bob.priceNow()).toBe(shop.yearly.id);
    const bobsKey = (sent[2].args[2] as { idempotencyKey?: string }).idempotencyKey;
    expect(bobsKey).not.toBe(keys[0]);
  });

  it('refuses in words, before anything changes: a plan not offered, the plan already held, a subscription not theirs, canceled or not started', async () => {
    const shop = await clubShop();
    const alice = await aliceOnMonthly(shop);
    const services = paymentServices(env.handle);
    const hidden = await shop.recurring(1, 'year');
    const change = (actor: Parameters<typeof changePlanAction>[2], recurringPaymentId: number, plan: string) =>
      refusal(changePlanAction(services, shop.project.id, actor, { recurringPaymentId, plan, confirm: true }));
    const asAlice = shop.asUser(shop.alice);

    expect(await change(asAlice, alice.row.id, hidden.id)).toEqual({
      code: 'VALIDATION',
      message: `The shop does not offer the plan "${hidden.id}"; choose one of: ${shop.monthly.id}, ${shop.yearly.id}.`,
      fieldErrors: { plan: 'Not offered.' },
    });
    expect(await change(asAlice, alice.row.id, shop.monthly.id)).toEqual({
      code: 'VALIDATION',
      message: 'The subscription is on that plan already.',
      fieldErrors: { plan: 'Current plan.' },
    });
    expect(await change(shop.asUser(shop.bob), alice.row.id, shop.yearly.id)).toEqual({
      code: 'NOT_FOUND',
      message: 'That subscription was not found, or it is not yours.',
      fieldErrors: undefined,
    });
    expect(await alice.priceNow()).toBe(shop.monthly.id);

    const order = await insertRow(env.handle.db, shop.project.id, asAlice, 'order', { title: 'Club' });
    const row = (status: string, stripe_subscription_id: string | null) =>
      insertRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', {
        order_id: order.id,
        subscriber: shop.alice.id,
        stripe_price_id: shop.monthly.id,
        stripe_subscription_id,
        status,
      });
    expect(await change(asAlice, (await row('CANCELED', 'sub_canceled_3')).id, shop.yearly.id)).toEqual({
      code: 'PRECONDITION_FAILED',
      message: 'This subscription is canceled; its plan cannot change.',
      fieldErrors: undefined,
    });
    expect(await change(asAlice, (await row('INCOMPLETE', null)).id, shop.yearly.id)).toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'This subscription has not started yet (checkout not completed).',
    });
    // One Stripe no longer knows: Stripe's refusal, in its words.
    const vanished = await refusal(
      changePlanAction(services, shop.project.id, asAlice, {
        recurringPaymentId: (await row('ACTIVE', 'sub_vanished_3')).id,
        plan: shop.yearly.id,
      }),
    );
    expect(vanished.code).toBe('VALIDATION');
    expect(vanished.message).toMatch(/^Stripe refused the request: .*sub_vanished_3/);
    expect(await alice.priceNow()).toBe(shop.monthly.id);
    expect(await alice.invoices()).toHaveLength(1);
  });

  // Stripe keeps idempotency keys for 24 hours: a key naming only the row and the two prices replayed the first
  // switch on the way back (the action said confirmed, the subscription stayed where it was).
  it('switches back and forth as often as asked: monthly → yearly → monthly → yearly ends on yearly', async () => {
    const shop = await clubShop();
    const alice = await aliceOnMonthly(shop);
    for (const plan of [shop.yearly.id, shop.monthly.id, shop.yearly.id]) {
      await changePlanAction(paymentServices(env.handle), shop.project.id, shop.asUser(shop.alice), {
        recurringPaymentId: alice.row.id,
        plan,
        confirm: true,
      });
      expect(await alice.priceNow()).toBe(plan);
    }
  });
});

/** The portal configuration Tillflow keeps on a shop's account (by its mark), and all the account's others. */
async function configurations(shop: { stripe: Stripe }) {
  const all = (await shop.stripe.billingPortal.configurations.list({ limit: 100 })).data;
  const marked = all.filter((c) => c.metadata?.tillflow_portal === 'true');
  return { all, marked, others: all.filter((c) => !marked.includes(c)) };
}

const openPortal = (services: PaymentServices, shop: Shop, actor = shop.asUser(shop.alice)) =>
  portalSessionAction(services, shop.project.id, actor, { returnUrl: returnUrls().successUrl });

describe('the customer portal', () => {
  it("offers exactly the shop's active recurring prices, grouped by product, besides cancel at period end, card update and invoices", async () => {
    const shop = await clubShop();
    const beans = await shop.stripe.products.create({ name: 'Beans' });
    const beansMonthly = await shop.recurring(500, 'month', beans.id);
    const retired = await shop.recurring(800, 'month');
    await shop.stripe.prices.update(retired.id, { active: false });
    const once = await shop.stripe.prices.create({ product: beans.id, unit_amount: 300, currency: 'usd' });
    await offerPlans(env.handle, shop.project.id, [
      shop.monthly.id,
      beansMonthly.id,
      retired.id,
      once.id,
      shop.yearly.id,
    ]);
    const sent: SentCall[] = [];
    const { url } = await openPortal(watching(sent), shop);
    expect(url).toMatch(/\/p\/session\//);

    const products = [
      { product: shop.club.id, prices: [shop.monthly.id, shop.yearly.id] },
      { product: beans.id, prices: [beansMonthly.id] },
    ];
    // What Stripe is asked for (the sandbox's defaults would hide a feature left out), …
    expect(sent).toEqual([
      {
        call: 'billingPortal.configurations.create',
        args: [
          {
            features: {
              subscription_cancel: { enabled: true, mode: 'at_period_end' },
              payment_method_update: { enabled: true },
              invoice_history: { enabled: true },
              subscription_update: {
                enabled: true,
                default_allowed_updates: ['price'],
                proration_behavior: 'always_invoice',
                products,
              },
            },
            metadata: { tillflow_portal: 'true' },
          },
        ],
      },
    ]);
    // … and what the account then holds.
    const { marked } = await configurations(shop);
    expect(marked).toHaveLength(1);
    expect(marked[0]).toMatchObject({
      active: true,
      features: {
        subscription_cancel: { enabled: true, mode: 'at_period_end' },
        payment_method_update: { enabled: true },
        invoice_history: { enabled: true },
        subscription_update: {
          enabled: true,
          default_allowed_updates: ['price'],
          proration_behavior: 'always_invoice',
          products: products.map((p) => expect.objectContaining(p)),
        },
      },
    });
  });

  it('offers no plan switch when the shop offers no active recurring price', async () => {
    const shop = await clubShop();
    await shop.stripe.prices.update(shop.yearly.id, { active: false });
    const once = await shop.stripe.prices.create({ product: shop.club.id, unit_amount: 300, currency: 'usd' });
    await offerPlans(env.handle, shop.project.id, [shop.yearly.id, once.id]);
    const sent: SentCall[] = [];
    await openPortal(watching(sent), shop);
    expect(sent.map((s) => (s.args[0] as Stripe.BillingPortal.ConfigurationCreateParams).features)).toEqual([
      expect.objectContaining({ subscription_update: { enabled: false } }),
    ]);
    const { marked } = await configurations(shop);
    expect(marked.map((c) => c.features.subscription_update.enabled)).toEqual([false]);
  });

  it('keeps one marked configuration, brought up to date with the plans at each session, and leaves the others alone', async () => {
    const shop = await clubShop();
    const services = paymentServices(env.handle);
    await openPortal(services, shop);
    const first = await configurations(shop);
    expect(first.marked).toHaveLength(1);
    // The shop's own configuration, made in its Stripe Dashboard after ours.
    await shop.stripe.billingPortal.configurations.create({
      features: {
        invoice_history: { enabled: false },
        subscription_update: {
          enabled: true,
          default_allowed_updates: ['price'],
          products: [{ product: shop.club.id, prices: [shop.monthly.id] }],
        },
      },
      metadata: { owner: 'shop' },
    });
    const before = await configurations(shop);

    // Only the yearly plan now.
    await offerPlans(env.handle, shop.project.id, [shop.yearly.id]);
    await openPortal(services, shop);
    const second = await configurations(shop);
    expect(second.marked.map((c) => c.id)).toEqual(first.marked.map((c) => c.id));
    expect(second.marked[0].features.subscription_update.products).toEqual([
      expect.objectContaining({ product: shop.club.id, prices: [shop.yearly.id] }),
    ]);
    expect(second.others).toEqual(before.others);

    // No plan at all: switching is turned off on the same configuration.
    await offerPlans(env.handle, shop.project.id, []);
    await openPortal(services, shop);
    const third = await configurations(shop);
    expect(third.marked.map((c) => [c.id, c.features.subscription_update.enabled])).toEqual([
      [first.marked[0].id, false],
    ]);
    expect(third.others).toEqual(before.others);
  });

  it('makes a new configuration when its marked one was deactivated, and the session opens on it', async () => {
    const shop = await clubShop();
    const services = paymentServices(env.handle);
    await openPortal(services, shop);
    const [old] = (await configurations(shop)).marked;
    await shop.stripe.billingPortal.configurations.update(old.id, { active: false });
    const { url } = await openPortal(services, shop);
    expect(url).toMatch(/\/p\/session\//);
    const { marked } = await configurations(shop);
    expect(marked.map((c) => [c.id === old.id, c.active]).sort()).toEqual([
      [false, true],
      [true, false],
    ]);
  });

  it('is refused to a caller who is not a signed-in shopper, and says in words what Stripe refused', async () => {
    const shop = await clubShop();
    const services = paymentServices(env.handle);
    expect(await refusal(openPortal(services, shop, BACKEND as never))).toEqual({
      code: 'FORBIDDEN',
      message: 'Only a signed-in shopper can manage their own subscriptions.',
      fieldErrors: undefined,
    });
    await offerPlans(env.handle, shop.project.id, ['price_gone_3']);
    const gone = await refusal(openPortal(services, shop));
    expect(gone.code).toBe('VALIDATION');
    expect(gone.message).toMatch(/^Stripe refused the request: .*price_gone_3/);
    // A return address off the shop's own origins is refused on its field.
    const away = await refusal(
      portalSessionAction(services, shop.project.id, shop.asUser(shop.alice), { returnUrl: 'https://evil.example/x' }),
    );
    expect(away.code).toBe('VALIDATION');
    expect(Object.keys(away.fieldErrors ?? {})).toEqual(['returnUrl']);
  });
});
