import { getRow, insertRow } from '@tillflow/data-model';
import { listMailbox } from '@tillflow/mail';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { paymentTotals } from '../src/dashboard';
import {
  advanceDays,
  BACKEND,
  eventually,
  type FlowProject,
  flowEnvironment,
  subscribeOnClock,
  urls,
} from './flow-env';
import { offerPlans, paymentServices } from './harness';

const env = flowEnvironment();

async function catalog(ctx: FlowProject) {
  const { stripe } = ctx;
  const mug = await stripe.products.create({ name: 'Enamel mug', images: ['https://example.com/mug.png'] });
  const mugPrice = await stripe.prices.create({ product: mug.id, currency: 'usd', unit_amount: 1250 });
  const beans = await stripe.products.create({ name: 'House beans' });
  const beansPrice = await stripe.prices.create({ product: beans.id, currency: 'usd', unit_amount: 900 });
  const club = await stripe.prices.create({
    product: beans.id,
    currency: 'usd',
    unit_amount: 2000,
    recurring: { interval: 'month' },
  });
  const old = await stripe.prices.create({ product: mug.id, currency: 'usd', unit_amount: 1000 });
  await stripe.prices.update(old.id, { active: false });
  const euro = await stripe.prices.create({ product: beans.id, currency: 'eur', unit_amount: 800 });
  return { mugPrice, beansPrice, club, old, euro };
}

const newOrder = (ctx: FlowProject) =>
  insertRow(env.handle.db, ctx.project.id, ctx.asUser(ctx.alice), 'order', { title: 'Basket' });

describe('selling catalog prices', () => {
  it('sells several Stripe prices with quantities in one Checkout: Stripe decides the total, the order and payment record it, the hosted page names each product', async () => {
    const ctx = await env.project();
    const { mugPrice, beansPrice } = await catalog(ctx);
    const order = await newOrder(ctx);
    const created = await createPaymentAction(paymentServices(env.handle), ctx.project.id, ctx.asUser(ctx.alice), {
      orderId: order.id,
      method: 'checkout',
      ...urls,
      items: [
        { price: mugPrice.id, quantity: 2 },
        { price: beansPrice.id, quantity: 1 },
      ],
    });
    const row = await getRow(env.handle.db, ctx.project.id, BACKEND, 'payment', created.paymentId);
    expect(row?.amount).toBe(3400);
    expect(row?.currency).toBe('usd');
    expect(row?.items).toEqual([
      { price: mugPrice.id, quantity: 2, name: 'Enamel mug', unitAmount: 1250, currency: 'usd' },
      { price: beansPrice.id, quantity: 1, name: 'House beans', unitAmount: 900, currency: 'usd' },
    ]);
    expect((await getRow(env.handle.db, ctx.project.id, BACKEND, 'order', order.id))?.amount).toBe(3400);
    const sessionId = String(row?.stripe_checkout_session_id);
    const items = await ctx.stripe.checkout.sessions.listLineItems(sessionId);
    expect(items.data.map((li) => [li.price?.id, li.quantity, li.amount_total])).toEqual([
      [mugPrice.id, 2, 2500],
      [beansPrice.id, 1, 900],
    ]);
    const page = await (await fetch(String(created.checkoutUrl))).text();
    expect(page).toContain('Enamel mug');
    expect(page).toContain('House beans');
    expect(page).toContain('src="https://example.com/mug.png"');

    env.sandbox.payCheckoutSession(sessionId, { number: '4242424242424242' });
    const paid = await eventually(async () => {
      const r = await getRow(env.handle.db, ctx.project.id, BACKEND, 'payment', created.paymentId);
      return r?.status === 'SUCCESSFUL' ? r : null;
    });
    expect(paid.amount_received).toBe(3400);
    await eventually(
      async () => (await getRow(env.handle.db, ctx.project.id, BACKEND, 'order', order.id))?.status === 'paid',
    );
  });

  it('refuses in words an archived price, a subscription price, another account’s price, mixed currencies and an order made for another amount', async () => {
    const ctx = await env.project();
    const { mugPrice, club, old, euro } = await catalog(ctx);
    const other = await env.project();
    const foreign = await other.stripe.prices.create({
      product_data: { name: 'Not ours' },
      currency: 'usd',
      unit_amount: 100,
    });
    const pay = async (items: { price: string; quantity?: number }[], orderId?: number) =>
      createPaymentAction(paymentServices(env.handle), ctx.project.id, ctx.asUser(ctx.alice), {
        orderId: orderId ?? (await newOrder(ctx)).id,
        method: 'checkout',
        ...urls,
        items,
      });
    await expect(pay([{ price: old.id }])).rejects.toThrow('“Enamel mug” is no longer sold: its price was archived.');
    await expect(pay([{ price: club.id }])).rejects.toThrow(
      '“House beans” is a subscription price; start a subscription for it instead of a one-time payment.',
    );
    await expect(pay([{ price: foreign.id }])).rejects.toThrow(
      `The price ${foreign.id} is not in this shop’s catalog.`,
    );
    await expect(pay([{ price: mugPrice.id }, { price: euro.id }])).rejects.toThrow(
      'All items of one checkout are in one currency',
    );
    const priced = await insertRow(
      env.handle.db,
      ctx.project.id,
      ctx.asUser(ctx.alice),
      'order',
      { title: 'Lamp' },
      { serverValues: { amount: 500 } },
    );
    await expect(pay([{ price: mugPrice.id }], priced.id)).rejects.toThrow(
      `Order ${priced.id} is for $5.00, but these items come to $12.50`,
    );
    // Nothing was recorded for a refused request.
    expect((await getRow(env.handle.db, ctx.project.id, BACKEND, 'order', priced.id))?.amount).toBe(500);
  });

  it('records the discount Stripe applied for a promotion code: the payment owes the discounted total, with the coupon and the code', async () => {
    const ctx = await env.project();
    const { mugPrice } = await catalog(ctx);
    const coupon = await ctx.stripe.coupons.create({ amount_off: 500, currency: 'usd', duration: 'once' });
    await ctx.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'SPRING' });
    const order = await newOrder(ctx);
    const services = paymentServices(env.handle);
    await expect(
      createPaymentAction(services, ctx.project.id, ctx.asUser(ctx.alice), {
        orderId: order.id,
        method: 'checkout',
        ...urls,
        items: [{ price: mugPrice.id, quantity: 2 }],
        promotionCode: 'WINTER',
      }),
    ).rejects.toThrow('The code WINTER is not valid or has expired.');
    // A button that also lets the shopper type a code: the code named wins (Stripe takes one or the other).
    const created = await createPaymentAction(services, ctx.project.id, ctx.asUser(ctx.alice), {
      orderId: order.id,
      method: 'checkout',
      ...urls,
      items: [{ price: mugPrice.id, quantity: 2 }],
      promotionCode: 'SPRING',
      allowPromotionCodes: true,
    });
    const row = await getRow(env.handle.db, ctx.project.id, BACKEND, 'payment', created.paymentId);
    expect(row).toMatchObject({
      amount: 2500,
      amount_discount: 500,
      discount_coupon: coupon.id,
      discount_code: 'SPRING',
    });
    env.sandbox.payCheckoutSession(String(row?.stripe_checkout_session_id), { number: '4242424242424242' });
    const paid = await eventually(async () => {
      const r = await getRow(env.handle.db, ctx.project.id, BACKEND, 'payment', created.paymentId);
      return r?.status !== 'PENDING' ? r : null;
    });
    expect(paid).toMatchObject({ status: 'SUCCESSFUL', amount_received: 2000, amount_discount: 500 });
    expect(String(paid.discount_promotion_code)).toMatch(/^promo_/);
    // The receipt and the dashboard's totals say what was paid after the discount, and the discount in words.
    const [receipt] = await eventually(async () => {
      const mail = await listMailbox(env.handle.db, ctx.project.id, {});
      const found = mail.filter(
        (m) => m.subject.toLowerCase().includes('receipt') || Boolean(m.text?.includes('Thank you')),
      );
      return found.length ? found : null;
    });
    expect(receipt.text).toContain('Discount: −$5.00 (code SPRING)');
    expect(receipt.text).toContain('Paid: $20.00');
    const [totals] = await paymentTotals(env.handle.db, ctx.project.id);
    expect(totals).toMatchObject({ currency: 'usd', gross: 2000, net: 2000 });
    // All of what was paid given back (Stripe refunds the $20.00 charged) is a full refund.
    await ctx.stripe.refunds.create({ payment_intent: String(paid.stripe_payment_intent_id) });
    await eventually(
      async () =>
        (await getRow(env.handle.db, ctx.project.id, BACKEND, 'payment', created.paymentId))?.status === 'REFUNDED',
    );
  });

  it('a code typed on Stripe’s Checkout page is recorded from Stripe’s session: amount off, coupon and the code’s words', async () => {
    const ctx = await env.project();
    const { beansPrice } = await catalog(ctx);
    const coupon = await ctx.stripe.coupons.create({ percent_off: 10, duration: 'once' });
    await ctx.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'TENOFF' });
    const order = await newOrder(ctx);
    const created = await createPaymentAction(paymentServices(env.handle), ctx.project.id, ctx.asUser(ctx.alice), {
      orderId: order.id,
      method: 'checkout',
      ...urls,
      items: [{ price: beansPrice.id, quantity: 2 }],
      allowPromotionCodes: true,
    });
    const row = await getRow(env.handle.db, ctx.project.id, BACKEND, 'payment', created.paymentId);
    expect(row).toMatchObject({ amount: 1800, amount_discount: 0, discount_code: null });
    const sessionId = String(row?.stripe_checkout_session_id);
    const applied = await fetch(`${env.sandbox.url}/c/pay/${sessionId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'promotion_code=TENOFF&apply=1',
      redirect: 'manual',
    });
    expect(applied.status).toBeLessThan(400);
    env.sandbox.payCheckoutSession(sessionId, { number: '4242424242424242' });
    const paid = await eventually(async () => {
      const r = await getRow(env.handle.db, ctx.project.id, BACKEND, 'payment', created.paymentId);
      return r?.status === 'SUCCESSFUL' && r.discount_code ? r : null;
    });
    expect(paid).toMatchObject({ amount_received: 1620, amount_discount: 180, discount_coupon: coupon.id });
    expect(paid.discount_code).toBe('TENOFF');
  });

  it('a subscription to a catalog price starts the trial the Products card gave it, then turns active when Stripe says so', async () => {
    const ctx = await env.project();
    const product = await ctx.stripe.products.create({ name: 'Coffee club' });
    const price = await ctx.stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 2000,
      recurring: { interval: 'month' },
      metadata: { tillflow_trial_days: '7' },
    });
    await offerPlans(env.handle, ctx.project.id, [price.id]);
    const { started, clock } = await subscribeOnClock(
      env,
      ctx,
      { name: 'Coffee club', amount: 2000 },
      'order',
      ctx.alice,
      {
        product,
        price,
      },
    );
    const trialing = await eventually(async () => {
      const r = await getRow(env.handle.db, ctx.project.id, BACKEND, 'recurring_payment', started.recurringPaymentId);
      return r?.status === 'TRIALING' ? r : null;
    });
    expect(trialing.trial_days).toBe(7);
    const subscription = await ctx.stripe.subscriptions.retrieve(String(trialing.stripe_subscription_id));
    expect(Number(subscription.trial_end) - Number(subscription.trial_start)).toBe(7 * 86_400);
    await advanceDays(ctx.stripe, clock, 8);
    await eventually(
      async () =>
        (await getRow(env.handle.db, ctx.project.id, BACKEND, 'recurring_payment', started.recurringPaymentId))
          ?.status === 'ACTIVE',
    );
  });
});
