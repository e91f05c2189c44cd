import { createTable, insertRow } from '@tillflow/data-model';
import { uniqueSuffix } from '@tillflow/db/testing';
import { describe, expect, it } from 'vitest';
import { signUpEndUser } from '~/server/generated-app/auth';
import { handleRestRequest } from '~/server/rest/handler';
import { servicesFor } from '~/server/services';
import { withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

// GET orders over REST: the order table the shop turned payments on for, read as the caller like payments are.
describe('REST orders', () => {
  const env = withDbAndSandbox();

  async function shop(activate: boolean) {
    const { caller } = await signUpBuilder(env.handle, 'rest-orders');
    const slug = `orders-${uniqueSuffix()}`;
    const project = await caller.project.create({ name: 'Order shop', slug });
    await createTable(env.handle.db, project.id, {
      name: 'purchase',
      columns: [
        { name: 'title', type: 'text' },
        { name: 'amount', type: 'integer' },
      ],
    });
    if (activate)
      await caller.payments.activate({
        projectId: project.id,
        orderTable: 'purchase',
        confirmPermanent: true,
        setupDefaults: true,
      });
    const { key } = await caller.apiKeys.create({ projectId: project.id, name: 'backend' });
    const read = async (path: string, token?: string) => {
      const response = await handleRestRequest(
        servicesFor(env.handle),
        new Request(`http://localhost/api/v1/${slug}/${path}`, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
        }),
        [slug, ...path.split('?')[0].split('/')],
      );
      return { status: response.status, body: await response.json() };
    };
    return { project, key, read };
  }

  it('lists the bound order table newest first, filtered and in pages, reads one, and shows an end user only their own', async () => {
    const { project, key, read } = await shop(true);
    const buyer = await signUpEndUser(env.handle, project.id, {
      email: `buyer-${uniqueSuffix()}@example.test`,
      password: 'a-good-pass-7',
    });
    const backend = { kind: 'backend' } as const;
    const mine = await insertRow(env.handle.db, project.id, backend, 'purchase', {
      title: 'Loaf',
      amount: 850,
      customer: buyer.user.id,
    });
    const paid = await insertRow(env.handle.db, project.id, backend, 'purchase', {
      title: 'Cake',
      amount: 2400,
      status: 'paid',
    });

    expect((await read('orders', key)).body).toMatchObject({
      data: [
        { id: paid.id, title: 'Cake', status: 'paid' },
        { id: mine.id, title: 'Loaf', status: 'pending' },
      ],
      nextCursor: null,
    });
    expect((await read('orders?status=paid', key)).body.data.map((o: { id: number }) => o.id)).toEqual([paid.id]);
    const first = await read('orders?limit=1', key);
    expect(first.body.data.map((o: { id: number }) => o.id)).toEqual([paid.id]);
    const second = await read(`orders?limit=1&after=${encodeURIComponent(first.body.nextCursor)}`, key);
    expect(second.body.data.map((o: { id: number }) => o.id)).toEqual([mine.id]);
    expect(await read(`orders/${mine.id}`, key)).toMatchObject({ status: 200, body: { id: mine.id, amount: 850 } });
    expect(await read('orders/999999', key)).toMatchObject({
      status: 404,
      body: { error: { message: 'No order 999999.' } },
    });
    expect(await read('orders?colour=red', key)).toMatchObject({
      status: 400,
      body: {
        error: { message: 'Unknown filter "colour". Filter by status.', fieldErrors: { colour: 'Not a filter.' } },
      },
    });
    expect(await read('orders?limit=500', key)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
    expect((await read('orders')).status).toBe(401);

    // The shopper reads their own order only; another's is "not found", not forbidden.
    expect((await read('orders', buyer.token)).body.data.map((o: { id: number }) => o.id)).toEqual([mine.id]);
    expect((await read(`orders/${mine.id}`, buyer.token)).status).toBe(200);
    expect((await read(`orders/${paid.id}`, buyer.token)).status).toBe(404);
  });

  it('answers in words before payments are turned on: there is no order table yet', async () => {
    const { key, read } = await shop(false);
    expect(await read('orders', key)).toMatchObject({
      status: 412,
      body: {
        error: { code: 'PRECONDITION_FAILED', message: 'This shop has no orders yet: payments are not turned on.' },
      },
    });
  });
});
