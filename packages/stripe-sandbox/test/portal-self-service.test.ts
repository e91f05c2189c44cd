import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { sandboxWithFreshAccount, subscribedCustomer } from './helpers';

const env = sandboxWithFreshAccount();

function post(url: string, fields: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** The types of the events since `since` (an event id), oldest first, with their previous attributes. */
async function eventsSince(since: string | undefined): Promise<Stripe.Event[]> {
  const { data } = await env.stripe.events.list({ limit: 100, ...(since ? { ending_before: since } : {}) });
  return data.reverse();
}

async function lastEventId(): Promise<string | undefined> {
  return (await env.stripe.events.list({ limit: 1 })).data[0]?.id;
}

async function portalFor(customer: string, features?: Stripe.BillingPortal.ConfigurationCreateParams.Features) {
  const configuration = features ? (await env.stripe.billingPortal.configurations.create({ features })).id : undefined;
  return env.stripe.billingPortal.sessions.create({ customer, configuration });
}

describe('customer portal self-service, each only when the configuration allows it', () => {
  it('changes the quantity (prorated as configured) and says so in customer.subscription.updated', async () => {
    const { customer, sub } = await subscribedCustomer(env.stripe, {
      product: 'Seats',
      unitAmount: 1000,
      email: 'seats@example.test',
    });
    const plain = await portalFor(customer.id);
    expect(await (await fetch(plain.url)).text()).not.toContain('Update quantity');
    const refused = await post(plain.url, { subscription: sub.id, action: 'quantity', quantity: '3' });
    expect(refused.status).toBe(403);
    expect((await env.stripe.subscriptions.retrieve(sub.id)).items.data[0].quantity).toBe(1);

    const session = await portalFor(customer.id, {
      subscription_update: {
        enabled: true,
        default_allowed_updates: ['quantity'],
        proration_behavior: 'create_prorations',
      },
    });
    expect(await (await fetch(session.url)).text()).toContain('Update quantity');
    const since = await lastEventId();
    const done = await post(session.url, { subscription: sub.id, action: 'quantity', quantity: '3' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Your quantity is now 3 ($30.00 / month)');
    const updated = await env.stripe.subscriptions.retrieve(sub.id);
    expect(updated.items.data[0].quantity).toBe(3);
    const events = await eventsSince(since);
    const update = events.find((e) => e.type === 'customer.subscription.updated')!;
    expect((update.data.previous_attributes as any).items.data[0].quantity).toBe(1);
    const prorations = (await env.stripe.invoiceItems.list({ customer: customer.id, pending: true })).data;
    expect(prorations.map((i) => i.proration)).toEqual([true, true]);
    expect(events.filter((e) => e.type === 'invoiceitem.created')).toHaveLength(2);
    const bad = await post(session.url, { subscription: sub.id, action: 'quantity', quantity: '0' });
    expect(bad.status).toBe(400);
  });

  it('pauses and resumes collection (pause_collection void), with an update event each time', async () => {
    const { customer, sub } = await subscribedCustomer(env.stripe, {
      product: 'Box',
      unitAmount: 1500,
      email: 'pause@example.test',
    });
    const plain = await portalFor(customer.id);
    expect(await (await fetch(plain.url)).text()).not.toContain('Pause payments');
    expect((await post(plain.url, { subscription: sub.id, action: 'pause' })).status).toBe(403);
    expect((await env.stripe.subscriptions.retrieve(sub.id)).pause_collection).toBeNull();

    const session = await portalFor(customer.id, { subscription_pause: { enabled: true } });
    const since = await lastEventId();
    const paused = await post(session.url, { subscription: sub.id, action: 'pause' });
    expect(await paused.text()).toContain('Payments are paused.');
    expect((await env.stripe.subscriptions.retrieve(sub.id)).pause_collection).toEqual({
      behavior: 'void',
      resumes_at: null,
    });
    const resumed = await post(session.url, { subscription: sub.id, action: 'resume' });
    expect(await resumed.text()).toContain('Your payments are resumed.');
    expect((await env.stripe.subscriptions.retrieve(sub.id)).pause_collection).toBeNull();
    const updates = (await eventsSince(since)).filter((e) => e.type === 'customer.subscription.updated');
    expect(updates.map((e) => (e.data.previous_attributes as any).pause_collection)).toEqual([
      null,
      { behavior: 'void', resumes_at: null },
    ]);
  });

  it('replaces the default payment method of the customer and of their subscriptions', async () => {
    const { customer, sub, pm } = await subscribedCustomer(env.stripe, {
      product: 'Club',
      unitAmount: 900,
      email: 'card@example.test',
    });
    const card = { action: 'payment_method', card_number: '5555 5555 5555 4444', expiry: '12 / 40', cvc: '123' };
    const plain = await portalFor(customer.id);
    expect(await (await fetch(plain.url)).text()).not.toContain('Update payment method');
    expect((await post(plain.url, card)).status).toBe(403);

    const session = await portalFor(customer.id, { payment_method_update: { enabled: true } });
    expect((await post(session.url, { ...card, card_number: '4242' })).status).toBe(400);
    const since = await lastEventId();
    const done = await post(session.url, card);
    expect(done.status).toBe(200);
    const page = await done.text();
    expect(page).toContain('the card ending in 4444');
    expect(page).toContain('Mastercard ending in 4444');
    const fresh = await env.stripe.customers.retrieve(customer.id);
    const newPm = (fresh as Stripe.Customer).invoice_settings.default_payment_method as string;
    expect(newPm).not.toBe(pm.id);
    expect((await env.stripe.paymentMethods.retrieve(newPm)).card?.last4).toBe('4444');
    expect((await env.stripe.subscriptions.retrieve(sub.id)).default_payment_method).toBe(newPm);
    expect((await eventsSince(since)).map((e) => e.type)).toEqual([
      'payment_method.attached',
      'customer.updated',
      'customer.subscription.updated',
    ]);
  });
});

describe('discounts on prorations', () => {
  it('a plan change prices its prorations net of the subscription’s discount and records the discount', async () => {
    const { product, customer, sub } = await subscribedCustomer(env.stripe, {
      product: 'Gold',
      unitAmount: 2000,
      email: 'prorate@example.test',
    });
    const coupon = await env.stripe.coupons.create({ percent_off: 25, duration: 'forever' });
    await env.stripe.subscriptions.update(sub.id, { discounts: [{ coupon: coupon.id }] });
    const bigger = await env.stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 4000,
      recurring: { interval: 'month' },
    });
    const item = sub.items.data[0];
    const half = item.current_period_start + Math.round((item.current_period_end - item.current_period_start) / 2);
    await env.stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: bigger.id }],
      proration_behavior: 'create_prorations',
      proration_date: half,
    });
    const items = (await env.stripe.invoiceItems.list({ customer: customer.id, pending: true })).data;
    const byAmount = items.map((i) => [i.amount, (i as any).proration_details.discount_amounts[0]?.amount]).sort();
    // Half a month: -$10.00 credit and +$20.00 charge gross, each 25 % off.
    expect(byAmount).toEqual([
      [-750, 250],
      [1500, 500],
    ]);
    const discount = (await env.stripe.subscriptions.retrieve(sub.id)).discounts[0];
    expect(items.every((i) => (i as any).proration_details.discount_amounts[0].discount === discount)).toBe(true);
    expect(items.every((i) => i.discountable === false)).toBe(true);
  });
});
