import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { ROUTES } from '../src/server';
import { documented } from '../src/spec-params';
import { bootSandbox, stripeError } from './helpers';
import { type Exchange, recordedClient, routeOf, specValidator, startRecorder } from './openapi-recorder';

// Every sandbox answer the official SDK receives in a sweep over every route is checked against Stripe's
// pinned OpenAPI description (openapi/stripe-openapi.json) with Ajv, so a drifting response shape fails CI.
let sandbox: Sandbox;
let recorder: Awaited<ReturnType<typeof startRecorder>>;
let stripe: Stripe;
const DAY = 86_400;

beforeAll(async () => {
  sandbox = await bootSandbox();
  recorder = await startRecorder(sandbox);
  const { secretKey } = await sandbox.createAccount();
  stripe = recordedClient(recorder.port, secretKey);
});
afterAll(async () => {
  await recorder.close();
  await sandbox.close();
});

/** `invoices.createPreview` answers: the route is newer than the pinned description, its body is an invoice. */
const previews: Stripe.Invoice[] = [];

async function sweep(): Promise<void> {
  const customer = await stripe.customers.create({ email: 'sweep@example.test', name: 'Sweep', metadata: { k: 'v' } });
  await stripe.customers.retrieve(customer.id);
  await stripe.customers.update(customer.id, { name: 'Sweep 2' });
  await stripe.customers.list({ email: 'sweep@example.test' });
  await stripe.customers.search({ query: "email:'sweep@example.test'" });

  const product = await stripe.products.create({ name: 'Sweep box', images: ['https://example.test/box.png'] });
  await stripe.products.retrieve(product.id);
  await stripe.products.update(product.id, { description: 'A box' });
  await stripe.products.list({ ids: [product.id] });
  await stripe.products.search({ query: "active:'true'" });
  const spare = await stripe.products.create({ name: 'Spare' });
  await stripe.products.del(spare.id);

  const oneTime = await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 1200 });
  const monthly = await stripe.prices.create({
    product: product.id,
    currency: 'usd',
    unit_amount: 900,
    recurring: { interval: 'month' },
  });
  const yearly = await stripe.prices.create({
    product: product.id,
    currency: 'usd',
    unit_amount: 9000,
    recurring: { interval: 'year' },
  });
  const oneTimeRecurring = await stripe.prices.create({
    product: product.id,
    currency: 'usd',
    unit_amount: 9000,
    recurring: { interval: 'year' },
    nickname: 'seats',
  });
  await stripe.prices.retrieve(oneTime.id);
  await stripe.prices.update(oneTime.id, { nickname: 'single' });
  await stripe.prices.list({ recurring: { interval: 'month' } });
  await stripe.prices.search({ query: `product:'${product.id}'` });

  const pm = await stripe.paymentMethods.create({
    type: 'card',
    card: { number: '4242424242424242', exp_month: 12, exp_year: 2040, cvc: '123' },
  } as any);
  await stripe.paymentMethods.retrieve(pm.id);
  await stripe.paymentMethods.attach(pm.id, { customer: customer.id });
  await stripe.paymentMethods.update(pm.id, { metadata: { k: 'v' } });
  await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
  await stripe.customers.listPaymentMethods(customer.id);
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });

  const setup = await stripe.setupIntents.create({ customer: customer.id, usage: 'off_session' });
  await stripe.setupIntents.retrieve(setup.id);
  await stripe.setupIntents.update(setup.id, { metadata: { k: 'v' } });
  await stripe.setupIntents.confirm(setup.id, { payment_method: 'pm_card_mastercard' });
  await stripe.setupIntents.list({ customer: customer.id });
  const abandoned = await stripe.setupIntents.create({ customer: customer.id });
  await stripe.setupIntents.cancel(abandoned.id);
  const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id });
  await stripe.paymentIntents.retrieve(pi.id);
  await stripe.paymentIntents.update(pi.id, { metadata: { order: '1' } });
  const paid = await stripe.paymentIntents.confirm(pi.id, { payment_method: pm.id });
  await stripe.paymentIntents.list({ customer: customer.id });
  await stripe.paymentIntents.search({ query: "metadata['order']:'1'" });
  const held = await stripe.paymentIntents.create({
    amount: 1500,
    currency: 'usd',
    capture_method: 'manual',
    payment_method: 'pm_card_visa',
    confirm: true,
  });
  await stripe.paymentIntents.capture(held.id);
  const dropped = await stripe.paymentIntents.create({ amount: 1500, currency: 'usd' });
  await stripe.paymentIntents.cancel(dropped.id);

  const charge = String(paid.latest_charge);
  await stripe.charges.retrieve(charge);
  await stripe.charges.update(charge, { description: 'sweep' });
  await stripe.charges.list({ payment_intent: pi.id });

  const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 500 });
  await stripe.refunds.retrieve(refund.id);
  await stripe.refunds.update(refund.id, { metadata: { k: 'v' } });
  await stripe.refunds.list({ payment_intent: pi.id });

  const disputed = await stripe.paymentIntents.create({
    amount: 2000,
    currency: 'usd',
    payment_method: 'pm_card_createDispute',
    confirm: true,
  });
  const [dispute] = (await stripe.disputes.list({ payment_intent: disputed.id })).data;
  await stripe.disputes.retrieve(dispute.id);
  await stripe.disputes.update(dispute.id, { metadata: { k: 'v' } });
  await stripe.disputes.close(dispute.id);

  const coupon = await stripe.coupons.create({ percent_off: 10, duration: 'once', name: 'Ten' });
  await stripe.coupons.retrieve(coupon.id);
  await stripe.coupons.update(coupon.id, { metadata: { k: 'v' } });
  await stripe.coupons.list();
  const promo = await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'SWEEP' });
  await stripe.promotionCodes.retrieve(promo.id);
  await stripe.promotionCodes.update(promo.id, { metadata: { k: 'v' } });
  await stripe.promotionCodes.list({ code: 'SWEEP' });
  const spareCoupon = await stripe.coupons.create({ amount_off: 100, currency: 'usd' });
  await stripe.coupons.del(spareCoupon.id);
  await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: 'http://localhost/account' });

  const session = await stripe.checkout.sessions.create({
    mode: 'payment',
    success_url: 'http://localhost/ok',
    cancel_url: 'http://localhost/no',
    discounts: [{ promotion_code: promo.id }],
    line_items: [
      { price: oneTime.id, quantity: 2 },
      { price_data: { currency: 'usd', unit_amount: 300, product_data: { name: 'Extra' } }, quantity: 1 },
    ],
  });
  await stripe.checkout.sessions.retrieve(session.id);
  await stripe.checkout.sessions.listLineItems(session.id);
  await stripe.checkout.sessions.list({ customer_details: { email: 'nobody@example.test' } });
  await stripe.checkout.sessions.update(session.id, { metadata: { k: 'v' } } as any);
  await stripe.checkout.sessions.expire(session.id);

  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  await stripe.testHelpers.testClocks.retrieve(clock.id);
  await stripe.testHelpers.testClocks.list();
  const clocked = await stripe.customers.create({ email: 'clock@example.test', test_clock: clock.id });
  await stripe.paymentMethods
    .attach('pm_card_visa', { customer: clocked.id })
    .then((m) => stripe.customers.update(clocked.id, { invoice_settings: { default_payment_method: m.id } }));
  const sub = await stripe.subscriptions.create({
    customer: clocked.id,
    items: [{ price: monthly.id }],
    trial_period_days: 7,
    metadata: { plan: 'monthly' },
  });
  await stripe.subscriptions.retrieve(sub.id);
  await stripe.subscriptions.list({ customer: clocked.id });
  await stripe.subscriptions.search({ query: "status:'trialing'" });
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time + 8 * DAY });
  await stripe.subscriptions.update(sub.id, {
    items: [{ id: sub.items.data[0].id, price: yearly.id }],
    proration_behavior: 'always_invoice',
  });
  await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'keep_as_draft' } });
  const extra = await stripe.subscriptionItems.create({
    subscription: sub.id,
    price: oneTimeRecurring.id,
    quantity: 2,
  });
  await stripe.subscriptionItems.retrieve(extra.id);
  await stripe.subscriptionItems.update(extra.id, { quantity: 3, proration_behavior: 'none' });
  await stripe.subscriptionItems.list({ subscription: sub.id });
  await stripe.subscriptionItems.del(extra.id);
  await stripe.subscriptions.update(sub.id, { pause_collection: '' });
  await stripe.subscriptions.update(sub.id, { discounts: [{ coupon: coupon.id }] });

  const fee = await stripe.invoiceItems.create({
    customer: clocked.id,
    amount: 300,
    currency: 'usd',
    description: 'Fee',
  });
  await stripe.invoiceItems.retrieve(fee.id);
  await stripe.invoiceItems.update(fee.id, { metadata: { k: 'v' } });
  await stripe.invoiceItems.list({ customer: clocked.id, pending: true });
  const spareItem = await stripe.invoiceItems.create({ customer: clocked.id, pricing: { price: oneTime.id } });
  await stripe.invoiceItems.del(spareItem.id);
  previews.push(
    await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: { items: [{ id: sub.items.data[0].id, quantity: 2 }] },
    }),
    await stripe.invoices.createPreview({ customer: clocked.id }),
  );

  const portal = await stripe.billingPortal.configurations.create({
    features: {
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['price'],
        products: [{ product: product.id, prices: [monthly.id, yearly.id] }],
        proration_behavior: 'create_prorations',
      },
    },
  });
  await stripe.billingPortal.configurations.retrieve(portal.id);
  await stripe.billingPortal.configurations.update(portal.id, { default_return_url: 'http://localhost/account' });
  await stripe.billingPortal.configurations.list({ is_default: true });
  await stripe.billingPortal.sessions.create({ customer: clocked.id, configuration: portal.id });
  const setupSession = await stripe.checkout.sessions.create({
    mode: 'setup',
    customer: clocked.id,
    currency: 'usd',
    success_url: 'http://localhost/ok',
  });
  sandbox.payCheckoutSession(setupSession.id);
  await stripe.checkout.sessions.retrieve(setupSession.id);
  // A delayed method: paid by bank debit, processing, then settled (one succeeds, one fails).
  for (const accountNumber of ['000123456789', '000111111113']) {
    const bankSession = await stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'http://localhost/ok',
      line_items: [{ price: oneTime.id, quantity: 1 }],
    });
    sandbox.payCheckoutSession(bankSession.id, { bankAccount: { routingNumber: '110000000', accountNumber } });
    const processing = await stripe.paymentIntents.retrieve(
      String((await stripe.checkout.sessions.retrieve(bankSession.id)).payment_intent),
    );
    await stripe.charges.retrieve(String(processing.latest_charge));
    await stripe.paymentMethods.retrieve(String(processing.payment_method));
    sandbox.settleBankDebits();
    await stripe.checkout.sessions.retrieve(bankSession.id);
    await stripe.paymentIntents.retrieve(processing.id);
    await stripe.charges.retrieve(String(processing.latest_charge));
  }

  // One-off invoices: a draft with an item on it, finalized, marked uncollectible, paid; another deleted.
  const oneOff = await stripe.invoices.create({ customer: clocked.id, description: 'One-off' });
  await stripe.invoiceItems.create({ customer: clocked.id, invoice: oneOff.id, amount: 400, currency: 'usd' });
  await stripe.invoices.finalizeInvoice(oneOff.id);
  await stripe.invoices.markUncollectible(oneOff.id);
  await stripe.invoices.pay(oneOff.id);
  const droppedDraft = await stripe.invoices.create({ customer: clocked.id });
  await stripe.invoices.del(droppedDraft.id);
  const invoices = await stripe.invoices.list({ subscription: sub.id });
  const invoice = invoices.data[0];
  await stripe.invoices.retrieve(invoice.id);
  await stripe.invoices.listLineItems(invoice.id);
  await stripe.invoices.update(invoice.id, { metadata: { k: 'v' } });
  await stripe.invoices.search({ query: `customer:'${clocked.id}'` });
  const failing = await stripe.customers.create({ email: 'fail@example.test' });
  const bad = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: failing.id });
  const pastDue = await stripe.subscriptions.create({
    customer: failing.id,
    items: [{ price: monthly.id }],
    default_payment_method: bad.id,
    payment_behavior: 'allow_incomplete',
  });
  const good = await stripe.paymentMethods.attach('pm_card_visa', { customer: failing.id });
  await stripe.invoices.pay(String(pastDue.latest_invoice), { payment_method: good.id });
  const unpaid = await stripe.subscriptions.create({
    customer: failing.id,
    items: [{ price: monthly.id }],
    payment_behavior: 'default_incomplete',
  });
  await stripe.invoices.voidInvoice(String(unpaid.latest_invoice));
  await stripe.subscriptions.cancel(sub.id);

  const endpoint = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hook', enabled_events: ['*'] });
  await stripe.webhookEndpoints.retrieve(endpoint.id);
  await stripe.webhookEndpoints.update(endpoint.id, { disabled: true });
  await stripe.webhookEndpoints.list();
  await stripe.webhookEndpoints.del(endpoint.id);

  const events = await stripe.events.list({ limit: 100 });
  await stripe.events.retrieve(events.data[0].id);
  await stripe.testHelpers.testClocks.del(clock.id);
  await stripe.paymentMethods.detach(pm.id);
  await stripe.customers.del(customer.id);

  // Error bodies follow Stripe's error schema too.
  await stripeError(stripe.customers.retrieve('cus_missing'));
  await stripeError(stripe.customers.list({ colour: 'red' } as any));
  await stripeError(stripe.subscriptions.create({ customer: clocked.id, items: [{ price: 'price_missing' }] }));
}

describe('the pinned OpenAPI description', () => {
  it('accepts every response body of a sweep over every route the description documents', {
    timeout: 300_000,
  }, async () => {
    await sweep();
    const validator = specValidator();
    const problems: string[] = [];
    const served = new Set<string>();
    for (const exchange of recorder.seen as Exchange[]) {
      const route = routeOf(exchange.method, exchange.path);
      expect(route, `${exchange.method} ${exchange.path}`).toBeDefined();
      if (!route || !documented(exchange.method, route)) continue;
      if (exchange.status < 300) served.add(`${exchange.method} ${route}`);
      problems.push(...validator.validate(exchange.method, route, exchange.status, exchange.body));
    }
    expect(previews).toHaveLength(2);
    for (const preview of previews) problems.push(...validator.validateComponent('invoice', preview));
    expect(problems).toEqual([]);
    const documentedRoutes = ROUTES.filter((r) => documented(r.method, r.path)).map((r) => `${r.method} ${r.path}`);
    expect(documentedRoutes.filter((r) => !served.has(r))).toEqual([]);
    expect(recorder.seen.filter((e) => e.status >= 400)).toHaveLength(3);
  });
});
