import { describe, expect, it } from 'vitest';
import {
  blockCatalog,
  blockKinds,
  evaluateText,
  evaluateValue,
  fillPath,
  matchPath,
  newBlock,
  type PageContext,
  pageRefusedMessage,
  propMeta,
  validatePage,
} from '../src';

const ctx: PageContext = {
  tables: [
    {
      name: 'product',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'price', type: 'decimal' },
        { name: 'image', type: 'text' },
      ],
    },
    {
      name: 'order',
      ownerColumn: 'owner',
      columns: [
        { name: 'title', type: 'text' },
        { name: 'owner', type: 'relation' },
        { name: 'product', type: 'relation' },
        { name: 'status', type: 'enum', enumOptions: ['pending', 'paid', 'failed'] },
        { name: 'paid_at', type: 'timestamp' },
      ],
    },
  ],
  roles: ['anonymous', 'user', 'admin', 'support'],
  tablePermissions: [
    { role: 'user', table: 'order', operation: 'insert' },
    { role: 'user', table: 'order', operation: 'read' },
    { role: 'admin', table: 'order', operation: 'update' },
  ],
  actionPermissions: [
    { role: 'user', action: 'stripe.payment' },
    { role: 'admin', action: 'stripe.refund' },
  ],
  flows: [
    {
      id: 'f7',
      name: 'Quote',
      inputs: { quantity: 'number' },
      outputs: { total: 'number', note: 'string' },
      roles: [],
    },
    { id: 'f8', name: 'Staff tool', inputs: {}, outputs: {}, roles: ['admin'] },
  ],
  paths: ['/', '/pricing', '/orders', '/orders/:orderId'],
};

const page = (blocks: unknown[], extra: Record<string, unknown> = {}) => ({
  title: 'Pricing',
  path: '/pricing',
  access: { kind: 'signed_in' },
  blocks,
  ...extra,
});
const codes = (p: unknown) => validatePage(p, ctx).map((i) => i.code);

const pricing = page([
  { id: 'title', kind: 'heading', props: { text: 'Our bread', level: '1' } },
  {
    id: 'products',
    kind: 'data_list',
    props: { table: 'product', layout: 'cards', sort: { column: 'name', direction: 'asc' } },
    children: [
      { id: 'name', kind: 'text', props: { text: '{{ item.name }}' } },
      { id: 'price', kind: 'money', props: { amount: '{{ item.price }}', unit: 'major' } },
      { id: 'picture', kind: 'image', props: { src: '{{ item.image }}', alt: '{{ item.name }}' } },
      {
        id: 'buy',
        kind: 'button',
        props: {
          label: 'Buy',
          onClick: {
            steps: [
              {
                type: 'create_row',
                id: 'order',
                table: 'order',
                values: { title: '{{ item.name }}', product: '{{ item.id }}' },
              },
              { type: 'pay', orderId: '{{ results.order.id }}', product: '{{ item.id }}' },
            ],
          },
        },
      },
    ],
  },
]);

describe('page model: a page is valid', () => {
  it('accepts a pricing page whose buy button creates an order and pays for it', () => {
    expect(validatePage(pricing, ctx)).toEqual([]);
  });

  it('accepts every block kind with its default props, when placed where it can work', () => {
    for (const kind of blockKinds) {
      const block = newBlock(kind, `b_${kind}`);
      if (kind === 'data_list' || kind === 'record_view' || kind === 'form') block.props.table = 'order';
      if (kind === 'record_view') block.props.rowId = '{{ page.params.orderId }}';
      if (kind === 'form') block.props.fields = [{ column: 'title' }];
      const issues = validatePage(page([block], { path: '/orders/:orderId' }), ctx).filter(
        (i) => i.severity === 'error',
      );
      expect({ kind, issues }).toEqual({ kind, issues: [] });
    }
  });

  it('declares a label and widget for every prop of every block kind (the property panel is generated from them)', () => {
    for (const type of Object.values(blockCatalog))
      for (const [name, schema] of Object.entries(type.props.shape))
        expect({ kind: type.kind, name, meta: propMeta(schema as never) }).toMatchObject({
          meta: { label: expect.any(String) },
        });
  });
});

describe('page model: what validation refuses', () => {
  it('an unknown block kind, a block with children it cannot hold, duplicate ids and bad props', () => {
    expect(codes(page([{ id: 'x', kind: 'carousel', props: {} }]))).toEqual(['unknown_block']);
    expect(
      codes(page([{ id: 'h', kind: 'heading', props: {}, children: [{ id: 't', kind: 'text', props: {} }] }])),
    ).toContain('children_not_allowed');
    expect(
      codes(
        page([
          { id: 'a', kind: 'divider', props: {} },
          { id: 'a', kind: 'divider', props: {} },
        ]),
      ),
    ).toEqual(['duplicate_block_id']);
    expect(codes(page([{ id: 'g', kind: 'grid', props: { columns: 9 } }]))).toEqual(['invalid_props']);
  });

  it('a path that is not an address, and an access list naming a role that does not exist', () => {
    expect(codes(page([], { path: 'pricing page' }))).toEqual(['invalid_page']);
    expect(codes(page([], { access: { kind: 'roles', roles: ['ghost'] } }))).toEqual(['unknown_role']);
  });

  it('unknown tables and columns in lists, records, forms, filters, sorts and row actions', () => {
    expect(codes(page([{ id: 'l', kind: 'data_list', props: { table: 'nope' } }]))).toEqual(['unknown_table']);
    expect(
      codes(
        page([
          { id: 'l', kind: 'data_list', props: { table: 'product', sort: { column: 'colour', direction: 'asc' } } },
        ]),
      ),
    ).toEqual(['unknown_column']);
    expect(
      codes(
        page([
          {
            id: 'l',
            kind: 'data_list',
            props: { table: 'product', filters: [{ column: 'size', op: 'eq', value: '1' }] },
          },
        ]),
      ),
    ).toEqual(['unknown_column']);
    expect(codes(page([{ id: 'f', kind: 'form', props: { table: 'order', fields: [{ column: 'colour' }] } }]))).toEqual(
      ['unknown_column'],
    );
    expect(
      codes(
        page([
          {
            id: 'b',
            kind: 'button',
            props: { onClick: { steps: [{ type: 'create_row', table: 'order', values: { colour: 'red' } }] } },
          },
        ]),
      ),
    ).toEqual(['unknown_column']);
    expect(codes(page([{ id: 'r', kind: 'record_view', props: { table: '' } }]))).toEqual(['unknown_table']);
  });

  it('bindings to names and fields that do not exist, or of the wrong type', () => {
    const issues = validatePage(page([{ id: 't', kind: 'text', props: { text: '{{ item.name }}' } }]), ctx);
    expect(issues).toMatchObject([{ code: 'binding', blockId: 't', field: 'text' }]);
    expect(issues[0].message).toContain("Unknown name 'item'");
    const list = (text: string) =>
      page([
        {
          id: 'l',
          kind: 'data_list',
          props: { table: 'product' },
          children: [{ id: 't', kind: 'text', props: { text } }],
        },
      ]);
    expect(validatePage(list('{{ item.colour }}'), ctx)[0].message).toContain("has no field 'colour'");
    expect(codes(list('{{ item.name }}'))).toEqual([]);
    // a condition must give a boolean; a record row id a number
    expect(codes(page([{ id: 'c', kind: 'condition', props: { when: '{{ user.email }}' } }]))).toEqual(['binding']);
    expect(codes(page([{ id: 'c', kind: 'condition', props: { when: '{{ user.role == "admin" }}' } }]))).toEqual([]);
    expect(
      codes(page([{ id: 'r', kind: 'record_view', props: { table: 'order', rowId: '{{ user.email }}' } }])),
    ).toEqual(['binding']);
    // a create-row value must fit its column
    expect(
      codes(
        page([
          {
            id: 'b',
            kind: 'button',
            props: {
              onClick: { steps: [{ type: 'create_row', table: 'order', values: { paid_at: '{{ user.id > 1 }}' } }] },
            },
          },
        ]),
      ),
    ).toEqual(['binding']);
    // results of earlier steps only
    expect(
      codes(
        page([
          {
            id: 'b',
            kind: 'button',
            props: { onClick: { steps: [{ type: 'pay', orderId: '{{ results.order.id }}' }] } },
          },
        ]),
      ),
    ).toEqual(['binding']);
  });

  it('an address parameter the page never declared is unreachable; one it declares but nothing reads is a warning', () => {
    const record = (path: string) =>
      page([{ id: 'r', kind: 'record_view', props: { table: 'order', rowId: '{{ page.params.orderId }}' } }], { path });
    expect(codes(record('/orders/:orderId'))).toEqual([]);
    expect(validatePage(record('/orders'), ctx)).toMatchObject([{ code: 'binding', field: 'rowId' }]);
    expect(validatePage(page([], { path: '/orders/:orderId' }), ctx)).toMatchObject([
      { code: 'unused_param', severity: 'warning' },
    ]);
  });

  it('an action no role that can open the page may perform (refund on a page for signed-in users without it)', () => {
    const refund = (access: unknown) =>
      page([{ id: 'r', kind: 'button', props: { onClick: { steps: [{ type: 'refund', paymentId: '1' }] } } }], {
        access,
      });
    expect(codes(refund({ kind: 'roles', roles: ['user', 'support'] }))).toEqual(['role_cannot']);
    expect(codes(refund({ kind: 'roles', roles: ['admin'] }))).toEqual([]);
    // some role on the page may: allowed (the renderer hides the button from the others, the server refuses them)
    expect(codes(refund({ kind: 'signed_in' }))).toEqual([]);
    expect(
      codes(
        page(
          [
            {
              id: 'x',
              kind: 'button',
              props: { onClick: { steps: [{ type: 'update_row', table: 'order', rowId: '1', values: {} }] } },
            },
          ],
          { access: { kind: 'roles', roles: ['user'] } },
        ),
      ),
    ).toEqual(['role_cannot']);
  });

  it('navigation to a missing page or without its params; flows that cannot be called or miss inputs', () => {
    const go = (action: unknown) =>
      page([{ id: 'b', kind: 'button', props: { onClick: { steps: [], onSuccess: [action] } } }]);
    expect(codes(go({ type: 'navigate', to: '/nowhere' }))).toEqual(['unknown_page']);
    expect(codes(go({ type: 'navigate', to: '/orders/:orderId' }))).toEqual(['missing_param']);
    expect(codes(go({ type: 'navigate', to: '/orders/:orderId', params: { orderId: '{{ user.id }}' } }))).toEqual([]);
    const call = (action: unknown) => page([{ id: 'b', kind: 'button', props: { onClick: { steps: [action] } } }]);
    expect(codes(call({ type: 'call_flow', flowId: 'gone' }))).toEqual(['unknown_flow']);
    expect(codes(call({ type: 'call_flow', flowId: 'f7' }))).toEqual(['missing_param']);
    expect(codes(call({ type: 'call_flow', flowId: 'f7', inputs: { quantity: '{{ user.email }}' } }))).toEqual([
      'binding',
    ]);
    expect(
      codes(
        page([
          {
            id: 'b',
            kind: 'button',
            props: {
              onClick: {
                steps: [{ type: 'call_flow', id: 'quote', flowId: 'f7', inputs: { quantity: '3' } }],
                onSuccess: [{ type: 'show_message', text: 'Total {{ results.quote.total }}' }],
                onFailure: [{ type: 'show_message', text: '{{ error.message }}', tone: 'error' }],
              },
            },
          },
        ]),
      ),
    ).toEqual([]);
    // A flow that lists roles: a page only other roles (or signed-out visitors) can open may not run it.
    const staff = (access: unknown) =>
      codes(
        page([{ id: 'b', kind: 'button', props: { onClick: { steps: [{ type: 'call_flow', flowId: 'f8' }] } } }], {
          access,
        }),
      );
    expect(staff({ kind: 'roles', roles: ['user'] })).toEqual(['role_cannot']);
    expect(staff({ kind: 'roles', roles: ['user', 'admin'] })).toEqual([]);
  });

  it("an actionflow whose allowed roles name a role that no longer exists, or that the page's roles cannot run, is refused in words", () => {
    const withFlow = (roles: string[]) => ({
      ...ctx,
      flows: [{ id: 'f9', name: 'Loyalty points', inputs: {}, outputs: {}, roles }],
    });
    const button = (access: unknown) =>
      page([{ id: 'b', kind: 'button', props: { onClick: { steps: [{ type: 'call_flow', flowId: 'f9' }] } } }], {
        access,
      });
    // "vip" was deleted after the flow listed it: refused even though "user" may still run it.
    const stale = validatePage(button({ kind: 'signed_in' }), withFlow(['user', 'vip']));
    expect(stale.map((i) => [i.code, i.severity])).toEqual([['unknown_role', 'error']]);
    expect(stale[0].message).toBe(
      'Run an actionflow: "Loyalty points" may be run by "vip", which is no longer a role. Untick it under the actionflow\'s trigger (Roles that may run it).',
    );
    expect(pageRefusedMessage(stale)).toContain('"vip", which is no longer a role');
    // Only deleted roles: nobody who can open the page may run it either.
    expect(validatePage(button({ kind: 'signed_in' }), withFlow(['gone', 'old'])).map((i) => i.message)).toEqual([
      'Run an actionflow: "Loyalty points" may be run by "gone" or "old", which are no longer roles. Untick them under the actionflow\'s trigger (Roles that may run it).',
      'Run an actionflow: "Loyalty points" may be run only by "gone" or "old", and this page is open to "user", "admin" and "support". Tick one of this page\'s roles under the actionflow\'s trigger, or limit the page to a role that may run it.',
    ]);
    // A page only signed-out visitors and "support" can open, for a flow only "admin" may run.
    const other = validatePage(button({ kind: 'roles', roles: ['anonymous', 'support'] }), withFlow(['admin']));
    expect(other.map((i) => i.code)).toEqual(['role_cannot']);
    expect(other[0].message).toContain('(signed-out visitors cannot run an actionflow)');
    expect(codes(button({ kind: 'roles', roles: ['admin'] }))).toEqual(['unknown_flow']);
    expect(validatePage(button({ kind: 'roles', roles: ['admin'] }), withFlow(['admin']))).toEqual([]);
  });

  it('a navigation link names an existing page and gives each of its address parameters a value', () => {
    const nav = (links: unknown[]) => page([{ id: 'n', kind: 'nav_bar', props: { links } }]);
    expect(codes(nav([{ label: 'Orders', to: '/orders' }]))).toEqual([]);
    expect(codes(nav([{ label: 'Order', to: '/orders/:orderId' }]))).toEqual(['missing_param']);
    expect(codes(nav([{ label: 'Order', to: '/orders/:orderId', params: { orderId: '{{ user.id }}' } }]))).toEqual([]);
    expect(codes(nav([{ label: 'Order', to: '/orders/:orderId', params: { orderId: '{{ user.nope }}' } }]))).toEqual([
      'binding',
    ]);
    const missing = validatePage(nav([{ label: 'Help', to: '/help' }]), ctx);
    expect(missing.map((i) => [i.code, i.severity])).toEqual([['unknown_page', 'warning']]);
    // The app's own pages answer without a builder page of that address.
    expect(codes(nav([{ label: 'Subs', to: '/subscriptions' }]))).toEqual([]);
  });

  it('"only rows I own" on a table without an owner column', () => {
    expect(codes(page([{ id: 'l', kind: 'data_list', props: { table: 'product', onlyMine: true } }]))).toEqual([
      'no_owner_column',
    ]);
    expect(codes(page([{ id: 'l', kind: 'data_list', props: { table: 'order', onlyMine: true } }]))).toEqual([]);
  });

  it('a form reads its own fields as form.<column> after saving, and the saved row as saved', () => {
    const form = (text: string) =>
      page([
        {
          id: 'f',
          kind: 'form',
          props: {
            table: 'order',
            fields: [{ column: 'title' }],
            onSubmit: { steps: [], onSuccess: [{ type: 'show_message', text }] },
          },
        },
      ]);
    expect(codes(form('Saved {{ form.title }} as {{ saved.id }}'))).toEqual([]);
    expect(codes(form('{{ form.status }}'))).toEqual(['binding']);
  });

  it('says why a publish is refused in one sentence', () => {
    const issues = validatePage(page([{ id: 'l', kind: 'data_list', props: { table: 'nope' } }]), ctx);
    expect(pageRefusedMessage(issues)).toBe('This page cannot be published: l: Data list: there is no table "nope".');
  });
});

describe('page model: addresses and values', () => {
  it('matches and fills addresses with params', () => {
    expect(matchPath('/orders/:orderId', '/orders/12')).toEqual({ orderId: '12' });
    expect(matchPath('/orders/:orderId', '/orders')).toBeNull();
    expect(matchPath('/pricing', '/Pricing')).toEqual({});
    expect(fillPath('/orders/:orderId', { orderId: 12 })).toBe('/orders/12');
  });

  it('evaluates bindings with the flow model evaluator under the page names', () => {
    const values = {
      page: { params: { orderId: '4' }, path: '/orders/4' },
      user: { id: 3, email: 'a@x', role: 'user' },
      item: { name: 'Loaf', price: 8.5 },
    };
    expect(evaluateText('{{ item.name }} for {{ item.price }}', values)).toBe('Loaf for 8.5');
    expect(evaluateValue('{{ page.params.orderId }}', values)).toBe('4');
    expect(evaluateValue('{{ user.role == "admin" }}', values)).toBe(false);
    expect(() => evaluateValue('{{ trigger.x }}', values)).toThrow(/Unknown name/);
  });
});
