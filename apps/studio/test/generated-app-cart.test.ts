import { queryRows } from '@tillflow/data-model';
import { uniqueSuffix } from '@tillflow/db/testing';
import { describe, expect, it } from 'vitest';
import { servicesFor } from '~/server/services';
import { appClient } from './app-client';
import { coffeeShop, withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

interface OrderView {
  order: { id: number; item: string };
  payments: { status: string; amount: number; items: { price: string; quantity: number; name: string }[] | null }[];
}

describe('generated app: selling the shop’s Stripe prices, several at once', () => {
  const env = withDbAndSandbox();

  it('a buyer buys two catalog prices with quantities in one Checkout: Stripe’s prices decide the total, the order and payment record the items, the hosted page shows each product', async () => {
    const { caller } = await signUpBuilder(env.handle, 'shopkeeper');
    const { project, slug } = await coffeeShop(env.handle, caller, 'cart', []);
    const { stripe } = await servicesFor(env.handle).stripeAccounts.forProject(env.handle.db, project.id);
    const mug = await stripe.products.create({ name: 'Enamel mug', images: ['https://example.com/mug.png'] });
    const mugPrice = await stripe.prices.create({ product: mug.id, currency: 'usd', unit_amount: 1250 });
    const beans = await stripe.products.create({ name: 'House beans' });
    const beansPrice = await stripe.prices.create({ product: beans.id, currency: 'usd', unit_amount: 900 });
    const club = await stripe.prices.create({
      product: beans.id,
      currency: 'usd',
      unit_amount: 2000,
      recurring: { interval: 'month' },
      metadata: { tillflow_trial_days: '7' },
    });
    await caller.appSettings.save({
      projectId: project.id,
      catalog: { source: 'prices', priceIds: [mugPrice.id, beansPrice.id, club.id], orderLabelColumn: 'item' },
    });
    const ann = appClient(env.handle, slug);
    await ann.mutation('signUp', { email: `ann-${uniqueSuffix()}@example.test`, password: 'long-enough-1' });
    const items = await ann.query<{ key: string; recurring: { trialDays: number | null } | null }[]>('catalog');
    expect(items.find((i) => i.key === `price:${club.id}`)?.recurring?.trialDays).toBe(7);

    // A subscription is bought alone; a price from the request is still refused.
    await expect(
      ann.mutation('buy', {
        items: [
          { itemKey: `price:${club.id}`, quantity: 1 },
          { itemKey: `price:${mugPrice.id}`, quantity: 1 },
        ],
      }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: '“House beans” is a subscription: buy it on its own, once.',
    });
    await expect(ann.mutation('buy', { itemKey: `price:${mugPrice.id}`, priceId: club.id })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });

    const bought = await ann.mutation<{ orderId: number; checkoutUrl: string; kind: string }>('buy', {
      items: [
        { itemKey: `price:${mugPrice.id}`, quantity: 2 },
        { itemKey: `price:${beansPrice.id}`, quantity: 1 },
      ],
    });
    expect(bought.kind).toBe('payment');
    const [mine] = await ann.query<OrderView[]>('myOrders');
    expect(mine.order).toMatchObject({ id: bought.orderId, item: 'Enamel mug × 2, House beans' });
    expect(mine.payments.map((p) => [p.status, p.amount])).toEqual([['PENDING', 3400]]);
    expect(mine.payments[0].items?.map((i) => [i.name, i.quantity])).toEqual([
      ['Enamel mug', 2],
      ['House beans', 1],
    ]);
    const sessionId = bought.checkoutUrl.split('/').pop() as string;
    const lines = await stripe.checkout.sessions.listLineItems(sessionId);
    expect(lines.data.map((l) => [l.price?.id, l.quantity])).toEqual([
      [mugPrice.id, 2],
      [beansPrice.id, 1],
    ]);
    expect(new URL(String((await stripe.checkout.sessions.retrieve(sessionId)).success_url)).pathname).toMatch(
      /\/orders$/,
    );
    const page = await (await fetch(bought.checkoutUrl)).text();
    expect(page).toContain('Enamel mug');
    expect(page).toContain('src="https://example.com/mug.png"');

    const subscribed = await ann.mutation<{ kind: string; orderId: number }>('buy', { itemKey: `price:${club.id}` });
    expect(subscribed.kind).toBe('subscription');
    const { rows } = await queryRows(env.handle.db, project.id, { kind: 'backend' }, 'recurring_payment', {
      filters: [{ column: 'order_id', op: 'eq', value: subscribed.orderId }],
    });
    expect(rows.map((r) => r.trial_days)).toEqual([7]);
  });
});
