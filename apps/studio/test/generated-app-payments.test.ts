import { publicOrigin } from '@tillflow/core';
import { createTable, insertRow, setActionPermission, setEndUserRole, updateRows } from '@tillflow/data-model';
import { uniqueSuffix } from '@tillflow/db/testing';
import { getChangeHub } from '@tillflow/realtime';
import { describe, expect, it } from 'vitest';
import { createCaller } from '~/server/api/root';
import { servicesFor } from '~/server/services';
import { appClient } from './app-client';
import { coffeeShop, withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder, waitFor } from './helpers';

interface OrderView {
  order: { id: number; item: string; buyer: number };
  label: string | null;
  payments: { id: number; status: string; amount: number; refunds: unknown[] }[];
}

describe('generated app: catalog, buying and the pages’ data, as end users', () => {
  const env = withDbAndSandbox();

  async function shop() {
    const { caller, user } = await signUpBuilder(env.handle, 'shopkeeper');
    const { project, slug } = await coffeeShop(env.handle, caller, 'shop', [
      { name: 'Beans', price: 1500 },
      { name: 'Free sample', price: 0 },
    ]);
    return { caller, user, project, slug };
  }

  it('the payments dashboard filters by status, currency and order, and pages 50 at a time', async () => {
    const { caller, project } = await shop();
    const backend = { kind: 'backend' } as const;
    const orders = [
      await insertRow(env.handle.db, project.id, backend, 'order', { item: 'a' }),
      await insertRow(env.handle.db, project.id, backend, 'order', { item: 'b' }),
    ];
    for (let i = 0; i < 55; i++)
      await insertRow(env.handle.db, project.id, backend, 'payment', {
        order_id: orders[i % 2].id,
        amount: 1000 + i,
        currency: i < 5 ? 'jpy' : 'usd',
        status: i % 5 === 0 ? 'FAILED' : 'SUCCESSFUL',
        method: 'checkout',
      });
    const rows = (input: Record<string, unknown>) =>
      caller.payments.rows({ projectId: project.id, table: 'payment', ...input } as never);
    const first = await rows({});
    expect(first.rows).toHaveLength(50);
    expect(first.nextCursor).not.toBeNull();
    const second = await rows({ cursor: first.nextCursor });
    expect(second.rows).toHaveLength(5);
    expect(new Set([...first.rows, ...second.rows].map((r) => r.id)).size).toBe(55);
    expect((await rows({ currency: 'JPY' })).rows.map((r) => r.amount)).toEqual([1004, 1003, 1002, 1001, 1000]);
    expect((await rows({ status: 'FAILED', currency: 'usd' })).rows).toHaveLength(10);
    const ofFirstOrder = await rows({ parentId: orders[0].id });
    expect(ofFirstOrder.rows).toHaveLength(28);
    expect(ofFirstOrder.rows.every((r) => r.order_id === orders[0].id)).toBe(true);
    await expect(rows({ currency: 'dollars' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('lists the builder’s catalog and validates the choice', async () => {
    const { caller, project, slug } = await shop();
    const visitor = appClient(env.handle, slug);
    const items = await visitor.query<{ key: string; name: string; amount: number; currency: string }[]>('catalog');
    expect(items.map((i) => [i.name, i.amount, i.currency])).toEqual([['Beans', 1500, 'usd']]);
    await expect(
      caller.appSettings.save({
        projectId: project.id,
        catalog: { source: 'table', table: 'product', nameColumn: 'nope', priceColumn: 'price' },
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // Buying needs a signed-in end user.
    await expect(visitor.mutation('buy', { itemKey: items[0].key })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('a decimal price column is read as people write prices (8.50 is $8.50, 500 is ¥500); a text one is refused before saving', async () => {
    const { caller, project, slug } = await shop();
    await createTable(env.handle.db, project.id, {
      name: 'bakery',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'price', type: 'decimal' },
        { name: 'currency', type: 'text' },
        { name: 'note', type: 'text' },
      ],
    });
    const backend = { kind: 'backend' } as const;
    await insertRow(env.handle.db, project.id, backend, 'bakery', { name: 'Sourdough loaf', price: '8.50' });
    await insertRow(env.handle.db, project.id, backend, 'bakery', { name: 'Melon pan', price: '500', currency: 'jpy' });
    await insertRow(env.handle.db, project.id, backend, 'bakery', { name: 'Baklava', price: '1.250', currency: 'kwd' });
    await insertRow(env.handle.db, project.id, backend, 'bakery', { name: 'Roll', price: '2.5' });
    const catalog = { source: 'table', table: 'bakery', nameColumn: 'name', currencyColumn: 'currency' } as const;
    await caller.appSettings.save({ projectId: project.id, catalog: { ...catalog, priceColumn: 'price' } });
    const items = await appClient(env.handle, slug).query<{ name: string; amount: number; currency: string }[]>(
      'catalog',
    );
    expect(items.map((i) => [i.name, i.amount, i.currency])).toEqual([
      ['Sourdough loaf', 850, 'usd'],
      ['Melon pan', 500, 'jpy'],
      ['Baklava', 1250, 'kwd'],
      ['Roll', 250, 'usd'],
    ]);
    await expect(
      caller.appSettings.save({ projectId: project.id, catalog: { ...catalog, priceColumn: 'note' } }),
    ).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('"note" is a text column, so it cannot hold a price'),
    });
  });

  it('a buyer names only the item: amount, currency, price, trial or a return address in the request are refused, and the catalog price is charged', async () => {
    const { project, slug } = await shop();
    // The request's Origin never decides where Checkout sends the buyer back.
    const ann = appClient(env.handle, slug, { origin: 'https://evil.example' });
    await ann.mutation('signUp', { email: `ann-${uniqueSuffix()}@example.test`, password: 'long-enough-1' });
    const [beans] = await ann.query<{ key: string }[]>('catalog');
    await expect(ann.mutation('buy', { itemKey: beans.key, amount: 1 })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'amount is decided by the shop from the item; remove it from the request.',
      data: { fieldErrors: { amount: expect.any(String) } },
    });
    for (const field of ['currency', 'price', 'trialDays', 'successUrl'])
      await expect(
        ann.mutation('buy', { itemKey: beans.key, [field]: field === 'trialDays' ? 730 : 'https://evil.example/' }),
      ).rejects.toMatchObject({ code: 'BAD_REQUEST', data: { fieldErrors: { [field]: expect.any(String) } } });
    expect(await ann.query<OrderView[]>('myOrders')).toEqual([]);

    const bought = await ann.mutation<{ orderId: number; checkoutUrl: string }>('buy', { itemKey: beans.key });
    const [mine] = await ann.query<OrderView[]>('myOrders');
    expect(mine.payments.map((p) => p.amount)).toEqual([1500]);
    const { stripe } = await servicesFor(env.handle).stripeAccounts.forProject(env.handle.db, project.id);
    const session = await stripe.checkout.sessions.retrieve(bought.checkoutUrl.split('/').pop() as string);
    expect(session.amount_total).toBe(1500);
    expect(new URL(String(session.success_url)).origin).toBe(publicOrigin());
  });

  it('"Try again" after a decline pays the same order at what the shop charged; refused while paid, pending or for another buyer', async () => {
    const { project, slug } = await shop();
    const ann = appClient(env.handle, slug);
    const bob = appClient(env.handle, slug);
    await ann.mutation('signUp', { email: `ann-${uniqueSuffix()}@example.test`, password: 'long-enough-1' });
    await bob.mutation('signUp', { email: `bob-${uniqueSuffix()}@example.test`, password: 'long-enough-1' });
    // A shop that sells nothing recurring does not show "My subscriptions".
    expect((await ann.query<{ sellsSubscriptions: boolean }>('info')).sellsSubscriptions).toBe(false);
    const [beans] = await ann.query<{ key: string }[]>('catalog');
    const bought = await ann.mutation<{ orderId: number; checkoutUrl: string }>('buy', { itemKey: beans.key });
    // Still waiting for the first attempt: nothing to try again.
    await expect(ann.mutation('payAgain', { orderId: bought.orderId })).rejects.toMatchObject({ code: 'CONFLICT' });
    const [first] = (await ann.query<OrderView[]>('myOrders'))[0].payments;
    const backend = { kind: 'backend' } as const;
    await updateRows(env.handle.db, project.id, backend, 'payment', [{ column: 'id', op: 'eq', value: first.id }], {
      status: 'FAILED',
      failure_reason: 'Your card was declined.',
    });
    await expect(bob.mutation('payAgain', { orderId: bought.orderId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const again = await ann.mutation<{ orderId: number; checkoutUrl: string }>('payAgain', { orderId: bought.orderId });
    expect(again.orderId).toBe(bought.orderId);
    expect(again.checkoutUrl).toMatch(/\/c\/pay\/cs_test_/);
    const orders = await ann.query<OrderView[]>('myOrders');
    expect(orders).toHaveLength(1);
    expect(orders[0].payments.map((p) => [p.status, p.amount])).toEqual([
      ['PENDING', 1500],
      ['FAILED', 1500],
    ]);
    const { stripe } = await servicesFor(env.handle).stripeAccounts.forProject(env.handle.db, project.id);
    const session = await stripe.checkout.sessions.retrieve(again.checkoutUrl.split('/').pop() as string);
    expect(session.amount_total).toBe(1500);
    // Paid: no more tries.
    await updateRows(
      env.handle.db,
      project.id,
      backend,
      'payment',
      [{ column: 'status', op: 'eq', value: 'PENDING' }],
      {
        status: 'SUCCESSFUL',
      },
    );
    await expect(ann.mutation('payAgain', { orderId: bought.orderId })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('buys through Checkout as the end user; each user sees only their orders, live', async () => {
    const { user, project, slug } = await shop();
    const ann = appClient(env.handle, slug, { origin: 'http://shop.test' });
    const bob = appClient(env.handle, slug);
    await ann.mutation('signUp', { email: `ann-${uniqueSuffix()}@example.test`, password: 'long-enough-1' });
    await bob.mutation('signUp', { email: `bob-${uniqueSuffix()}@example.test`, password: 'long-enough-1' });
    const [beans] = await ann.query<{ key: string }[]>('catalog');
    // The studio's own stream (builder: every row), as the Payments page would use it.
    const abortStudio = new AbortController();
    const studioEvents: { table: string; rowId: number }[] = [];
    const studio = createCaller({ db: env.handle, user, headers: new Headers() }, { signal: abortStudio.signal });
    const studioIterable = await studio.realtime.changes({ projectId: project.id, tables: ['payment'] });
    const studioDone = (async () => {
      for await (const tracked of studioIterable as AsyncIterable<unknown>) {
        const [, data] = tracked as [string, { table: string; rowId: number }];
        studioEvents.push(data);
      }
    })().catch(() => {});
    const annStream = await ann.subscribe({ tables: ['order', 'payment'] });
    const bobStream = await bob.subscribe({ tables: ['order', 'payment'] });
    await waitFor(() => getChangeHub(env.handle).subscriberCount(project.id) === 3);

    const bought = await ann.mutation<{ orderId: number; checkoutUrl: string; kind: string }>('buy', {
      itemKey: beans.key,
    });
    expect(bought.kind).toBe('payment');
    expect(bought.checkoutUrl).toMatch(/\/c\/pay\/cs_test_/);

    const annOrders = await ann.query<OrderView[]>('myOrders');
    expect(annOrders).toHaveLength(1);
    expect(annOrders[0].order).toMatchObject({ id: bought.orderId, item: 'Beans' });
    expect(annOrders[0].label).toBe('Beans');
    expect(annOrders[0].payments.map((p) => [p.status, p.amount])).toEqual([['PENDING', 1500]]);
    expect(await bob.query('myOrders')).toEqual([]);

    // The flow marking the payment paid is a committed update: Ann sees it live, Bob never does.
    const paymentId = annOrders[0].payments[0].id;
    await updateRows(
      env.handle.db,
      project.id,
      { kind: 'backend' },
      'payment',
      [{ column: 'id', op: 'eq', value: paymentId }],
      {
        status: 'SUCCESSFUL',
        paid_at: new Date(),
      },
    );
    await waitFor(() =>
      annStream.events.some((e) => e.data.table === 'payment' && e.data.row?.status === 'SUCCESSFUL'),
    );
    await new Promise((r) => setTimeout(r, 150));
    await waitFor(() => studioEvents.some((e) => e.rowId === paymentId));
    abortStudio.abort();
    await studioDone;
    await annStream.close();
    await bobStream.close();
    expect(annStream.events.map((e) => e.data.table)).toContain('order');
    expect(studioEvents.every((e) => e.table === 'payment')).toBe(true);
    expect(bobStream.events).toEqual([]);

    // Refunds are for roles given the refund action, checked on the server.
    await expect(bob.query('adminPayments')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(ann.mutation('refund', { paymentId, amount: 100 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await setActionPermission(env.handle.db, project.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    const bobId = (await bob.query<{ me: { id: number } }>('info')).me.id;
    await setEndUserRole(env.handle.db, project.id, bobId, 'admin');
    const info = await bob.query<{ can: { refund: boolean } }>('info');
    expect(info.can.refund).toBe(true);
    const all = await bob.query<{ id: number; status: string }[]>('adminPayments');
    expect(all.map((p) => [p.id, p.status])).toEqual([[paymentId, 'SUCCESSFUL']]);
    // The refund takes the same input as REST: a payment named by Stripe's PaymentIntent id is looked up as Bob.
    await expect(bob.mutation('refund', { paymentId: 'pi_nothing_here' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'No payment with that Stripe id.',
    });

    // The embedded card form's path: a Payment Intent whose client secret goes to Stripe.js.
    const intent = await ann.mutation<{ clientSecret: string | null; checkoutUrl: string | null }>('buy', {
      itemKey: beans.key,
      method: 'payment_intent',
    });
    expect(intent.clientSecret).toMatch(/^pi_.+_secret_/);
    expect(intent.checkoutUrl).toBeNull();
  });
});
