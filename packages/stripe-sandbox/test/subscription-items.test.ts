import { describe, expect, it } from 'vitest';
import { sandboxWithFreshAccount, stripeError, subscribedCustomer } from './helpers';

const env = sandboxWithFreshAccount();

describe('subscription items', () => {
  it('adds, changes, lists and removes items one at a time, prorating like subscriptions.update', async () => {
    const {
      product,
      price: base,
      sub,
    } = await subscribedCustomer(env.stripe, { product: 'Team', unitAmount: 1000, email: 'team@example.test' });
    const seat = await env.stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 500,
      recurring: { interval: 'month' },
    });
    const seats = await env.stripe.subscriptionItems.create({
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
    const invoice = await env.stripe.invoices.retrieve(
      (await env.stripe.subscriptions.retrieve(sub.id)).latest_invoice as string,
    );
    expect(invoice.billing_reason).toBe('subscription_update');
    expect(invoice.status).toBe('paid');
    const listed = await env.stripe.subscriptionItems.list({ subscription: sub.id });
    expect(listed.data.map((i) => i.price.id)).toEqual([base.id, seat.id]);
    const more = await env.stripe.subscriptionItems.update(seats.id, { quantity: 5, proration_behavior: 'none' });
    expect(more.quantity).toBe(5);
    expect((await env.stripe.subscriptionItems.retrieve(seats.id)).quantity).toBe(5);
    expect(await env.stripe.subscriptionItems.del(seats.id)).toMatchObject({ id: seats.id, deleted: true });
    expect((await env.stripe.subscriptions.retrieve(sub.id)).items.data.map((i) => i.id)).toEqual([
      sub.items.data[0].id,
    ]);
    const last = await stripeError(env.stripe.subscriptionItems.del(sub.items.data[0].id));
    expect(last.statusCode).toBe(400);
    const missing = await stripeError(
      env.stripe.subscriptionItems.create({ subscription: sub.id, price: 'price_gone' }),
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.raw).toMatchObject({ code: 'resource_missing', param: 'price' });
    const noSub = await stripeError(env.stripe.subscriptionItems.list({ subscription: 'sub_gone' }));
    expect(noSub.raw).toMatchObject({ code: 'resource_missing', param: 'subscription' });
    expect((await stripeError(env.stripe.subscriptionItems.retrieve('si_gone'))).statusCode).toBe(404);
  });
});
