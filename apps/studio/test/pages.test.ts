import {
  createRole,
  createTable,
  insertRow,
  queryRows,
  setActionPermission,
  setEndUserRole,
  setTablePermission,
} from '@tillflow/data-model';
import { executeRows } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import type { PageView, ViewNode } from '~/server/pages/render';
import { servicesFor } from '~/server/services';
import { appClient } from './app-client';
import { coffeeShop, withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

type PageAnswer = { status: string; pageId?: number; view?: PageView };
type ActionAnswer = { ok: boolean; effects: { kind: string; href?: string; text?: string }[] };

const walk = (nodes: ViewNode[]): ViewNode[] =>
  nodes.flatMap((n) => [
    n,
    ...('children' in n ? walk(n.children) : []),
    ...(n.kind === 'data_list' ? n.items.flatMap((i) => walk(i.children)) : []),
  ]);
const ofKind = <K extends ViewNode['kind']>(view: PageView | undefined, kind: K) =>
  walk(view?.blocks ?? []).filter((n): n is Extract<ViewNode, { kind: K }> => n.kind === kind);

const pricingBlocks = [
  { id: 'title', kind: 'heading', props: { text: 'Our coffee', level: '1' } },
  {
    id: 'products',
    kind: 'data_list',
    props: { table: 'product', sort: { column: 'name', direction: 'asc' } },
    children: [
      { id: 'name', kind: 'text', props: { text: '{{ item.name }}' } },
      { id: 'price', kind: 'money', props: { amount: '{{ item.price }}' } },
      {
        id: 'buy',
        kind: 'button',
        props: {
          label: 'Buy',
          onClick: {
            steps: [
              { type: 'create_row', id: 'order', table: 'order', values: { item: '{{ item.name }}' } },
              { type: 'pay', orderId: '{{ results.order.id }}', product: '{{ item.id }}' },
            ],
          },
        },
      },
    ],
  },
];

// Each case builds a project, activates payments and signs users up: slow on a loaded machine.
describe('pages: builders compose pages, end users open them and press their buttons', { timeout: 120_000 }, () => {
  // PGlite applies every migration in WebAssembly first: on a loaded machine that alone can pass a minute.
  const env = withDbAndSandbox(240_000);

  async function shop() {
    const { caller } = await signUpBuilder(env.handle, 'pagebuilder');
    const { project, slug } = await coffeeShop(env.handle, caller, 'pages', [{ name: 'Beans', price: 1500 }]);
    for (const role of ['anonymous', 'user'] as const)
      await setTablePermission(env.handle.db, project.id, {
        role,
        table: 'product',
        operation: 'read',
        allowed: true,
        scope: 'all',
      });
    const signUp = async (label: string) => {
      const client = appClient(env.handle, slug);
      await client.mutation('signUp', { email: `${label}-${uniqueSuffix()}@x.test`, password: 'long-enough-1' });
      return client;
    };
    return { caller, project, slug, signUp };
  }

  it('a draft saves with optimistic concurrency, publishes only when valid, and rolls back to an older version', async () => {
    const { caller, project, slug } = await shop();
    const page = await caller.pages.create({ projectId: project.id, title: 'Pricing' });
    const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
    expect(got.draft).toMatchObject({ path: '/pricing', access: { kind: 'public' }, blocks: [] });
    const saved = await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: got.revision,
      definition: { ...got.draft, blocks: [{ id: 'l', kind: 'data_list', props: { table: 'nope' } }] },
    });
    expect(saved.issues.map((i) => i.code)).toEqual(['unknown_table']);
    // A second editor still on the old revision is refused, not silently overwriting.
    await expect(
      caller.pages.saveDraft({
        projectId: project.id,
        pageId: page.id,
        expectedRevision: got.revision,
        definition: got.draft,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(caller.pages.publish({ projectId: project.id, pageId: page.id })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'This page cannot be published: l: Data list: there is no table "nope".',
    });
    const v1 = { ...got.draft, blocks: [{ id: 'h', kind: 'heading', props: { text: 'First' } }] };
    const r2 = await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: saved.revision,
      definition: v1,
    });
    expect(await caller.pages.publish({ projectId: project.id, pageId: page.id })).toEqual({ version: 1 });
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: r2.revision,
      definition: { ...v1, blocks: [{ id: 'h', kind: 'heading', props: { text: 'Second' } }] },
    });
    const visitor = appClient(env.handle, slug);
    const heading = async () =>
      ofKind((await visitor.query<PageAnswer>('page', { path: '/pricing' })).view, 'heading')[0]?.text;
    expect(await heading()).toBe('First'); // the draft is not live until published
    await caller.pages.publish({ projectId: project.id, pageId: page.id });
    expect(await heading()).toBe('Second');
    expect(await caller.pages.rollback({ projectId: project.id, pageId: page.id, version: 1 })).toEqual({ version: 3 });
    expect(await heading()).toBe('First');
    expect(
      (await caller.pages.versions({ projectId: project.id, pageId: page.id })).map((v) => [v.version, v.live]),
    ).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);
    // list, duplicate, set home, delete
    const copy = await caller.pages.duplicate({ projectId: project.id, pageId: page.id });
    await caller.pages.setHome({ projectId: project.id, pageId: copy.id });
    // (Turning payments on made the default pages too: default-pages.test.ts; left out here.)
    const defaults = ['Shop', 'My orders', 'My subscriptions', 'Refunds'];
    const list = (await caller.pages.list({ projectId: project.id })).filter((p) => !defaults.includes(p.title));
    expect(list.map((p) => [p.title, p.path, p.isHome, p.status])).toEqual([
      ['Pricing (copy)', '/pricing-copy', true, 'draft'],
      ['Pricing', '/pricing', false, 'published'],
    ]);
    await caller.pages.delete({ projectId: project.id, pageId: copy.id });
    expect(
      (await caller.pages.list({ projectId: project.id })).map((p) => p.title).filter((t) => !defaults.includes(t)),
    ).toEqual(['Pricing']);
    expect((await visitor.query<PageAnswer>('page', { path: '/nowhere' })).status).toBe('missing');
  });

  it('a shopper buys from a builder-made pricing page: the order is created as them and the catalog price is charged', async () => {
    const { caller, project, slug, signUp } = await shop();
    const ordersPage = await caller.pages.create({ projectId: project.id, title: 'My orders' });
    const ordersDraft = await caller.pages.get({ projectId: project.id, pageId: ordersPage.id });
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: ordersPage.id,
      expectedRevision: ordersDraft.revision,
      definition: {
        ...ordersDraft.draft,
        access: { kind: 'signed_in' },
        blocks: [
          {
            id: 'mine',
            kind: 'data_list',
            props: { table: 'order', onlyMine: true },
            children: [{ id: 'what', kind: 'text', props: { text: '{{ item.item }}' } }],
          },
        ],
      },
    });
    await caller.pages.publish({ projectId: project.id, pageId: ordersPage.id });
    const page = await caller.pages.create({ projectId: project.id, title: 'Pricing' });
    const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
    const blocks = structuredClone(pricingBlocks) as typeof pricingBlocks;
    (blocks[1].children?.[2].props.onClick as Record<string, unknown>).onSuccess = [
      { type: 'navigate', to: '/my-orders' },
    ];
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: got.revision,
      definition: { ...got.draft, blocks },
    });
    await caller.pages.publish({ projectId: project.id, pageId: page.id });

    const visitor = appClient(env.handle, slug);
    const seen = await visitor.query<PageAnswer>('page', { path: '/pricing' });
    expect(seen.status).toBe('ok');
    expect(ofKind(seen.view, 'text').map((t) => t.text)).toEqual(['Beans']);
    expect(ofKind(seen.view, 'money').map((t) => t.text)).toEqual(['$15.00']);
    expect(seen.view?.tables).toEqual(['product']);
    // Signed out, the shopper has no role that may create orders: the button is not shown, and the server refuses.
    expect(ofKind(seen.view, 'button')).toEqual([]);
    const list = ofKind(seen.view, 'data_list')[0];
    await expect(
      visitor.mutation<ActionAnswer>('runAction', {
        pageId: page.id,
        blockId: 'buy',
        path: '/pricing',
        itemId: list.items[0].rowId,
      }),
    ).resolves.toMatchObject({ ok: false, effects: [{ kind: 'message' }] });

    const ann = await signUp('ann');
    const mine = await ann.query<PageAnswer>('page', { path: '/pricing' });
    const [buy] = ofKind(mine.view, 'button');
    expect(buy).toMatchObject({ label: 'Buy', itemId: list.items[0].rowId });
    // Anything about price in the request is not read: the product's own price is charged.
    const done = await ann.mutation<ActionAnswer>('runAction', {
      pageId: page.id,
      blockId: 'buy',
      path: '/pricing',
      itemId: buy.itemId,
      amount: 1,
      currency: 'jpy',
    });
    expect(done.ok).toBe(true);
    const redirect = done.effects.find((e) => e.kind === 'redirect');
    expect(redirect?.href).toBeTruthy();
    const { stripe } = await servicesFor(env.handle).stripeAccounts.forProject(env.handle.db, project.id);
    const session = await stripe.checkout.sessions.retrieve(String(redirect?.href).split('/').pop() as string);
    expect([session.amount_total, session.currency]).toEqual([1500, 'usd']);
    // Checkout brings the buyer back to where the chain goes on success: the builder's "My orders" page.
    expect(String(session.success_url)).toMatch(new RegExp(`/app/${slug}/my-orders\\?paid=\\d+$`));
    const myOrders = await ann.query<PageAnswer>('page', { path: '/my-orders' });
    expect(ofKind(myOrders.view, 'text').map((t) => t.text)).toEqual(['Beans']);
    const bob = await signUp('bob');
    expect(ofKind((await bob.query<PageAnswer>('page', { path: '/my-orders' })).view, 'text')).toEqual([]);
    const { rows: orders } = await queryRows(env.handle.db, project.id, { kind: 'backend' }, 'order', {});
    expect(orders.map((o) => o.item)).toEqual(['Beans']);
    // A row the list does not show cannot be named.
    await expect(
      ann.mutation('runAction', { pageId: page.id, blockId: 'buy', path: '/pricing', itemId: 999_999 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a role without refund permission never sees the refund button, and the server refuses it when called directly', async () => {
    const { caller, project, slug, signUp } = await shop();
    const page = await caller.pages.create({ projectId: project.id, title: 'Refunds' });
    const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
    await setActionPermission(env.handle.db, project.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: got.revision,
      definition: {
        ...got.draft,
        access: { kind: 'signed_in' },
        blocks: [
          { id: 'who', kind: 'text', props: { text: 'Signed in as {{ user.email }}' } },
          {
            id: 'refund',
            kind: 'button',
            props: { label: 'Refund', onClick: { steps: [{ type: 'refund', paymentId: '1' }] } },
          },
        ],
      },
    });
    await caller.pages.publish({ projectId: project.id, pageId: page.id });
    expect((await appClient(env.handle, slug).query<PageAnswer>('page', { path: '/refunds' })).status).toBe('sign_in');
    const bob = await signUp('bob');
    const view = (await bob.query<PageAnswer>('page', { path: '/refunds' })).view;
    expect(ofKind(view, 'text')[0].text).toMatch(/^Signed in as bob-/);
    expect(ofKind(view, 'button')).toEqual([]);
    const refused = await bob.mutation<ActionAnswer>('runAction', {
      pageId: page.id,
      blockId: 'refund',
      path: '/refunds',
    });
    expect(refused).toMatchObject({
      ok: false,
      effects: [{ kind: 'message', text: 'Your role is not allowed to use the refund action.' }],
    });
    const me = await bob.query<{ me: { id: number } }>('info');
    await setEndUserRole(env.handle.db, project.id, me.me.id, 'admin');
    expect(
      ofKind((await bob.query<PageAnswer>('page', { path: '/refunds' })).view, 'button').map((b) => b.label),
    ).toEqual(['Refund']);
  });

  it('a form inserts a row as the end user with its fields; one block failing shows an inline error, not a blank page', async () => {
    const { caller, project, signUp } = await shop();
    await createTable(env.handle.db, project.id, {
      name: 'note',
      columns: [
        { name: 'body', type: 'text', required: true },
        { name: 'stars', type: 'integer' },
      ],
    });
    await setTablePermission(env.handle.db, project.id, {
      role: 'user',
      table: 'note',
      operation: 'insert',
      allowed: true,
      scope: 'all',
    });
    const page = await caller.pages.create({ projectId: project.id, title: 'Feedback' });
    const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: got.revision,
      definition: {
        ...got.draft,
        access: { kind: 'signed_in' },
        blocks: [
          {
            id: 'f',
            kind: 'form',
            props: {
              table: 'note',
              fields: [{ column: 'body', label: 'Your note' }, { column: 'stars' }],
              onSubmit: {
                onSuccess: [{ type: 'show_message', text: 'Thanks for note {{ saved.id }}', tone: 'success' }],
              },
            },
          },
          // users may not read notes: this block fails alone
          { id: 'notes', kind: 'data_list', props: { table: 'note' }, children: [] },
          { id: 'after', kind: 'text', props: { text: 'Still here' } },
        ],
      },
    });
    await caller.pages.publish({ projectId: project.id, pageId: page.id });
    const ann = await signUp('ann');
    const view = (await ann.query<PageAnswer>('page', { path: '/feedback' })).view;
    expect(ofKind(view, 'form')[0].fields.map((f) => [f.label, f.type, f.required])).toEqual([
      ['Your note', 'text', true],
      ['Stars', 'integer', false],
    ]);
    expect(ofKind(view, 'error')).toEqual([{ id: 'notes', kind: 'error', message: 'You cannot see this.' }]);
    expect(ofKind(view, 'text').map((t) => t.text)).toEqual(['Still here']);
    const empty = await ann.mutation<ActionAnswer & { fieldErrors?: Record<string, string> }>('runAction', {
      pageId: page.id,
      blockId: 'f',
      path: '/feedback',
      form: { body: '', stars: '' },
    });
    expect(empty.ok).toBe(false);
    const ok = await ann.mutation<ActionAnswer>('runAction', {
      pageId: page.id,
      blockId: 'f',
      path: '/feedback',
      form: { body: 'Great beans', stars: '5' },
    });
    expect(ok).toMatchObject({
      ok: true,
      effects: [{ kind: 'message', text: expect.stringMatching(/^Thanks for note \d+$/) }],
    });
    const { rows } = await queryRows(env.handle.db, project.id, { kind: 'backend' }, 'note', {});
    expect(rows.map((r) => [r.body, r.stars])).toEqual([['Great beans', 5]]);
  });

  it('a button runs an actionflow as the signed-in shopper with inputs from the page, and shows its outputs', async () => {
    const { caller, project, signUp } = await shop();
    await setTablePermission(env.handle.db, project.id, {
      role: 'user',
      table: 'product',
      operation: 'update',
      allowed: true,
      scope: 'all',
    });
    // An actionflow called from a page: inputs product (number) and quantity (number), returns the total.
    const flow = await caller.flows.create({ projectId: project.id, name: 'Quote' });
    const loaded = await caller.flows.get({ projectId: project.id, flowId: flow.id });
    await caller.flows.saveDraft({
      projectId: project.id,
      flowId: flow.id,
      expectedRevision: loaded.revision,
      definition: {
        trigger: {
          kind: 'app_call',
          inputs: [
            { name: 'product', type: 'number' },
            { name: 'quantity', type: 'number' },
          ],
          outputs: [
            { name: 'total', type: 'number' },
            { name: 'name', type: 'string' },
          ],
          roles: ['user'],
        },
        graph: {
          nodes: [
            { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
            {
              id: 'find',
              type: 'query_rows',
              config: {
                table: 'product',
                filters: [{ column: 'id', op: 'eq', value: '{{ trigger.inputs.product }}' }],
              },
              position: { x: 0, y: 100 },
            },
            {
              id: 'answer',
              type: 'app_return',
              config: {
                values: {
                  total: '{{ nodes.find.first.price * trigger.inputs.quantity }}',
                  name: '{{ nodes.find.first.name }}',
                },
              },
              position: { x: 0, y: 200 },
            },
          ],
          edges: [
            { id: 'e1', source: 'trigger', target: 'find' },
            { id: 'e2', source: 'find', target: 'answer' },
          ],
        },
      },
    });
    await caller.flows.publish({ projectId: project.id, flowId: flow.id });

    const page = await caller.pages.create({ projectId: project.id, title: 'Quote' });
    const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
    expect(got.context.flows).toEqual([
      {
        id: flow.id,
        name: 'Quote',
        inputs: { product: 'number', quantity: 'number' },
        outputs: { total: 'number', name: 'string' },
        roles: ['user'],
      },
    ]);
    const quoteButton = (quantity: string) => ({
      id: 'quote',
      kind: 'button',
      props: {
        label: 'Price for three',
        onClick: {
          steps: [{ type: 'call_flow', id: 'q', flowId: flow.id, inputs: { product: '{{ item.id }}', quantity } }],
          onSuccess: [
            { type: 'show_message', text: '{{ results.q.name }} x3 costs {{ results.q.total }}', tone: 'success' },
          ],
        },
      },
    });
    const definition = (quantity: string) => ({
      ...got.draft,
      access: { kind: 'signed_in' as const },
      blocks: [{ id: 'products', kind: 'data_list', props: { table: 'product' }, children: [quoteButton(quantity)] }],
    });
    // A binding of the wrong type for an input is refused at save and publish.
    const saved = await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: got.revision,
      definition: definition('{{ user.email }}'),
    });
    expect(saved.issues.map((i) => i.code)).toEqual(['binding']);
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: saved.revision,
      definition: definition('3'),
    });
    await caller.pages.publish({ projectId: project.id, pageId: page.id });

    const ann = await signUp('ann');
    const view = (await ann.query<PageAnswer>('page', { path: '/quote' })).view;
    const [button] = ofKind(view, 'button');
    expect(button).toMatchObject({ label: 'Price for three' });
    const done = await ann.mutation<ActionAnswer>('runAction', {
      pageId: page.id,
      blockId: 'quote',
      path: '/quote',
      itemId: button.itemId,
    });
    expect(done).toEqual({ ok: true, effects: [{ kind: 'message', text: 'Beans x3 costs 4500', tone: 'success' }] });
    // The run is in the flow's history like any other, with the shopper as its caller.
    const me = await ann.query<{ me: { id: number } }>('info');
    const runs = await executeRows<{ status: string; trigger_payload: { caller: { userId: number } } }>(
      env.handle.db,
      sql`select status, trigger_payload from flow_run where flow_id = ${flow.id}`,
    );
    expect(runs).toMatchObject([{ status: 'succeeded', trigger_payload: { caller: { userId: me.me.id } } }]);

    // A role the flow does not list never sees the button, and the server refuses it.
    await createRole(env.handle.db, project.id, 'guest');
    await setEndUserRole(env.handle.db, project.id, me.me.id, 'guest');
    await setTablePermission(env.handle.db, project.id, {
      role: 'guest',
      table: 'product',
      operation: 'read',
      allowed: true,
      scope: 'all',
    });
    const asGuest = (await ann.query<PageAnswer>('page', { path: '/quote' })).view;
    expect(ofKind(asGuest, 'data_list')[0].items).toHaveLength(1);
    expect(ofKind(asGuest, 'button')).toEqual([]);
    const refused = await ann.mutation<ActionAnswer>('runAction', {
      pageId: page.id,
      blockId: 'quote',
      path: '/quote',
      itemId: button.itemId,
    });
    expect(refused).toEqual({
      ok: false,
      effects: [{ kind: 'message', text: 'Your role may not run "Quote".', tone: 'error' }],
    });
  });

  it('a data list shows its page size and pages on with a cursor, as the caller sees the rows', async () => {
    const { caller, project, slug } = await shop();
    for (const name of ['Cups', 'Filters', 'Grinder', 'Kettle'])
      await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'product', { name, price: 900 });
    const page = await caller.pages.create({ projectId: project.id, title: 'Everything' });
    const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: got.revision,
      definition: {
        ...got.draft,
        blocks: [
          {
            id: 'all',
            kind: 'data_list',
            props: { table: 'product', sort: { column: 'name', direction: 'asc' }, pageSize: 2 },
            children: [{ id: 'name', kind: 'text', props: { text: '{{ item.name }}' } }],
          },
        ],
      },
    });
    await caller.pages.publish({ projectId: project.id, pageId: page.id });
    const visitor = appClient(env.handle, slug);
    const pageOf = async (cursor?: string) => {
      const answer = await visitor.query<PageAnswer>('page', {
        path: '/everything',
        ...(cursor ? { cursors: { all: cursor } } : {}),
      });
      const [list] = ofKind(answer.view, 'data_list');
      return { names: ofKind(answer.view, 'text').map((t) => t.text), next: list.nextCursor };
    };
    const first = await pageOf();
    expect(first.names).toEqual(['Beans', 'Cups']);
    const second = await pageOf(first.next as string);
    expect(second.names).toEqual(['Filters', 'Grinder']);
    const third = await pageOf(second.next as string);
    expect(third).toEqual({ names: ['Kettle'], next: null });
    // A forged cursor breaks only that list, with a small inline error.
    const forged = await visitor.query<PageAnswer>('page', { path: '/everything', cursors: { all: 'not-a-cursor' } });
    expect(ofKind(forged.view, 'error').map((e) => e.message)).toEqual(['This part of the page could not be shown.']);
  });
});
