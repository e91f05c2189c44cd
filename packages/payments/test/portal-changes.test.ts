import { getRow, type Row } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { dashboardRows } from '../src/dashboard';
import { BACKEND, eventually, type FlowProject, flowEnvironment, subscribeOnClock } from './flow-env';

const env = flowEnvironment();

function portalPost(url: string, fields: Record<string, string>) {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

async function subscriptionRow(ctx: FlowProject, id: number, ready: (row: Row) => boolean): Promise<Row> {
  return eventually(async () => {
    const row = await getRow(env.handle.db, ctx.project.id, BACKEND, 'recurring_payment', id);
    return row && ready(row) ? row : null;
  }, 20_000);
}

describe('what a subscriber changes in the customer portal reaches the subscription row through the webhooks', () => {
  it('quantity, pause, resume and a new card each reach the row and the dashboard', { timeout: 90_000 }, async () => {
    const ctx = await env.project();
    const { stripe } = ctx;
    const { started, customer, product, price } = await subscribeOnClock(env, ctx, { name: 'Team plan', amount: 1200 });
    const bound = await subscriptionRow(ctx, started.recurringPaymentId, (r) => r.status === 'ACTIVE');
    expect(bound).toMatchObject({
      quantity: 1,
      plan_amount: 1200,
      plan_interval: 'month',
      collection_paused: false,
      payment_method: 'Visa ending in 4242',
    });
    const configuration = await stripe.billingPortal.configurations.create({
      features: {
        subscription_update: {
          enabled: true,
          default_allowed_updates: ['quantity'],
          proration_behavior: 'none',
          products: [{ product: product.id, prices: [price.id] }],
        },
        subscription_pause: { enabled: true },
        payment_method_update: { enabled: true },
      },
    });
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: configuration.id,
    });
    const subscription = String(bound.stripe_subscription_id);

    expect((await portalPost(session.url, { subscription, action: 'quantity', quantity: '3' })).status).toBe(200);
    await subscriptionRow(ctx, bound.id, (r) => r.quantity === 3 && r.plan_amount === 3600);

    expect((await portalPost(session.url, { subscription, action: 'pause' })).status).toBe(200);
    await subscriptionRow(ctx, bound.id, (r) => r.collection_paused === true);

    const card = { action: 'payment_method', card_number: '5555555555554444', expiry: '12/40', cvc: '123' };
    expect((await portalPost(session.url, card)).status).toBe(200);
    const changed = await subscriptionRow(ctx, bound.id, (r) => r.payment_method === 'Mastercard ending in 4444');
    expect(changed).toMatchObject({ quantity: 3, collection_paused: true, status: 'ACTIVE' });

    const dashboard = await dashboardRows(env.handle.db, ctx.project.id, BACKEND, { table: 'recurring_payment' });
    expect(dashboard.rows.find((r) => r.id === bound.id)).toMatchObject({
      quantity: 3,
      plan_amount: 3600,
      collection_paused: true,
      payment_method: 'Mastercard ending in 4444',
    });

    expect((await portalPost(session.url, { subscription, action: 'resume' })).status).toBe(200);
    await subscriptionRow(ctx, bound.id, (r) => r.collection_paused === false);
  });

  it('a plan switch in the portal moves the row to the new price and amount', { timeout: 90_000 }, async () => {
    const ctx = await env.project();
    const { stripe } = ctx;
    const { started, customer, product, price } = await subscribeOnClock(env, ctx, { name: 'Club', amount: 900 });
    const bound = await subscriptionRow(ctx, started.recurringPaymentId, (r) => r.status === 'ACTIVE');
    const yearly = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 9000,
      recurring: { interval: 'year' },
    });
    const configuration = await stripe.billingPortal.configurations.create({
      features: {
        subscription_update: {
          enabled: true,
          default_allowed_updates: ['price'],
          proration_behavior: 'create_prorations',
          products: [{ product: product.id, prices: [price.id, yearly.id] }],
        },
      },
    });
    const session = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      configuration: configuration.id,
    });
    const switched = await portalPost(session.url, {
      subscription: String(bound.stripe_subscription_id),
      action: 'switch',
      price: yearly.id,
    });
    expect(switched.status).toBe(200);
    const row = await subscriptionRow(ctx, bound.id, (r) => r.stripe_price_id === yearly.id);
    expect(row).toMatchObject({ plan_amount: 9000, plan_interval: 'year', status: 'ACTIVE' });
  });
});
