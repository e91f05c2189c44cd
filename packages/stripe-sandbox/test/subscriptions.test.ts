import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index';
import { bootSandbox, newClient, sdk, stripeError, waitFor } from './helpers';

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

async function monthlyPrice(amount = 1500) {
  const product = await stripe.products.create({ name: 'Membership' });
  return stripe.prices.create({
    product: product.id,
    unit_amount: amount,
    currency: 'usd',
    recurring: { interval: 'month' },
  });
}

async function customerOnClock(start: number, pm = 'pm_card_visa') {
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start, name: 'billing' });
  const customer = await stripe.customers.create({ email: 'sub@example.test', test_clock: clock.id });
  const method = await stripe.paymentMethods.attach(pm, { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: method.id } });
  return { clock, customer, method };
}

async function advance(clockId: string, to: number) {
  const advancing = await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: to });
  expect(advancing.status).toBe('advancing');
  const ready = await stripe.testHelpers.testClocks.retrieve(clockId);
  expect(ready).toMatchObject({ status: 'ready', frozen_time: to });
}

const start = Date.UTC(2026, 0, 15, 12) / 1000;

describe('subscriptions', () => {
  it('creates an active subscription with a paid first invoice, period on the item', async () => {
    const price = await monthlyPrice();
    const { customer, method } = await customerOnClock(start);
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: method.id,
      metadata: { plan: 'gold' },
      expand: ['latest_invoice'],
    });
    expect(sub).toMatchObject({
      object: 'subscription',
      status: 'active',
      customer: customer.id,
      cancel_at_period_end: false,
    });
    const item = sub.items.data[0];
    expect(item.id).toMatch(/^si_/);
    expect(item.current_period_start).toBe(start);
    expect(item.current_period_end).toBe(Date.UTC(2026, 1, 15, 12) / 1000);
    const invoice = sub.latest_invoice as Stripe.Invoice;
    expect(invoice).toMatchObject({
      object: 'invoice',
      status: 'paid',
      billing_reason: 'subscription_create',
      amount_paid: 1500,
    });
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    const piId = invoice.payments?.data[0].payment.payment_intent as string;
    expect(await stripe.paymentIntents.retrieve(piId)).toMatchObject({ status: 'succeeded', amount: 1500 });
    expect((await stripe.subscriptions.list({ customer: customer.id })).data.map((s) => s.id)).toEqual([sub.id]);
  });

  it('starts a trial, cancels at period end, cancels now', async () => {
    const price = await monthlyPrice();
    const { customer } = await customerOnClock(start);
    const trial = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      trial_period_days: 14,
    });
    expect(trial).toMatchObject({ status: 'trialing', trial_start: start, trial_end: start + 14 * DAY });
    const updated = await stripe.subscriptions.update(trial.id, { cancel_at_period_end: true });
    expect(updated).toMatchObject({ cancel_at_period_end: true, cancel_at: start + 14 * DAY });
    const canceled = await stripe.subscriptions.cancel(trial.id);
    expect(canceled).toMatchObject({ status: 'canceled', ended_at: start });
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'canceled' })).data).toHaveLength(1);
  });

  it('stays incomplete when the first payment is declined (allow_incomplete)', async () => {
    const price = await monthlyPrice();
    const { customer, method } = await customerOnClock(start, 'pm_card_chargeCustomerFail');
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: method.id,
    });
    expect(sub.status).toBe('incomplete');
    const err = await stripeError(
      stripe.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        payment_behavior: 'error_if_incomplete',
      }),
    );
    expect(err.statusCode).toBe(402);
    await advance(
      ((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).test_clock as string,
      start + DAY,
    );
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('incomplete_expired');
  });

  it('renews on a test clock: three periods give three paid cycle invoices and the events in order', async () => {
    const price = await monthlyPrice(2000);
    const { clock, customer } = await customerOnClock(start);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    expect(sub.status).toBe('active');
    const firstEvent = (await stripe.events.list({ limit: 1 })).data[0].id;
    await advance(clock.id, Date.UTC(2026, 3, 16, 12) / 1000);
    const invoices = await stripe.invoices.list({ subscription: sub.id, limit: 10 });
    const cycles = invoices.data.filter((i) => i.billing_reason === 'subscription_cycle').reverse();
    expect(cycles).toHaveLength(3);
    expect(cycles.every((i) => i.status === 'paid' && i.amount_paid === 2000)).toBe(true);
    expect(cycles.map((i) => i.period_start)).toEqual([2, 3, 4].map((m) => Date.UTC(2026, m - 1, 15, 12) / 1000));
    const renewed = await stripe.subscriptions.retrieve(sub.id);
    expect(renewed.status).toBe('active');
    expect(renewed.items.data[0].current_period_start).toBe(Date.UTC(2026, 3, 15, 12) / 1000);
    expect(renewed.latest_invoice).toBe(cycles[2].id);
    const events: Stripe.Event[] = [];
    for await (const e of stripe.events.list({ ending_before: firstEvent, limit: 100 })) events.push(e);
    const types = events
      .map((e) => e.type)
      .filter((t) => t !== 'test_helpers.test_clock.advancing' && t !== 'test_helpers.test_clock.ready');
    const oneCycle = [
      'customer.subscription.updated',
      'invoice.created',
      'payment_intent.created',
      'invoice.finalized',
      'charge.succeeded',
      'payment_intent.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
    ];
    expect(types).toEqual([...oneCycle, ...oneCycle, ...oneCycle]);
    const update = events.find((e) => e.type === 'customer.subscription.updated')!;
    expect(update.data.previous_attributes).toHaveProperty('items');
  });

  it('moves to past_due with invoice.payment_failed when the default card declines, and recovers', async () => {
    const price = await monthlyPrice();
    const { clock, customer } = await customerOnClock(start);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    await advance(clock.id, Date.UTC(2026, 1, 15, 13) / 1000);
    const pastDue = await stripe.subscriptions.retrieve(sub.id);
    expect(pastDue.status).toBe('past_due');
    const failed = await stripe.events.list({ type: 'invoice.payment_failed' });
    expect(failed.data).toHaveLength(1);
    const invoice = failed.data[0].data.object as Stripe.Invoice;
    expect(invoice).toMatchObject({ status: 'open', attempt_count: 1, billing_reason: 'subscription_cycle' });
    expect(invoice.next_payment_attempt).toBe(Date.UTC(2026, 1, 15, 12) / 1000 + 3 * DAY);
    const statusChange = (await stripe.events.list({ type: 'customer.subscription.updated', limit: 1 })).data[0];
    expect(statusChange.data.previous_attributes).toMatchObject({ status: 'active' });
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const paid = await stripe.invoices.pay(invoice.id, { payment_method: visa.id });
    expect(paid.status).toBe('paid');
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
  });

  it('marks unpaid instead of canceling when the account says so, and updates invoices', async () => {
    const { stripe: own, accountId } = await newClient(sandbox);
    stripe = own;
    sandbox.setFailedRenewalBehavior('unpaid', accountId);
    const price = await monthlyPrice();
    const { clock, customer } = await customerOnClock(start);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const invoice = await stripe.invoices.update(sub.latest_invoice as string, { metadata: { po: '77' } });
    expect(invoice.metadata).toEqual({ po: '77' });
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    await advance(clock.id, Date.UTC(2026, 1, 25, 12) / 1000);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('unpaid');
    expect((await stripe.testHelpers.testClocks.list()).data.map((c) => c.id)).toEqual([clock.id]);
  });

  it('renews subscriptions without a test clock in real time', async () => {
    const own = await startSandbox({ port: 0, renewalCheckMs: 100 });
    try {
      const client = sdk(own, 'sk_test_tillflow_sandbox');
      const product = await client.products.create({ name: 'Daily' });
      const price = await client.prices.create({
        product: product.id,
        unit_amount: 300,
        currency: 'usd',
        recurring: { interval: 'day' },
      });
      const customer = await client.customers.create({ email: 'rt@example.test', payment_method: 'pm_card_visa' });
      const pm = (await client.customers.listPaymentMethods(customer.id)).data[0];
      const trialEnd = Math.floor(Date.now() / 1000) + 1;
      const sub = await client.subscriptions.create({
        customer: customer.id,
        items: [{ price: price.id }],
        trial_end: trialEnd,
        default_payment_method: pm.id,
      });
      expect(sub.status).toBe('trialing');
      const renewed = await waitFor(async () => {
        const s = await client.subscriptions.retrieve(sub.id);
        return s.status === 'active' ? s : undefined;
      }, 5000);
      expect(renewed.items.data[0].current_period_start).toBe(trialEnd);
      const invoices = await client.invoices.list({ subscription: sub.id });
      expect(invoices.data[0]).toMatchObject({
        billing_reason: 'subscription_cycle',
        status: 'paid',
        amount_paid: 300,
      });
    } finally {
      await own.close();
    }
  });

  it('cancels after the last failed retry (or marks unpaid when configured)', async () => {
    const price = await monthlyPrice();
    const { clock, customer } = await customerOnClock(start);
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });
    const failing = await stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    await advance(clock.id, Date.UTC(2026, 1, 25, 12) / 1000);
    const ended = await stripe.subscriptions.retrieve(sub.id);
    expect(ended.status).toBe('canceled');
    expect((await stripe.events.list({ type: 'invoice.payment_failed' })).data).toHaveLength(4);
    expect((await stripe.events.list({ type: 'customer.subscription.deleted' })).data).toHaveLength(1);
  });
});
