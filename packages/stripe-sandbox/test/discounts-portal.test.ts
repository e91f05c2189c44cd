import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { sandboxWithFreshAccount, stripeError, subscribedCustomer } from './helpers';

const env = sandboxWithFreshAccount();

function form(fields: Record<string, string>): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  };
}

describe('coupons and promotion codes', () => {
  it('creates, retrieves, updates, lists and deletes coupons; refuses bad ones', async () => {
    const tenOff = await env.stripe.coupons.create({ percent_off: 10, duration: 'once', name: 'Ten' });
    expect(tenOff).toMatchObject({
      object: 'coupon',
      percent_off: 10,
      amount_off: null,
      valid: true,
      times_redeemed: 0,
    });
    const fiveDollars = await env.stripe.coupons.create({
      id: 'FIVE',
      amount_off: 500,
      currency: 'usd',
      duration: 'forever',
    });
    expect(fiveDollars.id).toBe('FIVE');
    expect((await env.stripe.coupons.update('FIVE', { name: 'Five off' })).name).toBe('Five off');
    expect((await env.stripe.coupons.list()).data.map((c) => c.id).sort()).toEqual(['FIVE', tenOff.id].sort());
    const both = await stripeError(env.stripe.coupons.create({ percent_off: 10, amount_off: 100, currency: 'usd' }));
    expect(both.statusCode).toBe(400);
    const repeating = await stripeError(env.stripe.coupons.create({ percent_off: 10, duration: 'repeating' }));
    expect(repeating.raw).toMatchObject({ code: 'parameter_missing', param: 'duration_in_months' });
    expect(await env.stripe.coupons.del('FIVE')).toMatchObject({ id: 'FIVE', deleted: true });
    expect((await stripeError(env.stripe.coupons.retrieve('FIVE'))).statusCode).toBe(404);
  });

  it('promotion codes name a coupon, are found by code, and a body-named missing coupon is a 400', async () => {
    const coupon = await env.stripe.coupons.create({ percent_off: 20, duration: 'once' });
    const promo = await env.stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      code: 'spring20',
      max_redemptions: 1,
    });
    expect(promo).toMatchObject({
      object: 'promotion_code',
      code: 'SPRING20',
      active: true,
      promotion: { coupon: coupon.id },
    });
    expect((await env.stripe.promotionCodes.list({ code: 'SPRING20' })).data.map((p) => p.id)).toEqual([promo.id]);
    expect((await env.stripe.promotionCodes.list({ coupon: coupon.id, active: true })).data).toHaveLength(1);
    const missing = await stripeError(
      env.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: 'nope' }, code: 'X1' }),
    );
    expect(missing.statusCode).toBe(400);
    expect(missing.raw).toMatchObject({ code: 'resource_missing', param: 'promotion[coupon]' });
    const off = await env.stripe.promotionCodes.update(promo.id, { active: false });
    expect(off.active).toBe(false);
  });
});

describe('checkout with several prices, quantities and discounts', () => {
  async function catalog() {
    const mug = await env.stripe.products.create({ name: 'Mug', images: ['https://example.test/mug.png'] });
    const tea = await env.stripe.products.create({ name: 'Tea' });
    const mugPrice = await env.stripe.prices.create({ product: mug.id, currency: 'usd', unit_amount: 1200 });
    const teaPrice = await env.stripe.prices.create({ product: tea.id, currency: 'usd', unit_amount: 800 });
    return { mugPrice, teaPrice };
  }

  it('discounts[] takes the coupon off the total, spread over the line items, and counts the redemption', async () => {
    const { mugPrice, teaPrice } = await catalog();
    const coupon = await env.stripe.coupons.create({ percent_off: 25, duration: 'once' });
    const session = await env.stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'http://localhost/ok',
      line_items: [
        { price: mugPrice.id, quantity: 2 },
        { price: teaPrice.id, quantity: 1 },
      ],
      discounts: [{ coupon: coupon.id }],
    });
    expect(session).toMatchObject({
      amount_subtotal: 3200,
      amount_total: 2400,
      total_details: { amount_discount: 800 },
      discounts: [{ coupon: coupon.id, promotion_code: null }],
    });
    const lines = await env.stripe.checkout.sessions.listLineItems(session.id);
    expect(lines.data.map((l) => [l.description, l.quantity, l.amount_subtotal, l.amount_discount])).toEqual([
      ['Mug', 2, 2400, 600],
      ['Tea', 1, 800, 200],
    ]);
    const page = await (await fetch(session.url!)).text();
    expect(page).toContain('Mug × 2');
    expect(page).toContain('https://example.test/mug.png');
    expect(page).toContain('Pay $24.00');
    await env.sandbox.payCheckoutSession(session.id, { number: '4242424242424242', email: 'a@example.test' });
    const paid = await env.stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect((paid.payment_intent as Stripe.PaymentIntent).amount).toBe(2400);
    expect((await env.stripe.coupons.retrieve(coupon.id)).times_redeemed).toBe(1);
    const both = await stripeError(
      env.stripe.checkout.sessions.create({
        mode: 'payment',
        success_url: 'http://localhost/ok',
        line_items: [{ price: teaPrice.id, quantity: 1 }],
        discounts: [{ coupon: coupon.id }],
        allow_promotion_codes: true,
      }),
    );
    expect(both.statusCode).toBe(400);
    const gone = await stripeError(
      env.stripe.checkout.sessions.create({
        mode: 'payment',
        success_url: 'http://localhost/ok',
        line_items: [{ price: teaPrice.id, quantity: 1 }],
        discounts: [{ promotion_code: 'promo_missing' }],
      }),
    );
    expect(gone.raw).toMatchObject({ code: 'resource_missing', param: 'discounts[0][promotion_code]' });
  });

  it('allow_promotion_codes lets the shopper type a code on the hosted page', async () => {
    const { teaPrice } = await catalog();
    const coupon = await env.stripe.coupons.create({ amount_off: 300, currency: 'usd', duration: 'once' });
    const promo = await env.stripe.promotionCodes.create({
      promotion: { type: 'coupon', coupon: coupon.id },
      code: 'TEA3',
    });
    const session = await env.stripe.checkout.sessions.create({
      mode: 'payment',
      success_url: 'http://localhost/ok',
      line_items: [{ price: teaPrice.id, quantity: 2 }],
      allow_promotion_codes: true,
    });
    expect(session.allow_promotion_codes).toBe(true);
    expect(await (await fetch(session.url!)).text()).toContain('Promotion code');
    const wrong = await fetch(session.url!, form({ apply: '1', promotion_code: 'NOPE' }));
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('This code is invalid.');
    const applied = await fetch(session.url!, form({ apply: '1', promotion_code: 'tea3' }));
    expect(applied.status).toBe(200);
    const text = await applied.text();
    expect(text).toContain('Discount (TEA3)');
    expect(text).toContain('Pay $13.00');
    const after = await env.stripe.checkout.sessions.retrieve(session.id);
    expect(after).toMatchObject({ amount_total: 1300, discounts: [{ coupon: coupon.id, promotion_code: promo.id }] });
  });
});

describe('customer portal', () => {
  it('a billing_portal session opens a page where the customer cancels at period end, and renews', async () => {
    const { customer, sub } = await subscribedCustomer(env.stripe, {
      product: 'Gold plan',
      unitAmount: 1900,
      email: 'portal@example.test',
    });
    const session = await env.stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'http://localhost/account',
    });
    expect(session).toMatchObject({ object: 'billing_portal.session', customer: customer.id });
    const page = await (await fetch(session.url)).text();
    expect(page).toContain('Gold plan');
    expect(page).toContain('$19.00 / month');
    expect(page).toContain('href="http://localhost/account"');
    const canceled = await fetch(session.url, form({ subscription: sub.id, action: 'cancel' }));
    expect(await canceled.text()).toContain('canceled at the end of the period');
    expect((await env.stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(true);
    const updates = await env.stripe.events.list({ type: 'customer.subscription.updated' });
    expect(updates.data[0].data.previous_attributes).toMatchObject({ cancel_at_period_end: false });
    await fetch(session.url, form({ subscription: sub.id, action: 'renew' }));
    expect((await env.stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false);
    const stranger = await env.stripe.customers.create({ email: 'x@example.test' });
    const other = await env.stripe.billingPortal.sessions.create({ customer: stranger.id });
    const refused = await fetch(other.url, form({ subscription: sub.id, action: 'cancel' }));
    expect(refused.status).toBe(404);
    expect((await env.stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(false);
    expect((await fetch(`${env.sandbox.url}/p/session/notatoken`)).status).toBe(404);
  });
});

describe('invoices', () => {
  it('voids an open invoice (and refuses a paid one)', async () => {
    const product = await env.stripe.products.create({ name: 'Plan' });
    const price = await env.stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 1000,
      recurring: { interval: 'month' },
    });
    const customer = await env.stripe.customers.create({ email: 'v@example.test' });
    const sub = await env.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      payment_behavior: 'default_incomplete',
    });
    const voided = await env.stripe.invoices.voidInvoice(sub.latest_invoice as string);
    expect(voided.status).toBe('void');
    const again = await stripeError(env.stripe.invoices.voidInvoice(sub.latest_invoice as string));
    expect(again.statusCode).toBe(400);
  });
});
