import { insertRow } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { initiateRecurringAction } from '../src/actions/recurring';
import { flowEnvironment, offerMonthlyPlan, urls } from './flow-env';
import { paymentServices } from './harness';

const env = flowEnvironment();

describe('a subscription checkout offers the Promotion code field when the shop has a code', () => {
  it('not before the shop makes a code; after, a code typed on the page discounts the subscription', {
    timeout: 60_000,
  }, async () => {
    const ctx = await env.project();
    const { stripe, asUser, alice } = ctx;
    const { price } = await offerMonthlyPlan(env, ctx, { name: 'Coffee club', amount: 1000 });
    const subscribe = async () => {
      const order = await insertRow(
        env.handle.db,
        ctx.project.id,
        asUser(alice),
        'order',
        { title: 'Club' },
        {
          serverValues: { amount: 1000 },
        },
      );
      const started = await initiateRecurringAction(paymentServices(env.handle), ctx.project.id, asUser(alice), {
        orderId: order.id,
        plan: price.id,
        ...urls,
      });
      return stripe.checkout.sessions.retrieve(String(started.checkoutUrl).split('/').pop() as string);
    };
    expect((await subscribe()).allow_promotion_codes).not.toBe(true);

    const coupon = await stripe.coupons.create({ percent_off: 20, duration: 'forever' });
    await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'BEANS20' });
    const session = await subscribe();
    expect(session.allow_promotion_codes).toBe(true);
    const applied = await fetch(String(session.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ apply: '1', promotion_code: 'beans20' }).toString(),
      redirect: 'manual',
    });
    expect(applied.status).toBeLessThan(400);
    env.sandbox.payCheckoutSession(session.id, { number: '4242424242424242' });
    const paid = await stripe.checkout.sessions.retrieve(session.id);
    const subscription = await stripe.subscriptions.retrieve(String(paid.subscription));
    expect(subscription.discounts).toHaveLength(1);
    const invoice = await stripe.invoices.retrieve(String(subscription.latest_invoice));
    expect(invoice.amount_paid).toBe(800);
  });
});
