import { getRow } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { changePlanAction, portalSessionAction } from '../src/actions/self-service';
import { BACKEND, eventually, type FlowProject, flowEnvironment, subscribeOnClock, urls } from './flow-env';
import { offerPlans, paymentServices } from './harness';

const env = flowEnvironment();

async function subscribedWithYearly(ctx: FlowProject) {
  const started = await subscribeOnClock(env, ctx, { name: 'Coffee club', amount: 1000 });
  const yearly = await ctx.stripe.prices.create({
    product: started.product.id,
    currency: 'usd',
    unit_amount: 10_000,
    recurring: { interval: 'year' },
  });
  await offerPlans(env.handle, ctx.project.id, [started.price.id, yearly.id]);
  const row = await eventually(async () => {
    const r = await getRow(
      env.handle.db,
      ctx.project.id,
      BACKEND,
      'recurring_payment',
      started.started.recurringPaymentId,
    );
    return r?.status === 'ACTIVE' && r.stripe_subscription_id ? r : null;
  });
  return { ...started, yearly, row };
}

describe('a subscriber switches plan, seeing the proration first', () => {
  it('previews what the switch charges now, then switches on confirm; the row follows', {
    timeout: 90_000,
  }, async () => {
    const ctx = await env.project();
    const { yearly, row } = await subscribedWithYearly(ctx);
    const services = paymentServices(env.handle);
    const alice = ctx.asUser(ctx.alice);
    const preview = await changePlanAction(services, ctx.project.id, alice, {
      recurringPaymentId: row.id,
      plan: yearly.id,
    });
    // Just after paying $10.00 for the month: almost all of it credited, the year charged almost in full.
    expect(preview.confirmed).toBe(false);
    expect(preview.currency).toBe('usd');
    expect(preview.amountDue).toBeGreaterThan(8_900);
    expect(preview.amountDue).toBeLessThanOrEqual(9_000);
    expect(preview.lines.map((l) => l.description)).toEqual([
      expect.stringContaining('Unused time on Coffee club'),
      expect.stringContaining('Remaining time on Coffee club'),
    ]);
    const stillMonthly = await ctx.stripe.subscriptions.retrieve(String(row.stripe_subscription_id));
    expect(stillMonthly.items.data[0].price.id).not.toBe(yearly.id);

    const done = await changePlanAction(services, ctx.project.id, alice, {
      recurringPaymentId: row.id,
      plan: yearly.id,
      confirm: true,
    });
    expect(done).toMatchObject({ confirmed: true, amountDue: preview.amountDue });
    const switched = await ctx.stripe.subscriptions.retrieve(String(row.stripe_subscription_id));
    expect(switched.items.data[0].price.id).toBe(yearly.id);
    const invoice = await ctx.stripe.invoices.retrieve(String(switched.latest_invoice));
    expect(invoice).toMatchObject({ status: 'paid', amount_paid: preview.amountDue });
    await eventually(async () => {
      const r = await getRow(env.handle.db, ctx.project.id, BACKEND, 'recurring_payment', row.id);
      return r?.stripe_price_id === yearly.id && r.plan_interval === 'year' ? r : null;
    });
  });

  it('refuses a plan the shop does not offer, the current plan, and someone else’s subscription', async () => {
    const ctx = await env.project();
    const { price, row } = await subscribedWithYearly(ctx);
    const services = paymentServices(env.handle);
    const hidden = await ctx.stripe.prices.create({
      product: (await ctx.stripe.products.create({ name: 'Secret' })).id,
      currency: 'usd',
      unit_amount: 1,
      recurring: { interval: 'year' },
    });
    const alice = ctx.asUser(ctx.alice);
    await expect(
      changePlanAction(services, ctx.project.id, alice, { recurringPaymentId: row.id, plan: hidden.id, confirm: true }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(
      changePlanAction(services, ctx.project.id, alice, { recurringPaymentId: row.id, plan: price.id }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: 'The subscription is on that plan already.' });
    await expect(
      changePlanAction(services, ctx.project.id, ctx.asUser(ctx.bob), { recurringPaymentId: row.id, plan: hidden.id }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('"Manage subscription" opens Stripe’s customer portal', () => {
  it('for the signed-in subscriber, offering cancel at period end and the shop’s plans', {
    timeout: 90_000,
  }, async () => {
    const ctx = await env.project();
    const { yearly, row } = await subscribedWithYearly(ctx);
    const services = paymentServices(env.handle);
    const alice = ctx.asUser(ctx.alice);
    const { url } = await portalSessionAction(services, ctx.project.id, alice, { returnUrl: urls.successUrl });
    const page = await (await fetch(url)).text();
    expect(page).toContain('Coffee club');
    expect(page).toContain('Cancel plan');
    expect(page).toContain('Switch to Coffee club – $100.00 / year');
    expect(page).toContain('Update payment method');
    // A second session reuses the one configuration Tillflow keeps.
    await portalSessionAction(services, ctx.project.id, alice, { returnUrl: urls.successUrl });
    const configurations = await ctx.stripe.billingPortal.configurations.list({ is_default: false });
    expect(configurations.data.filter((c) => c.metadata?.tillflow_portal === 'true')).toHaveLength(1);

    const canceled = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ subscription: String(row.stripe_subscription_id), action: 'cancel' }).toString(),
    });
    expect(await canceled.text()).toContain('canceled at the end of the period');
    await eventually(async () => {
      const r = await getRow(env.handle.db, ctx.project.id, BACKEND, 'recurring_payment', row.id);
      return r?.cancel_at_period_end === true ? r : null;
    });
    expect(yearly.id).toMatch(/^price_/);
    await expect(
      portalSessionAction(services, ctx.project.id, alice, { returnUrl: 'https://elsewhere.example/' }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
