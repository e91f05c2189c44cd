import { describe, expect, it } from 'vitest';
import { sandboxWithFreshAccount, stripeError } from './helpers';

const env = sandboxWithFreshAccount();

describe('setup intents', () => {
  it('save a card on the customer for a later off-session charge; a declining card is refused', async () => {
    const customer = await env.stripe.customers.create({ email: 'saver@example.test' });
    const si = await env.stripe.setupIntents.create({ customer: customer.id, usage: 'off_session' });
    expect(si).toMatchObject({ object: 'setup_intent', status: 'requires_payment_method', usage: 'off_session' });
    expect(si.client_secret).toMatch(/^seti_.+_secret_/);
    const done = await env.stripe.setupIntents.confirm(si.id, { payment_method: 'pm_card_visa' });
    expect(done.status).toBe('succeeded');
    const saved = await env.stripe.customers.listPaymentMethods(customer.id);
    expect(saved.data.map((p) => p.id)).toEqual([done.payment_method]);
    const charge = await env.stripe.paymentIntents.create({
      amount: 1500,
      currency: 'usd',
      customer: customer.id,
      payment_method: done.payment_method as string,
      off_session: true,
      confirm: true,
    });
    expect(charge.status).toBe('succeeded');
    const declined = await stripeError(
      env.stripe.setupIntents.create({
        customer: customer.id,
        payment_method: 'pm_card_visa_chargeDeclined',
        confirm: true,
      }),
    );
    expect(declined.statusCode).toBe(402);
    const events = (await env.stripe.events.list({ types: ['setup_intent.succeeded', 'setup_intent.setup_failed'] }))
      .data;
    expect(events.map((e) => e.type).sort()).toEqual(['setup_intent.setup_failed', 'setup_intent.succeeded']);
    expect((await env.stripe.setupIntents.list({ customer: customer.id })).data).toHaveLength(2);
    const other = await env.stripe.setupIntents.create({ customer: customer.id });
    expect((await env.stripe.setupIntents.cancel(other.id, { cancellation_reason: 'abandoned' })).status).toBe(
      'canceled',
    );
    const again = await stripeError(env.stripe.setupIntents.confirm(other.id, { payment_method: 'pm_card_visa' }));
    expect(again.statusCode).toBe(400);
  });
});
