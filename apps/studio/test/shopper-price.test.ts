import { createTable, insertRow, queryRows, setActionPermission, setTablePermission } from '@tillflow/data-model';
import { uniqueSuffix } from '@tillflow/db/testing';
import { describe, expect, it } from 'vitest';
import { signUpEndUser } from '~/server/generated-app/auth';
import { handleRestRequest } from '~/server/rest/handler';
import { servicesFor } from '~/server/services';
import { appClient } from './app-client';
import { withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

type ActionAnswer = { ok: boolean; effects: { kind: string; text?: string }[]; fieldErrors?: Record<string, string> };
const BACKEND = { kind: 'backend' } as const;

// Issue 12's residual: "Set up buying for me" lets shoppers create their own orders, and the order's own amount
// is what an end user's payment charges. Every way a shopper can write an order (the app's pages: forms,
// create-row and update-row steps; the app's Buy; REST with their token) must leave its price to the server.
describe('a shopper cannot write their own price', { timeout: 180_000 }, () => {
  const env = withDbAndSandbox();

  it('by a page form, a create-row or update-row step, the app’s Buy or REST: refused or charged the shop’s price', async () => {
    const { caller } = await signUpBuilder(env.handle, 'pricer');
    const slug = `price-${uniqueSuffix()}`;
    const project = await caller.project.create({ name: 'Desk shop', slug });
    await createTable(env.handle.db, project.id, {
      name: 'order',
      columns: [
        { name: 'item', type: 'text' },
        { name: 'amount', type: 'integer' },
        { name: 'currency', type: 'text' },
        { name: 'customer', type: 'relation', relationTable: 'end_user' },
      ],
      ownerColumn: 'customer',
    });
    // Shoppers may create, see and edit their own orders, and pay.
    for (const operation of ['insert', 'read', 'update'] as const)
      await setTablePermission(env.handle.db, project.id, {
        role: 'user',
        table: 'order',
        operation,
        allowed: true,
        scope: 'own',
      });
    await setActionPermission(env.handle.db, project.id, { role: 'user', action: 'stripe.payment', allowed: true });
    await createTable(env.handle.db, project.id, {
      name: 'product',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'price', type: 'integer' },
      ],
    });
    await insertRow(env.handle.db, project.id, BACKEND, 'product', { name: 'Desk', price: 10_000 });
    // Pages the builder made before turning payments on: they write the order's price as the shopper.
    const page = await caller.pages.create({ projectId: project.id, title: 'Cheap' });
    const draft = await caller.pages.get({ projectId: project.id, pageId: page.id });
    const definition = {
      ...draft.draft,
      path: '/cheap/:order',
      access: { kind: 'signed_in' as const },
      blocks: [
        {
          id: 'form',
          kind: 'form',
          props: {
            table: 'order',
            fields: [{ column: 'item' }, { column: 'amount' }],
            onSubmit: { onSuccess: [{ type: 'show_message', text: 'Saved', tone: 'success' }] },
          },
        },
        {
          id: 'cheap',
          kind: 'button',
          props: {
            label: 'Buy for a cent',
            onClick: {
              steps: [
                { type: 'create_row', id: 'order', table: 'order', values: { item: 'Desk', amount: '1' } },
                { type: 'pay', orderId: '{{ results.order.id }}' },
              ],
            },
          },
        },
        {
          id: 'discount',
          kind: 'button',
          props: {
            label: 'Discount my order',
            onClick: {
              steps: [
                { type: 'update_row', table: 'order', rowId: '{{ page.params.order }}', values: { amount: '1' } },
              ],
            },
          },
        },
      ],
    };
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: draft.revision,
      definition,
    });
    await caller.pages.publish({ projectId: project.id, pageId: page.id });

    // "Set up buying for me" (status column, the order's owner, shoppers creating their own orders).
    await caller.payments.activate({
      projectId: project.id,
      orderTable: 'order',
      confirmPermanent: true,
      setupDefaults: true,
    });
    await caller.appSettings.save({
      projectId: project.id,
      catalog: {
        source: 'table',
        table: 'product',
        nameColumn: 'name',
        priceColumn: 'price',
        orderLabelColumn: 'item',
      },
    });
    const binding = await caller.payments.orderBinding({ projectId: project.id });
    expect(binding).toMatchObject({ amountColumn: 'amount', currencyColumn: 'currency', currency: 'usd' });
    expect(binding?.serverColumns.sort()).toEqual(['amount', 'currency', 'status']);

    const ann = appClient(env.handle, slug);
    await ann.mutation('signUp', { email: `ann-${uniqueSuffix()}@example.test`, password: 'long-enough-1' });
    const run = (blockId: string, extra: Record<string, unknown> = {}) =>
      ann.mutation<ActionAnswer>('runAction', { pageId: page.id, blockId, path: '/cheap/0', ...extra });
    const orders = async () => (await queryRows(env.handle.db, project.id, BACKEND, 'order', {})).rows;

    // A form with the amount field, and a create-row step naming an amount: refused with words, nothing written.
    const form = await run('form', { form: { item: 'Desk', amount: '1' } });
    expect(form).toMatchObject({
      ok: false,
      effects: [{ kind: 'message', text: expect.stringMatching(/"amount" of "order" is set by the shop/) }],
      fieldErrors: { amount: expect.stringMatching(/^Set by the shop/) },
    });
    const cheap = await run('cheap');
    expect(cheap).toMatchObject({
      ok: false,
      effects: [{ kind: 'message', text: expect.stringMatching(/cannot be filled in here/) }],
    });
    expect(await orders()).toEqual([]);

    // The app's Buy: the order is created for Ann with the catalog's price, written by the server.
    const [desk] = await ann.query<{ key: string }[]>('catalog');
    const bought = await ann.mutation<{ orderId: number; checkoutUrl: string }>('buy', { itemKey: desk.key });
    expect(await orders()).toMatchObject([{ id: bought.orderId, item: 'Desk', amount: 10_000, currency: 'usd' }]);
    const { stripe } = await servicesFor(env.handle).stripeAccounts.forProject(env.handle.db, project.id);
    const session = await stripe.checkout.sessions.retrieve(bought.checkoutUrl.split('/').pop() as string);
    expect(session.amount_total).toBe(10_000);

    // Changing the price of her own pending order: refused, the amount stays.
    const discount = await run('discount', { path: `/cheap/${bought.orderId}` });
    expect(discount.ok).toBe(false);
    expect(discount.effects[0].text).toMatch(/cannot be changed here/);
    expect((await orders())[0]).toMatchObject({ amount: 10_000 });

    // REST with an end user's token: the order she may create herself carries no price, so it is not charged.
    const bob = await signUpEndUser(env.handle, project.id, {
      email: `bob-${uniqueSuffix()}@example.test`,
      password: 'a-good-pass-7',
    });
    const bobActor = { kind: 'endUser' as const, userId: bob.user.id, role: bob.user.role };
    await expect(
      insertRow(env.handle.db, project.id, bobActor, 'order', { item: 'Desk', amount: 1, currency: 'usd' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const own = await insertRow(env.handle.db, project.id, bobActor, 'order', { item: 'Desk' });
    const pay = await handleRestRequest(
      servicesFor(env.handle),
      new Request(`http://localhost/api/v1/${slug}/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bob.token}` },
        body: JSON.stringify({ orderId: own.id, method: 'payment_intent' }),
      }),
      [slug, 'payments'],
    );
    expect(pay.status).toBe(412);
    expect(await pay.json()).toMatchObject({
      error: { code: 'PRECONDITION_FAILED', message: expect.stringMatching(/has no amount yet/) },
    });
    const { rows: payments } = await queryRows(env.handle.db, project.id, BACKEND, 'payment', {
      filters: [{ column: 'order_id', op: 'eq', value: own.id }],
    });
    expect(payments).toEqual([]);

    // The page editor now says what is wrong with the old page, and will not publish it again.
    const { issues } = await caller.pages.get({ projectId: project.id, pageId: page.id });
    expect(issues.filter((i) => i.code === 'system_managed').map((i) => i.field)).toEqual([
      'fields.1.column',
      'onClick.steps.0.values.amount',
      'onClick.steps.0.values.amount',
    ]);
    await expect(caller.pages.publish({ projectId: project.id, pageId: page.id })).rejects.toMatchObject({
      message: expect.stringMatching(/set by payments/),
    });
  });
});
