import { createTable, insertRow } from '@tillflow/data-model';
import { uniqueSuffix } from '@tillflow/db/testing';
import { describe, expect, it } from 'vitest';
import { withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

describe('the overview’s setup guide follows the project’s real state', () => {
  const env = withDbAndSandbox();

  it('starts with nothing done, says what is missing, and ticks each step as it really happens', async () => {
    const { caller } = await signUpBuilder(env.handle, 'baker');
    const project = await caller.project.create({ name: 'Bakery', slug: `bakery-${uniqueSuffix()}` });
    const guide = () => caller.project.setupGuide({ projectId: project.id });
    const done = async () => Object.fromEntries((await guide()).map((s) => [s.id, s.done]));

    const first = await guide();
    expect(first.map((s) => s.title)).toEqual([
      'Describe what you sell',
      'Keep your orders',
      'Turn on payments',
      'Try a test payment',
      'Go live with your Stripe keys',
    ]);
    expect(first.every((s) => !s.done)).toBe(true);
    expect(first[0]).toMatchObject({ href: `/projects/${project.id}/data`, linkText: 'Open Data' });
    expect(first[0].detail).toMatch(/a price \(decimal, typed like 8.50\)/);
    for (const step of first) expect(`${step.title} ${step.detail}`).not.toMatch(/nodes\.|[A-Z]{3,}_[A-Z]/);

    await createTable(env.handle.db, project.id, {
      name: 'products',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'price', type: 'decimal' },
      ],
    });
    await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'products', {
      name: 'Sourdough loaf',
      price: '8.50',
    });
    await createTable(env.handle.db, project.id, { name: 'orders', columns: [{ name: 'title', type: 'text' }] });
    expect(await done()).toMatchObject({ products: false, orders: true, payments: false });
    expect((await guide())[0]).toMatchObject({ href: `/projects/${project.id}/app` });

    await caller.appSettings.save({
      projectId: project.id,
      catalog: {
        source: 'table',
        table: 'products',
        nameColumn: 'name',
        priceColumn: 'price',
        orderLabelColumn: 'title',
      },
    });
    await caller.payments.activate({
      projectId: project.id,
      orderTable: 'orders',
      confirmPermanent: true,
      setupDefaults: true,
    });
    expect(await done()).toEqual({
      products: true,
      orders: true,
      payments: true,
      test_payment: false,
      go_live: false,
    });
    const test = (await guide()).find((s) => s.id === 'test_payment');
    expect(test).toMatchObject({ href: `/app/${project.slug}`, linkText: 'Open your shop' });
    expect(test?.detail).toContain('4242 4242 4242 4242');

    const [order] = (await caller.dataModel.queryRows({ projectId: project.id, table: 'orders' })).rows;
    const orderId =
      order?.id ??
      (await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'orders', { title: 'Sourdough loaf' })).id;
    await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'payment', {
      order_id: orderId,
      amount: 850,
      currency: 'usd',
      status: 'SUCCESSFUL',
      method: 'checkout',
    });
    expect((await done()).test_payment).toBe(true);
  });
});
