import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { ROUTES } from '../src/server';
import { documented, documentedParams } from '../src/spec-params';
import { bootSandbox, newClient, stripeError } from './helpers';

// Where the sandbox answered differently from Stripe, each found by an integration that broke (issue 18).
const DAY = 86_400;
let sandbox: Sandbox;
let stripe: Stripe;
beforeAll(async () => {
  sandbox = await bootSandbox();
});
beforeEach(async () => {
  ({ stripe } = await newClient(sandbox));
});
afterAll(() => sandbox.close());

async function recurringPrice(interval: 'month' | 'year' = 'month', amount = 1500) {
  const product = await stripe.products.create({ name: `Plan ${interval}` });
  return stripe.prices.create({ product: product.id, unit_amount: amount, currency: 'usd', recurring: { interval } });
}

async function customerWithCard(testClock?: string) {
  const customer = await stripe.customers.create({ email: 'pat@example.test', test_clock: testClock });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return customer;
}

describe('unknown parameters', () => {
  it('refuses an unknown query parameter on every list with 400 parameter_unknown', async () => {
    for (const call of [
      () => stripe.customers.list({ colour: 'red' } as any),
      () => stripe.products.list({ colour: 'red' } as any),
      () => stripe.paymentIntents.list({ colour: 'red' } as any),
      () => stripe.invoices.list({ colour: 'red' } as any),
      () => stripe.webhookEndpoints.list({ colour: 'red' } as any),
      () => stripe.testHelpers.testClocks.list({ colour: 'red' } as any),
    ]) {
      const err = await stripeError(call());
      expect(err.statusCode).toBe(400);
      expect(err.raw).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
    }
  });

  it('refuses unknown body parameters, nested ones by their full bracketed name', async () => {
    const top = await stripeError(stripe.customers.create({ nickname: 'x' } as any));
    expect(top.raw).toMatchObject({ code: 'parameter_unknown', param: 'nickname' });
    const product = await stripe.products.create({ name: 'Box' });
    const nested = await stripeError(
      stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: 100,
        recurring: { interval: 'month', every: 2 } as any,
      }),
    );
    expect(nested.statusCode).toBe(400);
    expect(nested.raw).toMatchObject({ code: 'parameter_unknown', param: 'recurring[every]' });
    const retrieve = await stripeError(stripe.products.retrieve(product.id, { colour: 'red' } as any));
    expect(retrieve.raw).toMatchObject({ code: 'parameter_unknown', param: 'colour' });
  });

  it('names a missing or invalid nested parameter in full, not flattened', async () => {
    const product = await stripe.products.create({ name: 'Box' });
    const missing = await stripeError(
      stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: 100,
        recurring: { interval_count: 2 } as any,
      }),
    );
    expect(missing.raw).toMatchObject({ code: 'parameter_missing', param: 'recurring[interval]' });
    const bad = await stripeError(
      stripe.checkout.sessions.create({
        mode: 'payment',
        success_url: 'http://localhost/ok',
        line_items: [
          { price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'A' } }, quantity: 1 },
          { price_data: { currency: 'usd', unit_amount: 'lots' as any, product_data: { name: 'B' } }, quantity: 1 },
        ],
      }),
    );
    expect(bad.raw).toMatchObject({ param: 'line_items[1][price_data][unit_amount]' });
  });
});

describe('objects named in the body', () => {
  it('answer 400 resource_missing with the full bracketed param (404 stays for the URL)', async () => {
    const customer = await customerWithCard();
    const err = await stripeError(
      stripe.subscriptions.create({ customer: customer.id, items: [{ price: 'price_nothere' }] }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.raw).toMatchObject({ code: 'resource_missing', param: 'items[0][price]' });
    expect(err.message).toBe("No such price: 'price_nothere'");
    const noCustomer = await stripeError(
      stripe.paymentIntents.create({ amount: 500, currency: 'usd', customer: 'cus_gone' }),
    );
    expect(noCustomer.statusCode).toBe(400);
    expect(noCustomer.raw).toMatchObject({ code: 'resource_missing', param: 'customer' });
    const inUrl = await stripeError(stripe.customers.retrieve('cus_gone'));
    expect(inUrl.statusCode).toBe(404);
  });
});

describe('documented list filters', () => {
  it('every documented filter of every list endpoint is served by the route (or refused, never ignored)', () => {
    const pagination = ['limit', 'starting_after', 'ending_before', 'expand'];
    const lists = ROUTES.filter(
      (r) => r.method === 'GET' && documented('GET', r.path) && documentedParams('GET', r.path).includes('limit'),
    );
    expect(lists.length).toBeGreaterThanOrEqual(15);
    for (const route of lists) {
      if (route.path.endsWith('/search')) continue;
      const missing = documentedParams('GET', route.path).filter(
        (p) => !pagination.includes(p) && !route.filters?.includes(p),
      );
      expect({ path: route.path, missing }).toEqual({ path: route.path, missing: [] });
    }
  });

  it('products.list({ids}), ({active}), ({shippable})', async () => {
    const a = await stripe.products.create({ name: 'A' });
    const b = await stripe.products.create({ name: 'B', active: false });
    await stripe.products.create({ name: 'C' });
    const byIds = await stripe.products.list({ ids: [a.id, b.id] });
    expect(byIds.data.map((p) => p.id).sort()).toEqual([a.id, b.id].sort());
    const inactive = await stripe.products.list({ active: false });
    expect(inactive.data.map((p) => p.id)).toEqual([b.id]);
  });

  it('prices.list({recurring, type, product, active})', async () => {
    const monthly = await recurringPrice('month');
    const yearly = await recurringPrice('year');
    const once = await stripe.prices.create({ product: monthly.product as string, currency: 'usd', unit_amount: 900 });
    const ids = (list: Stripe.ApiList<Stripe.Price>) => list.data.map((p) => p.id).sort();
    expect(ids(await stripe.prices.list({ recurring: { interval: 'year' } }))).toEqual([yearly.id]);
    expect(ids(await stripe.prices.list({ type: 'one_time' }))).toEqual([once.id]);
    expect(ids(await stripe.prices.list({ product: monthly.product as string }))).toEqual([monthly.id, once.id].sort());
    await stripe.prices.update(once.id, { active: false });
    expect(ids(await stripe.prices.list({ active: false }))).toEqual([once.id]);
    const bad = await stripeError(stripe.prices.list({ recurring: { interval: 'fortnight' as any } }));
    expect(bad.raw).toMatchObject({ param: 'recurring[interval]' });
  });

  it('paymentIntents.list({created, customer})', async () => {
    const customer = await stripe.customers.create({ email: 'c@example.test' });
    const mine = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', customer: customer.id });
    const other = await stripe.paymentIntents.create({ amount: 800, currency: 'usd' });
    const byCustomer = await stripe.paymentIntents.list({ customer: customer.id });
    expect(byCustomer.data.map((p) => p.id)).toEqual([mine.id]);
    const future = await stripe.paymentIntents.list({ created: { gt: other.created + DAY } });
    expect(future.data).toEqual([]);
    const exact = await stripe.paymentIntents.list({ created: { gte: mine.created, lte: other.created } });
    expect(exact.data.map((p) => p.id).sort()).toEqual([mine.id, other.id].sort());
  });

  it('invoices.list({collection_method, status, customer, subscription}) and subscriptions.list({price, created})', async () => {
    const price = await recurringPrice();
    const a = await customerWithCard();
    const b = await customerWithCard();
    const subA = await stripe.subscriptions.create({ customer: a.id, items: [{ price: price.id }] });
    await stripe.subscriptions.create({ customer: b.id, items: [{ price: price.id }] });
    const ids = (list: { data: { id: string }[] }) => list.data.map((x) => x.id);
    expect(ids(await stripe.invoices.list({ collection_method: 'send_invoice' }))).toEqual([]);
    expect((await stripe.invoices.list({ collection_method: 'charge_automatically' })).data).toHaveLength(2);
    expect(ids(await stripe.invoices.list({ subscription: subA.id }))).toEqual([subA.latest_invoice]);
    expect(ids(await stripe.invoices.list({ customer: a.id, status: 'paid' }))).toEqual([subA.latest_invoice]);
    expect(ids(await stripe.invoices.list({ status: 'void' }))).toEqual([]);
    expect((await stripe.subscriptions.list({ price: price.id })).data).toHaveLength(2);
    expect((await stripe.subscriptions.list({ created: { lt: subA.created } })).data).toHaveLength(0);
    expect(ids(await stripe.subscriptions.list({ customer: a.id, collection_method: 'charge_automatically' }))).toEqual(
      [subA.id],
    );
  });
});

describe('search', () => {
  it('customers: equality, metadata, AND/OR, ~ substring; /v1/customers/search is not an id', async () => {
    const ada = await stripe.customers.create({
      email: 'ada@example.test',
      name: 'Ada Lovelace',
      metadata: { plan: 'pro' },
    });
    const bob = await stripe.customers.create({ email: 'bob@example.test', name: 'Bob', metadata: { plan: 'free' } });
    await stripe.customers.create({ email: 'cy@example.test', name: 'Cy' });
    const ids = (r: { data: { id: string }[] }) => r.data.map((x) => x.id).sort();
    const byEmail = await stripe.customers.search({ query: "email:'ada@example.test'" });
    expect(byEmail.object).toBe('search_result');
    expect(ids(byEmail)).toEqual([ada.id]);
    expect(ids(await stripe.customers.search({ query: "metadata['plan']:'free'" }))).toEqual([bob.id]);
    expect(ids(await stripe.customers.search({ query: "metadata['plan']:'pro' OR name:'Bob'" }))).toEqual(
      [ada.id, bob.id].sort(),
    );
    expect(ids(await stripe.customers.search({ query: "metadata['plan']:'pro' AND name:'Bob'" }))).toEqual([]);
    expect(ids(await stripe.customers.search({ query: 'name~"lovel"' }))).toEqual([ada.id]);
    expect(ids(await stripe.customers.search({ query: "-metadata['plan']:null" }))).toEqual([ada.id, bob.id].sort());
    const page = await stripe.customers.search({ query: "email~'example'", limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.has_more).toBe(true);
    const rest = await stripe.customers.search({ query: "email~'example'", limit: 2, page: page.next_page! });
    expect(rest.data).toHaveLength(1);
    const mixed = await stripeError(stripe.customers.search({ query: "name:'a' AND email:'b' OR name:'c'" }));
    expect(mixed.statusCode).toBe(400);
    const unknownField = await stripeError(stripe.customers.search({ query: "colour:'red'" }));
    expect(unknownField.raw).toMatchObject({ param: 'query' });
  });

  it('payment intents, subscriptions, prices, products and invoices are searchable', async () => {
    const price = await recurringPrice('month', 2500);
    const customer = await customerWithCard();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      metadata: { order: '42' },
    });
    const pi = await stripe.paymentIntents.create({ amount: 1234, currency: 'usd', metadata: { order: '7' } });
    const ids = (r: { data: { id: string }[] }) => r.data.map((x) => x.id);
    expect(ids(await stripe.paymentIntents.search({ query: "metadata['order']:'7'" }))).toEqual([pi.id]);
    expect(ids(await stripe.paymentIntents.search({ query: 'amount>1233 AND amount<1235' }))).toEqual([pi.id]);
    expect(ids(await stripe.subscriptions.search({ query: "status:'active' AND metadata['order']:'42'" }))).toEqual([
      sub.id,
    ]);
    expect(ids(await stripe.prices.search({ query: `product:'${price.product}'` }))).toEqual([price.id]);
    expect(ids(await stripe.products.search({ query: "name~'plan'" }))).toEqual([price.product]);
    expect(ids(await stripe.invoices.search({ query: `subscription:'${sub.id}' AND total:2500` }))).toEqual([
      sub.latest_invoice,
    ]);
  });

  it('searches served from the field index follow every change (update, confirm, delete) and stay newest first', async () => {
    const ids = (r: { data: { id: string }[] }) => r.data.map((x) => x.id);
    const first = await stripe.customers.create({ email: 'Same@Example.test', metadata: { tier: 'a' } });
    const second = await stripe.customers.create({ email: 'same@example.test' });
    const q = "email:'same@example.test'";
    expect(ids(await stripe.customers.search({ query: q }))).toEqual([second.id, first.id]);
    expect(ids(await stripe.customers.search({ query: q }))).toEqual([second.id, first.id]);
    await stripe.customers.update(first.id, { email: 'moved@example.test', metadata: { tier: 'b' } });
    expect(ids(await stripe.customers.search({ query: q }))).toEqual([second.id]);
    expect(ids(await stripe.customers.search({ query: "email:'moved@example.test'" }))).toEqual([first.id]);
    expect(ids(await stripe.customers.search({ query: "metadata['tier']:'a'" }))).toEqual([]);
    expect(
      ids(await stripe.customers.search({ query: "metadata['tier']:'b' AND email:'moved@example.test'" })),
    ).toEqual([first.id]);
    await stripe.customers.del(second.id);
    expect(ids(await stripe.customers.search({ query: q }))).toEqual([]);
    const pi = await stripe.paymentIntents.create({ amount: 999, currency: 'usd' });
    expect(ids(await stripe.paymentIntents.search({ query: "status:'requires_payment_method'" }))).toContain(pi.id);
    await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    expect(ids(await stripe.paymentIntents.search({ query: "status:'requires_payment_method'" }))).not.toContain(pi.id);
    expect(ids(await stripe.paymentIntents.search({ query: "status:'succeeded'" }))).toContain(pi.id);
  });
});

describe('subscriptions', () => {
  const start = Date.UTC(2026, 2, 1, 12) / 1000;

  it('sends customer.subscription.trial_will_end three days before a trial ends on a test clock', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
    const customer = await customerWithCard(clock.id);
    const price = await recurringPrice();
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 14,
    });
    const notices = async () =>
      (await stripe.events.list({ type: 'customer.subscription.trial_will_end' })).data.filter(
        (e) => (e.data.object as Stripe.Subscription).id === sub.id,
      );
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 10 * DAY });
    expect(await notices()).toHaveLength(0);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 11 * DAY + 60 });
    const sent = await notices();
    expect(sent).toHaveLength(1);
    expect(sent[0].created).toBe(start + 11 * DAY);
    expect((sent[0].data.object as Stripe.Subscription).status).toBe('trialing');
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 20 * DAY });
    expect(await notices()).toHaveLength(1);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
  });

  it('update with items and proration_behavior changes the plan and bills the difference', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
    const customer = await customerWithCard(clock.id);
    const monthly = await recurringPrice('month', 1000);
    const better = await stripe.prices.create({
      product: monthly.product as string,
      currency: 'usd',
      unit_amount: 3000,
      recurring: { interval: 'month' },
    });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const updated = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: better.id, quantity: 2 }],
      proration_behavior: 'always_invoice',
    });
    expect(updated.items.data).toHaveLength(1);
    expect(updated.items.data[0]).toMatchObject({ price: { id: better.id }, quantity: 2 });
    expect(updated.latest_invoice).not.toBe(sub.latest_invoice);
    const invoice = await stripe.invoices.retrieve(updated.latest_invoice as string);
    expect(invoice.billing_reason).toBe('subscription_update');
    expect(invoice.lines.data.map((l) => l.amount).sort((a, b) => a - b)).toEqual([-1000, 6000]);
    expect(invoice.status).toBe('paid');
  });

  it('pause_collection voids renewal invoices until resumed, and clears at resumes_at', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
    const customer = await customerWithCard(clock.id);
    const price = await recurringPrice('month', 1000);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const resumesAt = start + 45 * DAY;
    const paused = await stripe.subscriptions.update(sub.id, {
      pause_collection: { behavior: 'void', resumes_at: resumesAt },
    });
    expect(paused.pause_collection).toEqual({ behavior: 'void', resumes_at: resumesAt });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 32 * DAY });
    const renewal = await stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string,
    );
    expect(renewal).toMatchObject({ billing_reason: 'subscription_cycle', status: 'void', amount_paid: 0 });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 46 * DAY });
    const resumed = await stripe.subscriptions.retrieve(sub.id);
    expect(resumed.pause_collection).toBeNull();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 62 * DAY });
    const next = await stripe.invoices.retrieve((await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string);
    expect(next).toMatchObject({ status: 'paid', amount_paid: 1000 });
    const cleared = await stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'keep_as_draft' } });
    expect(cleared.pause_collection?.behavior).toBe('keep_as_draft');
    expect((await stripe.subscriptions.update(sub.id, { pause_collection: '' })).pause_collection).toBeNull();
    const bad = await stripeError(
      stripe.subscriptions.update(sub.id, { pause_collection: { behavior: 'nap' as any } }),
    );
    expect(bad.raw).toMatchObject({ param: 'pause_collection[behavior]' });
  });
});
