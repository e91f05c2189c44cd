import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { sandboxWithFreshAccount, stripeError } from './helpers';

const env = sandboxWithFreshAccount();

describe('customers', () => {
  it('creates, retrieves, updates, lists by email and deletes', async () => {
    const c = await env.stripe.customers.create({ email: 'ada@example.test', name: 'Ada', metadata: { plan: 'pro' } });
    expect(c).toMatchObject({
      object: 'customer',
      email: 'ada@example.test',
      livemode: false,
      metadata: { plan: 'pro' },
    });
    expect(c.id).toMatch(/^cus_/);
    expect(typeof c.created).toBe('number');
    const updated = await env.stripe.customers.update(c.id, { name: 'Ada L.', metadata: { plan: '', seats: '3' } });
    expect(updated.name).toBe('Ada L.');
    expect(updated.metadata).toEqual({ seats: '3' });
    await env.stripe.customers.create({ email: 'other@example.test' });
    const byEmail = await env.stripe.customers.list({ email: 'ada@example.test' });
    expect(byEmail.data.map((x) => x.id)).toEqual([c.id]);
    const deleted = await env.stripe.customers.del(c.id);
    expect(deleted).toMatchObject({ id: c.id, deleted: true });
    expect(await env.stripe.customers.retrieve(c.id)).toMatchObject({ deleted: true });
    const gone = await stripeError(env.stripe.customers.update(c.id, { name: 'x' }));
    expect(gone.raw.code).toBe('resource_missing');
  });
});

describe('products and prices', () => {
  it('creates one-time and recurring prices and lists them by product', async () => {
    const product = await env.stripe.products.create({ name: 'Course', metadata: { sku: 'c1' } });
    expect(product).toMatchObject({ object: 'product', active: true, name: 'Course' });
    const once = await env.stripe.prices.create({ product: product.id, unit_amount: 4900, currency: 'eur' });
    const monthly = await env.stripe.prices.create({
      product: product.id,
      unit_amount: 900,
      currency: 'eur',
      recurring: { interval: 'month' },
    });
    expect(once).toMatchObject({ type: 'one_time', recurring: null, unit_amount: 4900, currency: 'eur' });
    expect(monthly).toMatchObject({ type: 'recurring', recurring: { interval: 'month', interval_count: 1 } });
    const listed = await env.stripe.prices.list({ product: product.id, type: 'recurring' });
    expect(listed.data.map((p) => p.id)).toEqual([monthly.id]);
    const withProduct = await env.stripe.prices.retrieve(once.id, { expand: ['product'] });
    expect((withProduct.product as Stripe.Product).name).toBe('Course');
    const renamed = await env.stripe.products.update(product.id, { name: 'Course v2', active: false });
    expect(renamed).toMatchObject({ name: 'Course v2', active: false });
    const inline = await env.stripe.prices.create({
      product_data: { name: 'Inline' },
      unit_amount: 100,
      currency: 'usd',
    });
    expect((await env.stripe.products.retrieve(inline.product as string)).name).toBe('Inline');
    const bad = await stripeError(
      env.stripe.prices.create({
        product: product.id,
        unit_amount: 1,
        currency: 'usd',
        recurring: { interval: 'fortnight' as any },
      }),
    );
    expect(bad.raw).toMatchObject({ param: 'recurring[interval]' });
  });
});

describe('payment intents, charges and refunds', () => {
  it('creates and confirms a payment, with latest_charge and client_secret', async () => {
    const pi = await env.stripe.paymentIntents.create({ amount: 2500, currency: 'usd', metadata: { order: '7' } });
    expect(pi).toMatchObject({ object: 'payment_intent', status: 'requires_payment_method', amount: 2500 });
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_`));
    const confirmed = await env.stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    expect(confirmed).toMatchObject({ status: 'succeeded', amount_received: 2500 });
    expect(confirmed.payment_method).toMatch(/^pm_/);
    const charge = await env.stripe.charges.retrieve(confirmed.latest_charge as string);
    expect(charge).toMatchObject({
      object: 'charge',
      status: 'succeeded',
      paid: true,
      amount: 2500,
      payment_intent: pi.id,
      refunded: false,
      amount_refunded: 0,
    });
    expect(charge.payment_method_details?.card?.last4).toBe('4242');
    const expanded = await env.stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    expect((expanded.latest_charge as Stripe.Charge).id).toBe(charge.id);
    const listed = await env.stripe.charges.list({ payment_intent: pi.id });
    expect(listed.data.map((c) => c.id)).toEqual([charge.id]);
    expect((await env.stripe.paymentIntents.list()).data.map((p) => p.id)).toContain(pi.id);
  });

  it('declines with card_error and records the failed charge', async () => {
    const err = await stripeError(
      env.stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_visa_chargeDeclined',
        confirm: true,
      }),
    );
    expect(err.type).toBe('StripeCardError');
    expect(err.statusCode).toBe(402);
    expect(err.raw).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    });
    const pi = err.raw.payment_intent as Stripe.PaymentIntent;
    expect(pi.status).toBe('requires_payment_method');
    expect(pi.last_payment_error).toMatchObject({ code: 'card_declined', decline_code: 'generic_decline' });
    const charge = await env.stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ status: 'failed', paid: false, failure_code: 'card_declined' });
    const insufficient = await stripeError(
      env.stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_visa_chargeDeclinedInsufficientFunds',
        confirm: true,
      }),
    );
    expect(insufficient.raw).toMatchObject({ code: 'card_declined', decline_code: 'insufficient_funds' });
    const expired = await stripeError(
      env.stripe.paymentIntents.create({
        amount: 1000,
        currency: 'usd',
        payment_method: 'pm_card_chargeDeclinedExpiredCard',
        confirm: true,
      }),
    );
    expect(expired.raw).toMatchObject({ code: 'expired_card' });
    const retried = await env.stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_mastercard' });
    expect(retried.status).toBe('succeeded');
  });

  it('enforces Stripe’s minimum amount', async () => {
    const err = await stripeError(env.stripe.paymentIntents.create({ amount: 20, currency: 'usd' }));
    expect(err.raw).toMatchObject({ code: 'amount_too_small', param: 'amount' });
  });

  it('asks for authentication and cancels', async () => {
    const pi = await env.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_authenticationRequired',
      confirm: true,
      return_url: 'https://shop.example/return',
    });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action?.type).toBe('redirect_to_url');
    expect(pi.next_action?.redirect_to_url?.url).toContain(`/3ds/${pi.id}`);
    const canceled = await env.stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'requested_by_customer' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'requested_by_customer' });
    const again = await stripeError(env.stripe.paymentIntents.cancel(pi.id));
    expect(again.raw.code).toBe('payment_intent_unexpected_state');
  });

  it('refunds partially and fully, never more than remains', async () => {
    const pi = await env.stripe.paymentIntents.create({
      amount: 1000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const partial = await env.stripe.refunds.create({
      payment_intent: pi.id,
      amount: 300,
      reason: 'requested_by_customer',
    });
    expect(partial).toMatchObject({
      object: 'refund',
      amount: 300,
      status: 'succeeded',
      payment_intent: pi.id,
      reason: 'requested_by_customer',
    });
    let charge = await env.stripe.charges.retrieve(pi.latest_charge as string);
    expect(charge).toMatchObject({ amount_refunded: 300, refunded: false });
    const over = await stripeError(env.stripe.refunds.create({ charge: charge.id, amount: 701 }));
    expect(over.statusCode).toBe(400);
    expect(over.raw).toMatchObject({ type: 'invalid_request_error', code: 'amount_too_large', param: 'amount' });
    const rest = await env.stripe.refunds.create({ charge: charge.id });
    expect(rest.amount).toBe(700);
    charge = await env.stripe.charges.retrieve(charge.id);
    expect(charge).toMatchObject({ amount_refunded: 1000, refunded: true });
    const done = await stripeError(env.stripe.refunds.create({ payment_intent: pi.id }));
    expect(done.raw.code).toBe('charge_already_refunded');
    const listed = await env.stripe.refunds.list({ payment_intent: pi.id });
    expect(listed.data.map((r) => r.id)).toEqual([rest.id, partial.id]);
    const withRefunds = await env.stripe.charges.retrieve(charge.id, { expand: ['refunds'] });
    expect(withRefunds.refunds?.data.map((r) => r.id)).toEqual([rest.id, partial.id]);
    const updated = await env.stripe.refunds.update(partial.id, { metadata: { note: 'x' } });
    expect(updated.metadata).toEqual({ note: 'x' });
  });
});

describe('payment methods', () => {
  it('attaches test cards, refuses declining ones, detaches', async () => {
    const customer = await env.stripe.customers.create({ email: 'pm@example.test' });
    const visa = await env.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    expect(visa).toMatchObject({
      object: 'payment_method',
      type: 'card',
      customer: customer.id,
      card: { brand: 'visa', last4: '4242' },
    });
    const failing = await env.stripe.paymentMethods.attach('pm_card_chargeCustomerFail', { customer: customer.id });
    expect(failing.customer).toBe(customer.id);
    const declined = await stripeError(
      env.stripe.paymentMethods.attach('pm_card_visa_chargeDeclined', { customer: customer.id }),
    );
    expect(declined.statusCode).toBe(402);
    expect(declined.raw).toMatchObject({ type: 'card_error', code: 'card_declined' });
    const listed = await env.stripe.customers.listPaymentMethods(customer.id);
    expect(listed.data.map((p) => p.id).sort()).toEqual([visa.id, failing.id].sort());
    await env.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: failing.id } });
    const charge = await stripeError(
      env.stripe.paymentIntents.create({
        amount: 100,
        currency: 'usd',
        customer: customer.id,
        payment_method: failing.id,
        confirm: true,
      }),
    );
    expect(charge.raw.code).toBe('card_declined');
    const detached = await env.stripe.paymentMethods.detach(visa.id);
    expect(detached.customer).toBeNull();
    const created = await env.stripe.paymentMethods.create({
      type: 'card',
      card: { number: '5555555555554444', exp_month: 12, exp_year: 2040, cvc: '123' },
    });
    expect(created.card).toMatchObject({ brand: 'mastercard', last4: '4444' });
  });
});

describe('updates', () => {
  it('updates prices, payment intents, payment methods, charges and checkout sessions', async () => {
    const price = await env.stripe.prices.create({ product_data: { name: 'U' }, unit_amount: 500, currency: 'usd' });
    expect(
      await env.stripe.prices.update(price.id, { nickname: 'five', active: false, metadata: { a: '1' } }),
    ).toMatchObject({
      nickname: 'five',
      active: false,
      metadata: { a: '1' },
    });
    const pi = await env.stripe.paymentIntents.create({ amount: 500, currency: 'usd' });
    const changed = await env.stripe.paymentIntents.update(pi.id, {
      amount: 700,
      description: 'bigger',
      metadata: { b: '2' },
    });
    expect(changed).toMatchObject({ amount: 700, description: 'bigger', metadata: { b: '2' } });
    const confirmed = await env.stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    const late = await stripeError(env.stripe.paymentIntents.update(pi.id, { amount: 1 }));
    expect(late.raw.code).toBe('payment_intent_unexpected_state');
    const pm = await env.stripe.paymentMethods.update(confirmed.payment_method as string, { metadata: { c: '3' } });
    expect(pm.metadata).toEqual({ c: '3' });
    const charge = await env.stripe.charges.update(confirmed.latest_charge as string, { description: 'poster' });
    expect(charge.description).toBe('poster');
    const session = await env.stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://x.example/ok',
    });
    expect((await env.stripe.checkout.sessions.update(session.id, { metadata: { d: '4' } })).metadata).toEqual({
      d: '4',
    });
  });
});

describe('webhook endpoints and events', () => {
  it('creates with a secret shown once, updates, lists, deletes, and caps at 16', async () => {
    const we = await env.stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:9/hook',
      enabled_events: ['payment_intent.succeeded'],
    });
    expect(we.secret).toMatch(/^whsec_/);
    expect(we.id).toMatch(/^we_/);
    const fetched = await env.stripe.webhookEndpoints.retrieve(we.id);
    expect(fetched.secret).toBeUndefined();
    const updated = await env.stripe.webhookEndpoints.update(we.id, { enabled_events: ['*'], disabled: true });
    expect(updated).toMatchObject({ enabled_events: ['*'], status: 'disabled' });
    for (let i = 0; i < 15; i++)
      await env.stripe.webhookEndpoints.create({ url: `http://127.0.0.1:9/h${i}`, enabled_events: ['*'] });
    const err = await stripeError(
      env.stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/h17', enabled_events: ['*'] }),
    );
    expect(err.statusCode).toBe(400);
    expect(err.raw.type).toBe('invalid_request_error');
    expect(err.message).toMatch(/maximum of 16/);
    expect((await env.stripe.webhookEndpoints.list({ limit: 100 })).data).toHaveLength(16);
    expect(await env.stripe.webhookEndpoints.del(we.id)).toMatchObject({ deleted: true });
    const bad = await stripeError(
      env.stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/x', enabled_events: ['nope.event' as any] }),
    );
    expect(bad.raw.param).toBe('enabled_events[0]');
  });

  it('lists events by type and retrieves one with Stripe’s envelope', async () => {
    const pi = await env.stripe.paymentIntents.create(
      { amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true },
      { idempotencyKey: 'evt-key' },
    );
    const succeeded = await env.stripe.events.list({ type: 'payment_intent.succeeded' });
    expect(succeeded.data).toHaveLength(1);
    const event = await env.stripe.events.retrieve(succeeded.data[0].id);
    expect(event).toMatchObject({
      object: 'event',
      type: 'payment_intent.succeeded',
      livemode: false,
      api_version: '2026-10-28.endive',
    });
    expect((event.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
    expect(event.request).toMatchObject({ idempotency_key: 'evt-key' });
    expect(event.request?.id).toMatch(/^req_/);
    const all = await env.stripe.events.list({ limit: 100 });
    expect(all.data.map((e) => e.type).reverse()).toEqual([
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
    ]);
  });
});
