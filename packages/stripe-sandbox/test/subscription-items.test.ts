import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { bootSandbox, newClient, stripeError } from './helpers';

let sandbox: Sandbox;
let stripe: Stripe;
beforeAll(async () => {
  sandbox = await bootSandbox();
});
beforeEach(async () => {
  ({ stripe } = await newClient(sandbox));
});
afterAll(() => sandbox.close());

describe('subscription items', () => {
  it('adds, changes, lists and removes items one at a time, prorating like subscriptions.update', async () => {
    const product = await stripe.products.create({ name: 'Team' });
    const base = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 1000,
      recurring: { interval: 'month' },
    });
    const seat = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 500,
      recurring: { interval: 'month' },
    });
    const customer = await stripe.customers.create({ email: 'team@example.test' });
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: base.id }],
      default_payment_method: pm.id,
    });
    const seats = await stripe.subscriptionItems.create({
      subscription: sub.id,
      price: seat.id,
      quantity: 3,
      proration_behavior: 'always_invoice',
    });
    expect(seats).toMatchObject({
      object: 'subscription_item',
      price: { id: seat.id },
      quantity: 3,
      subscription: sub.id,
    });
    const invoice = await stripe.invoices.retrieve(
      (await stripe.subscriptions.retrieve(sub.id)).latest_invoice as string,
    );
    expect(invoice.billing_reason).toBe('subscription_update');
    expect(invoice.status).toBe('paid');
    const listed = await stripe.subscriptionItems.list({ subscription: sub.id });
    expect(listed.data.map((i) => i.price.id)).toEqual([base.id, seat.id]);
    const more = await stripe.subscriptionItems.update(seats.id, { quantity: 5, proration_behavior: 'none' });
    expect(more.quantity).toBe(5);
    expect((await stripe.subscriptionItems.retrieve(seats.id)).quantity).toBe(5);
    expect(await stripe.subscriptionItems.del(seats.id)).toMatchObject({ id: seats.id, deleted: true });
    expect((await stripe.subscriptions.retrieve(sub.id)).items.data.map((i) => i.id)).toEqual([sub.items.data[0].id]);
    const last = await stripeError(stripe.subscriptionItems.del(sub.items.data[0].id));
    expect(last.statusCode).toBe(400);
    const missing = await stripeError(stripe.subscriptionItems.create({ subscription: sub.id, price: 'price_gone' }));
    expect(missing.statusCode).toBe(400);
    expect(missing.raw).toMatchObject({ code: 'resource_missing', param: 'price' });
    const noSub = await stripeError(stripe.subscriptionItems.list({ subscription: 'sub_gone' }));
    expect(noSub.raw).toMatchObject({ code: 'resource_missing', param: 'subscription' });
    expect((await stripeError(stripe.subscriptionItems.retrieve('si_gone'))).statusCode).toBe(404);
  });
});
