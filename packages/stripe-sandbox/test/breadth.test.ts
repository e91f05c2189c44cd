import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { bootSandbox, newClient, stripeError } from './helpers';

// Issue 18, sandbox breadth: Checkout setup mode, invoice items, invoice previews, portal configurations with
// plan switching, subscription discounts on invoices, and proration credits — all through the official SDK.
let sandbox: Sandbox;
let stripe: Stripe;
beforeAll(async () => {
  sandbox = await bootSandbox();
});
beforeEach(async () => {
  ({ stripe } = await newClient(sandbox));
});
afterAll(() => sandbox.close());

function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  };
}

async function plan(name: string, amounts: { monthly: number; yearly?: number }) {
  const product = await stripe.products.create({ name });
  const monthly = await stripe.prices.create({
    product: product.id,
    currency: 'usd',
    unit_amount: amounts.monthly,
    recurring: { interval: 'month' },
  });
  const yearly = amounts.yearly
    ? await stripe.prices.create({
        product: product.id,
        currency: 'usd',
        unit_amount: amounts.yearly,
        recurring: { interval: 'year' },
      })
    : null;
  return { product, monthly, yearly };
}

/** A customer on a test clock with a card, so renewals can be driven. */
async function clockedCustomer(email: string) {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  const customer = await stripe.customers.create({ email, test_clock: clock.id });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { clock, customer };
}

async function advance(clock: Stripe.TestHelpers.TestClock, to: number) {
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: to });
}

describe('Checkout in setup mode', () => {
  it('saves a card through a SetupIntent that later pays off-session; a declining card is refused', async () => {
    const customer = await stripe.customers.create({ email: 'saver@example.test' });
    const session = await stripe.checkout.sessions.create({
      mode: 'setup',
      customer: customer.id,
      currency: 'usd',
      success_url: 'http://localhost/saved?cs={CHECKOUT_SESSION_ID}',
    });
    expect(session).toMatchObject({
      mode: 'setup',
      amount_total: null,
      payment_status: 'no_payment_required',
      status: 'open',
    });
    expect(String(session.setup_intent)).toMatch(/^seti_/);
    const page = await (await fetch(session.url!)).text();
    expect(page).toContain('Save card');
    expect(page).toContain('Nothing is charged now');

    const declined = sandbox.payCheckoutSession(session.id, { number: '4000000000000002' }) as any;
    expect(declined.outcome).toBe('declined');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');

    const paid = sandbox.payCheckoutSession(session.id) as any;
    expect(paid).toEqual({ outcome: 'succeeded', redirectUrl: `http://localhost/saved?cs=${session.id}` });
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['setup_intent'] });
    expect(done.status).toBe('complete');
    const si = done.setup_intent as Stripe.SetupIntent;
    expect(si).toMatchObject({ status: 'succeeded', customer: customer.id });
    const saved = await stripe.paymentMethods.retrieve(String(si.payment_method));
    expect(saved.customer).toBe(customer.id);
    const charge = await stripe.paymentIntents.create({
      amount: 2500,
      currency: 'usd',
      customer: customer.id,
      payment_method: saved.id,
      off_session: true,
      confirm: true,
    });
    expect(charge.status).toBe('succeeded');
    const types = (await stripe.events.list({ limit: 100 })).data.map((e) => e.type);
    expect(types).toContain('setup_intent.succeeded');
    expect(types).toContain('checkout.session.completed');

    const withItems = await stripeError(
      stripe.checkout.sessions.create({
        mode: 'setup',
        success_url: 'http://localhost/ok',
        line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'X' } }, quantity: 1 }],
      }),
    );
    expect(withItems.raw).toMatchObject({ param: 'line_items' });
  });
});

describe('invoice items', () => {
  it('are created, listed, changed and deleted, and the next renewal invoice bills the pending ones', async () => {
    const { product, monthly } = await plan('Basic', { monthly: 1000 });
    const { clock, customer } = await clockedCustomer('items@example.test');
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const setupFee = await stripe.invoiceItems.create({
      customer: customer.id,
      amount: 700,
      currency: 'usd',
      description: 'Set-up fee',
    });
    expect(setupFee).toMatchObject({ object: 'invoiceitem', amount: 700, invoice: null, proration: false });
    const extra = await stripe.invoiceItems.create({
      customer: customer.id,
      pricing: { price: (await stripe.prices.create({ product: product.id, currency: 'usd', unit_amount: 300 })).id },
      quantity: 2,
    });
    expect(extra).toMatchObject({ amount: 600, quantity: 2, description: 'Basic' });
    const dropped = await stripe.invoiceItems.create({ customer: customer.id, amount: 5000, currency: 'usd' });
    expect((await stripe.invoiceItems.update(extra.id, { quantity: 3 })).amount).toBe(900);
    expect(await stripe.invoiceItems.del(dropped.id)).toMatchObject({ id: dropped.id, deleted: true });
    const pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data.map((i) => i.id).sort()).toEqual([setupFee.id, extra.id].sort());

    await advance(clock, sub.items.data[0].current_period_end + 60);
    const renewal = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0];
    expect(renewal.billing_reason).toBe('subscription_cycle');
    expect(renewal.total).toBe(1000 + 700 + 900);
    expect(renewal.status).toBe('paid');
    expect((await stripe.invoiceItems.retrieve(setupFee.id)).invoice).toBe(renewal.id);
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toEqual([]);
    const late = await stripeError(stripe.invoiceItems.update(setupFee.id, { amount: 1 }));
    expect(late.statusCode).toBe(400);
    const noCustomer = await stripeError(
      stripe.invoiceItems.create({ customer: 'cus_gone', amount: 1, currency: 'usd' }),
    );
    expect(noCustomer.raw).toMatchObject({ code: 'resource_missing', param: 'customer' });
  });
});

describe('invoice previews (create_preview)', () => {
  it('previews a plan change with prorations and the next renewal without changing anything', async () => {
    const { monthly } = await plan('Basic', { monthly: 1000 });
    const pro = await plan('Pro', { monthly: 3000 });
    const { customer } = await clockedCustomer('preview@example.test');
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    const item = sub.items.data[0];
    const half = item.current_period_start + Math.floor((item.current_period_end - item.current_period_start) / 2);
    const fraction = (item.current_period_end - half) / (item.current_period_end - item.current_period_start);
    const eventsBefore = (await stripe.events.list({ limit: 100 })).data.length;

    const preview = await stripe.invoices.createPreview({
      customer: customer.id,
      subscription: sub.id,
      subscription_details: {
        items: [{ id: item.id, price: pro.monthly.id }],
        proration_date: half,
      },
    });
    expect(preview.id).toMatch(/^upcoming_in_/);
    expect(preview.billing_reason).toBe('upcoming');
    const amounts = preview.lines.data.map((l) => l.amount).sort((a, b) => a - b);
    expect(amounts).toEqual([-Math.round(1000 * fraction), Math.round(3000 * fraction), 3000]);
    expect(preview.total).toBe(3000 - Math.round(1000 * fraction) + Math.round(3000 * fraction));

    const now = await stripe.invoices.createPreview({
      subscription: sub.id,
      subscription_details: {
        items: [{ id: item.id, price: pro.monthly.id }],
        proration_date: half,
        proration_behavior: 'always_invoice',
      },
      invoice_items: [{ amount: 250, currency: 'usd', description: 'Add-on' }],
    });
    expect(now.billing_reason).toBe('subscription_update');
    expect(now.total).toBe(250 - Math.round(1000 * fraction) + Math.round(3000 * fraction));

    // Nothing happened for real.
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data[0].price.id).toBe(monthly.id);
    expect((await stripe.invoiceItems.list({ customer: customer.id })).data).toEqual([]);
    expect((await stripe.invoices.list({ customer: customer.id })).data).toHaveLength(1);
    expect((await stripe.events.list({ limit: 100 })).data.length).toBe(eventsBefore);

    await stripe.invoiceItems.create({ customer: customer.id, amount: 400, currency: 'usd' });
    const pendingOnly = await stripe.invoices.createPreview({ customer: customer.id });
    expect(pendingOnly).toMatchObject({ total: 400, billing_reason: 'manual', parent: null });
    const unserved = await stripeError(
      stripe.invoices.createPreview({ subscription: sub.id, subscription_details: { cancel_at_period_end: true } }),
    );
    expect(unserved.raw).toMatchObject({
      code: 'parameter_unknown',
      param: 'subscription_details[cancel_at_period_end]',
    });
    const missing = await stripeError(stripe.invoices.createPreview({ subscription: 'sub_gone' }));
    expect(missing.raw).toMatchObject({ code: 'resource_missing', param: 'subscription' });
  });
});

describe('subscription discounts on invoices', () => {
  it('a once coupon discounts the first invoice only; a repeating one its months; Checkout carries its code', async () => {
    const { monthly } = await plan('Basic', { monthly: 2000 });
    const once = await stripe.coupons.create({ percent_off: 50, duration: 'once' });
    const { clock, customer } = await clockedCustomer('once@example.test');
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: monthly.id }],
      discounts: [{ coupon: once.id }],
    });
    expect(sub.discounts).toHaveLength(1);
    const first = await stripe.invoices.retrieve(String(sub.latest_invoice));
    expect(first).toMatchObject({ subtotal: 2000, total: 1000, amount_paid: 1000 });
    expect(first.total_discount_amounts).toEqual([{ amount: 1000, discount: sub.discounts[0] }]);
    expect(first.lines.data[0].discount_amounts).toEqual([{ amount: 1000, discount: sub.discounts[0] }]);
    expect((await stripe.coupons.retrieve(once.id)).times_redeemed).toBe(1);
    await advance(clock, sub.items.data[0].current_period_end + 60);
    const second = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0];
    expect(second).toMatchObject({ billing_reason: 'subscription_cycle', total: 2000, discounts: [] });
    expect((await stripe.subscriptions.retrieve(sub.id)).discounts).toEqual([]);

    const twoMonths = await stripe.coupons.create({
      amount_off: 500,
      currency: 'usd',
      duration: 'repeating',
      duration_in_months: 2,
    });
    const other = await clockedCustomer('repeat@example.test');
    const repeating = await stripe.subscriptions.create({
      customer: other.customer.id,
      items: [{ price: monthly.id }],
      discounts: [{ coupon: twoMonths.id }],
    });
    let end = repeating.items.data[0].current_period_end;
    await advance(other.clock, end + 60);
    end = (await stripe.subscriptions.retrieve(repeating.id)).items.data[0].current_period_end;
    await advance(other.clock, end + 60);
    const totals = (await stripe.invoices.list({ subscription: repeating.id })).data.map((i) => i.total).reverse();
    expect(totals).toEqual([1500, 1500, 2000]);

    const code = await stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: (await stripe.coupons.create({ percent_off: 25, duration: 'forever' })).id },
      code: 'QUARTER',
    });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      success_url: 'http://localhost/ok',
      line_items: [{ price: monthly.id, quantity: 1 }],
      discounts: [{ promotion_code: code.id }],
    });
    expect(session.amount_total).toBe(1500);
    expect((sandbox.payCheckoutSession(session.id) as any).outcome).toBe('succeeded');
    const done = await stripe.checkout.sessions.retrieve(session.id);
    const bought = await stripe.subscriptions.retrieve(String(done.subscription), { expand: ['discounts'] });
    expect((bought.discounts[0] as Stripe.Discount).promotion_code).toBe(code.id);
    const invoice = await stripe.invoices.retrieve(String(bought.latest_invoice));
    expect(invoice).toMatchObject({ subtotal: 2000, total: 1500, amount_paid: 1500 });
    expect((await stripe.promotionCodes.retrieve(code.id)).times_redeemed).toBe(1);
  });
});

describe('proration credits', () => {
  it('credits a lowered quantity and a removed item (subscriptions.update and subscription_items.del)', async () => {
    const base = await plan('Base', { monthly: 1000 });
    const seats = await plan('Seat', { monthly: 500 });
    const extras = await plan('Extra', { monthly: 800 });
    const { clock, customer } = await clockedCustomer('credit@example.test');
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: base.monthly.id }, { price: seats.monthly.id, quantity: 3 }, { price: extras.monthly.id }],
    });
    const [, seatItem, extraItem] = sub.items.data;
    const { current_period_start: start, current_period_end: end } = seatItem;
    const half = start + Math.floor((end - start) / 2);
    const f = (end - half) / (end - start);

    await stripe.subscriptions.update(sub.id, { items: [{ id: seatItem.id, quantity: 1 }], proration_date: half });
    let pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(pending.data.map((i) => [i.amount, i.proration]).sort()).toEqual(
      [
        [-Math.round(1500 * f), true],
        [Math.round(500 * f), true],
      ].sort(),
    );

    await stripe.subscriptions.update(sub.id, { items: [{ id: seatItem.id, deleted: true }], proration_date: half });
    const afterRemoval = await stripe.subscriptions.retrieve(sub.id);
    expect(afterRemoval.items.data.map((i) => i.id)).toEqual([sub.items.data[0].id, extraItem.id]);
    await stripe.subscriptionItems.del(extraItem.id, { proration_date: half } as any);
    pending = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    const credits = pending.data.map((i) => i.amount).sort((a, b) => a - b);
    expect(credits).toEqual(
      [-Math.round(1500 * f), -Math.round(800 * f), -Math.round(500 * f), Math.round(500 * f)].sort((a, b) => a - b),
    );
    expect(pending.data.find((i) => i.amount === -Math.round(800 * f))?.description).toBe('Unused time on Extra');

    await advance(clock, end + 60);
    const renewal = (await stripe.invoices.list({ subscription: sub.id, limit: 1 })).data[0];
    const prorated = credits.reduce((a, b) => a + b, 0);
    expect(renewal.subtotal).toBe(1000 + prorated);
    expect(renewal.lines.data.filter((l) => l.parent?.invoice_item_details?.proration)).toHaveLength(4);

    const none = await stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, quantity: 2 }],
      proration_behavior: 'none',
    });
    expect(none.items.data[0].quantity).toBe(2);
    expect((await stripe.invoiceItems.list({ customer: customer.id, pending: true })).data).toEqual([]);
    const last = await stripeError(
      stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0].id, deleted: true }] }),
    );
    expect(last.statusCode).toBe(400);
  });
});

describe('customer portal configurations', () => {
  it('a configuration offers plan switching (prorated) and decides how canceling works', async () => {
    const gold = await plan('Gold', { monthly: 1900, yearly: 19000 });
    const other = await plan('Other', { monthly: 100 });
    const { customer } = await clockedCustomer('switch@example.test');
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: gold.monthly.id }] });
    const config = await stripe.billingPortal.configurations.create({
      business_profile: { headline: 'Gold club' },
      features: {
        subscription_update: {
          enabled: true,
          default_allowed_updates: ['price'],
          products: [{ product: gold.product.id, prices: [gold.monthly.id, gold.yearly!.id] }],
          proration_behavior: 'always_invoice',
        },
        subscription_cancel: { enabled: true, mode: 'immediately' },
      },
    });
    expect(config).toMatchObject({ object: 'billing_portal.configuration', is_default: false, active: true });
    const all = await stripe.billingPortal.configurations.list();
    expect(all.data.filter((c) => c.is_default)).toHaveLength(1);
    expect((await stripe.billingPortal.configurations.retrieve(config.id)).features.subscription_update.enabled).toBe(
      true,
    );

    const session = await stripe.billingPortal.sessions.create({ customer: customer.id, configuration: config.id });
    expect(session.configuration).toBe(config.id);
    const page = await (await fetch(session.url)).text();
    expect(page).toContain('Gold club');
    expect(page).toContain('Switch to Gold – $190.00 / year');
    const refused = await fetch(session.url, form({ subscription: sub.id, action: 'switch', price: other.monthly.id }));
    expect(refused.status).toBe(403);
    const switched = await fetch(session.url, form({ subscription: sub.id, action: 'switch', price: gold.yearly!.id }));
    expect(await switched.text()).toContain('Your plan is now Gold ($190.00 / year).');
    const after = await stripe.subscriptions.retrieve(sub.id);
    expect(after.items.data[0].price.id).toBe(gold.yearly!.id);
    const invoice = await stripe.invoices.retrieve(String(after.latest_invoice));
    expect(invoice.billing_reason).toBe('subscription_update');
    expect(invoice.lines.data.map((l) => l.description)).toEqual(['Unused time on Gold', 'Remaining time on Gold']);

    await fetch(session.url, form({ subscription: sub.id, action: 'cancel' }));
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');

    const noCancel = await stripe.billingPortal.configurations.create({
      features: { subscription_cancel: { enabled: false } },
    });
    const sub2 = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: gold.monthly.id }] });
    const s2 = await stripe.billingPortal.sessions.create({ customer: customer.id, configuration: noCancel.id });
    const page2 = await (await fetch(s2.url)).text();
    expect(page2).not.toContain('Cancel plan');
    expect(page2).not.toContain('Switch to');
    expect((await fetch(s2.url, form({ subscription: sub2.id, action: 'cancel' }))).status).toBe(403);
    expect((await stripe.subscriptions.retrieve(sub2.id)).cancel_at_period_end).toBe(false);

    const updated = await stripe.billingPortal.configurations.update(noCancel.id, { active: false });
    expect(updated.active).toBe(false);
    const inactive = await stripeError(
      stripe.billingPortal.sessions.create({ customer: customer.id, configuration: noCancel.id }),
    );
    expect(inactive.raw).toMatchObject({ param: 'configuration' });
    const missing = await stripeError(
      stripe.billingPortal.sessions.create({ customer: customer.id, configuration: 'bpc_gone' }),
    );
    expect(missing.raw).toMatchObject({ code: 'resource_missing', param: 'configuration' });
    const noProducts = await stripeError(
      stripe.billingPortal.configurations.create({
        features: { subscription_update: { enabled: true, default_allowed_updates: ['price'], products: '' } },
      } as any),
    );
    expect(noProducts.raw).toMatchObject({ param: 'features[subscription_update][products]' });
  });
});
