// @vitest-environment jsdom

import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { type Block, type PageContext, type PageDefinition, validatePage } from '@tillflow/page-model';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { PropertyPanel } from '~/app/projects/[projectId]/pages/_components/property-panel';

afterEach(cleanup);

const context: PageContext = {
  tables: [
    {
      name: 'product',
      columns: [
        { name: 'name', type: 'text' },
        { name: 'price', type: 'integer' },
      ],
    },
    {
      name: 'order',
      ownerColumn: 'owner',
      columns: [
        { name: 'item', type: 'text' },
        { name: 'owner', type: 'relation' },
        { name: 'amount', type: 'integer', systemManaged: true },
        { name: 'status', type: 'enum', enumOptions: ['pending', 'paid'], systemManaged: true },
      ],
    },
  ],
  roles: ['anonymous', 'user'],
  tablePermissions: [
    { role: 'user', table: 'order', operation: 'insert' },
    { role: 'user', table: 'order', operation: 'read' },
    { role: 'user', table: 'product', operation: 'read' },
  ],
  actionPermissions: [
    { role: 'user', action: 'stripe.payment' },
    { role: 'user', action: 'stripe.refund' },
  ],
  flows: [{ id: 'f1', name: 'Quote', inputs: { quantity: 'number', gift: 'boolean' }, outputs: {}, roles: [] }],
  paths: ['/pricing', '/my-orders', '/orders/:orderId'],
  pages: [
    { title: 'Pricing', path: '/pricing' },
    { title: 'My orders', path: '/my-orders' },
    { title: 'One order', path: '/orders/:orderId' },
  ],
  currency: 'eur',
};

const find = (blocks: Block[], id: string): Block | undefined => {
  for (const b of blocks) {
    if (b.id === id) return b;
    const inner = find(b.children ?? [], id);
    if (inner) return inner;
  }
  return undefined;
};
const replace = (blocks: Block[], id: string, props: Record<string, unknown>): Block[] =>
  blocks.map((b) =>
    b.id === id ? { ...b, props } : b.children ? { ...b, children: replace(b.children, id, props) } : b,
  );

/** The property panel of one block, its page held in state and validated as the editor does. */
function Harness({
  page,
  blockId,
  seen,
  plans,
}: {
  page: PageDefinition;
  blockId: string;
  seen: PageDefinition[];
  plans?: { id: string; label: string }[];
}) {
  const [draft, setDraft] = useState(page);
  const block = find(draft.blocks, blockId) as Block;
  return (
    <PropertyPanel
      block={block}
      draft={draft}
      context={context}
      issues={validatePage(draft, context)}
      plans={plans}
      onChange={(props) => {
        const next = { ...draft, blocks: replace(draft.blocks, blockId, props) };
        seen.push(next);
        setDraft(next);
      }}
    />
  );
}

const pricing = (inner: Block): PageDefinition => ({
  title: 'Pricing',
  path: '/pricing',
  access: { kind: 'signed_in' },
  blocks: [{ id: 'list', kind: 'data_list', props: { table: 'product' }, children: [inner] }],
});
const propsOf = (seen: PageDefinition[], id: string) => find(seen.at(-1)?.blocks ?? [], id)?.props ?? {};
const pick = (group: HTMLElement, field: string, option: RegExp) => {
  fireEvent.click(within(group).getByRole('button', { name: `Insert binding into ${field}` }));
  fireEvent.click(within(group).getByRole('button', { name: option }));
};

describe('the page editor edits actions, filters and links as forms, not JSON', () => {
  it('builds a Buy button: create an order from the row, pay for it, then go to My orders; reorder and remove steps', () => {
    const seen: PageDefinition[] = [];
    render(
      <Harness page={pricing({ id: 'buy', kind: 'button', props: { label: 'Buy' } })} blockId="buy" seen={seen} />,
    );
    expect(screen.queryByRole('textbox', { name: 'When pressed' })).toBeNull();
    const chain = screen.getByRole('group', { name: 'When pressed' });
    fireEvent.change(within(chain).getByRole('combobox', { name: 'Add an action to “Do, in order”' }), {
      target: { value: 'create_row' },
    });
    const create = screen.getByRole('group', { name: 'Step 1: Create a row' });
    // Before a table is picked, the validator's message in words sits under the step.
    expect(within(create).getByRole('alert').textContent).toContain('Pick a table.');
    fireEvent.change(within(create).getByRole('combobox', { name: 'Table' }), { target: { value: 'order' } });
    // Columns only the server writes (amount, status) are not offered.
    expect(within(create).queryByRole('textbox', { name: 'Value for amount' })).toBeNull();
    // The canvas's picker lists the row around the button, grouped and typed.
    fireEvent.click(within(create).getByRole('button', { name: 'Insert binding into Value for item' }));
    expect(within(create).getByRole('list', { name: 'Bindings from This row' })).toBeTruthy();
    fireEvent.click(within(create).getByRole('button', { name: 'item.name (string)' }));
    expect((within(create).getByRole('textbox', { name: 'Value for item' }) as HTMLInputElement).value).toBe(
      '{{ item.name }}',
    );
    expect(within(create).getByRole('list', { name: 'What Value for item reads' }).textContent).toContain('«name»');

    fireEvent.change(within(chain).getByRole('combobox', { name: 'Add an action to “Do, in order”' }), {
      target: { value: 'pay' },
    });
    const pay = screen.getByRole('group', { name: 'Step 2: Pay for an order' });
    // The second step may read what the first gave back.
    pick(pay, 'Order to pay for (its id)', /^results\.created\.id /);
    pick(pay, 'Charge this catalog product’s price (its id; optional)', /^item\.id /);

    fireEvent.change(within(chain).getByRole('combobox', { name: 'Add an action to “Then, when every step worked”' }), {
      target: { value: 'navigate' },
    });
    const go = screen.getByRole('group', { name: 'After success 1: Go to a page' });
    fireEvent.change(within(go).getByRole('combobox', { name: 'Page' }), { target: { value: '/my-orders' } });
    expect(screen.queryAllByRole('alert')).toEqual([]);
    expect(propsOf(seen, 'buy').onClick).toEqual({
      steps: [
        { type: 'create_row', id: 'created', table: 'order', values: { item: '{{ item.name }}' } },
        {
          type: 'pay',
          id: 'payment',
          orderId: '{{ results.created.id }}',
          product: '{{ item.id }}',
          method: 'checkout',
        },
      ],
      onSuccess: [{ type: 'navigate', to: '/my-orders', params: {} }],
      onFailure: [],
    });

    // Reorder: the payment first reads a result that does not exist yet, and says so in words.
    fireEvent.click(screen.getByRole('button', { name: 'Move step 2 up' }));
    expect(screen.getByRole('group', { name: 'Step 1: Pay for an order' })).toBeTruthy();
    expect(
      within(screen.getByRole('group', { name: 'Step 1: Pay for an order' })).getByRole('alert').textContent,
    ).toMatch(/created/);
    fireEvent.click(screen.getByRole('button', { name: 'Move step 1 down' }));
    expect(screen.getByRole('group', { name: 'Step 1: Create a row' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove step 2' }));
    expect((propsOf(seen, 'buy').onClick as { steps: unknown[] }).steps).toHaveLength(1);
  });

  it('calls an actionflow with its typed inputs, goes to a page with its address parameter, refunds in euros', () => {
    const seen: PageDefinition[] = [];
    render(<Harness page={pricing({ id: 'b', kind: 'button', props: {} })} blockId="b" seen={seen} />);
    const add = (value: string, branch = 'Do, in order') =>
      fireEvent.change(screen.getByRole('combobox', { name: `Add an action to “${branch}”` }), { target: { value } });
    add('call_flow');
    const call = screen.getByRole('group', { name: 'Step 1: Run an actionflow' });
    fireEvent.change(within(call).getByRole('combobox', { name: 'Actionflow' }), { target: { value: 'f1' } });
    fireEvent.change(within(call).getByRole('textbox', { name: 'quantity (a number)' }), { target: { value: '3' } });
    expect(within(call).getByRole('alert').textContent).toBe('"Quote" needs its input "gift".');
    fireEvent.change(within(call).getByRole('textbox', { name: 'gift (yes or no)' }), {
      target: { value: '{{ true }}' },
    });
    expect(within(call).queryByRole('alert')).toBeNull();

    add('refund');
    const refund = screen.getByRole('group', { name: 'Step 2: Refund a payment' });
    fireEvent.change(within(refund).getByRole('textbox', { name: 'Payment to refund (its id)' }), {
      target: { value: '{{ item.id }}' },
    });
    fireEvent.change(within(refund).getByRole('combobox', { name: 'How much' }), { target: { value: 'amount' } });
    const amount = within(refund).getByRole('textbox', { name: 'Amount to refund' });
    expect(refund.textContent).toContain('€');
    fireEvent.change(amount, { target: { value: '2.50' } });
    expect((propsOf(seen, 'b').onClick as { steps: { amount?: string }[] }).steps[1].amount).toBe('250');
    fireEvent.change(amount, { target: { value: '2,50' } });
    fireEvent.blur(amount);
    expect(within(refund).getByRole('alert').textContent).toMatch(/point|decimal/i);

    add('navigate', 'If a step fails');
    const go = screen.getByRole('group', { name: 'On failure 1: Go to a page' });
    fireEvent.change(within(go).getByRole('combobox', { name: 'Page' }), { target: { value: '/orders/:orderId' } });
    expect(within(go).getByRole('alert').textContent).toBe(
      'Go to a page: /orders/:orderId needs a value for "orderId".',
    );
    // The failure branch may read the error.
    fireEvent.click(within(go).getByRole('button', { name: 'Insert binding into Value for orderId in the address' }));
    expect(within(go).getByRole('list', { name: 'Bindings from What went wrong' })).toBeTruthy();
    fireEvent.click(within(go).getByRole('button', { name: /^item\.id / }));
    expect(within(go).queryByRole('alert')).toBeNull();
    expect((propsOf(seen, 'b').onClick as { onFailure: unknown[] }).onFailure).toEqual([
      { type: 'navigate', to: '/orders/:orderId', params: { orderId: '{{ item.id }}' } },
    ]);
  });

  it('starts a subscription on a plan picked by its name, and says choices in words', () => {
    const seen: PageDefinition[] = [];
    const plans = [
      { id: 'price_monthly', label: 'Coffee club (monthly)' },
      { id: 'price_yearly', label: 'Coffee club (yearly)' },
    ];
    render(<Harness page={pricing({ id: 'b', kind: 'button', props: {} })} blockId="b" seen={seen} plans={plans} />);
    expect(screen.getByRole('option', { name: 'Warning (red)' })).toBeTruthy();
    fireEvent.change(screen.getByRole('combobox', { name: 'Add an action to “Do, in order”' }), {
      target: { value: 'start_subscription' },
    });
    const step = screen.getByRole('group', { name: 'Step 1: Start a subscription' });
    expect(within(step).getByRole('alert').textContent).toContain('Say which plan.');
    fireEvent.change(within(step).getByRole('combobox', { name: 'Plan' }), { target: { value: 'price_yearly' } });
    expect(within(step).getByRole('option', { name: 'Coffee club (yearly)' })).toBeTruthy();
    expect((propsOf(seen, 'b').onClick as { steps: { plan: string }[] }).steps[0].plan).toBe('price_yearly');
    cleanup();
    // A shop with no plan on offer says where to add one.
    render(<Harness page={pricing({ id: 'b', kind: 'button', props: {} })} blockId="b" seen={seen} plans={[]} />);
    fireEvent.change(screen.getByRole('combobox', { name: 'Add an action to “Do, in order”' }), {
      target: { value: 'start_subscription' },
    });
    expect(screen.getByText(/offers no subscription yet/)).toBeTruthy();
  });

  it('filters and sorts a data list by column, condition and value, incl. rows I own', () => {
    const seen: PageDefinition[] = [];
    const page: PageDefinition = {
      title: 'Mine',
      path: '/mine',
      access: { kind: 'signed_in' },
      blocks: [{ id: 'orders', kind: 'data_list', props: { table: 'order' } }],
    };
    render(<Harness page={page} blockId="orders" seen={seen} />);
    expect(screen.queryByRole('textbox', { name: 'Filters' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Add a filter' }));
    const filter = screen.getByRole('group', { name: 'Filter 1' });
    fireEvent.change(within(filter).getByRole('combobox', { name: 'Filter 1 column' }), { target: { value: 'item' } });
    fireEvent.change(within(filter).getByRole('combobox', { name: 'Filter 1 condition' }), {
      target: { value: 'contains' },
    });
    expect(within(filter).getByRole('option', { name: 'is at least' })).toBeTruthy();
    fireEvent.change(within(filter).getByRole('textbox', { name: 'Filter 1 value' }), { target: { value: 'tea' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Only rows I own' }));
    fireEvent.change(screen.getByRole('combobox', { name: 'Sort' }), { target: { value: 'created_at' } });
    fireEvent.change(screen.getByRole('combobox', { name: 'Sort direction' }), { target: { value: 'desc' } });
    expect(propsOf(seen, 'orders')).toMatchObject({
      filters: [{ column: 'item', op: 'contains', value: 'tea' }],
      onlyMine: true,
      sort: { column: 'created_at', direction: 'desc' },
    });
    fireEvent.change(within(filter).getByRole('combobox', { name: 'Filter 1 column' }), { target: { value: '' } });
    expect(within(filter).getByRole('alert').textContent).toBe('Data list: Pick a column for each filter.');
    fireEvent.click(screen.getByRole('button', { name: 'Remove filter 1' }));
    expect(propsOf(seen, 'orders').filters).toEqual([]);
  });

  it('links of a navigation bar pick a page by its title and fill its address parameters', () => {
    const seen: PageDefinition[] = [];
    const page: PageDefinition = {
      title: 'Pricing',
      path: '/pricing',
      access: { kind: 'signed_in' },
      blocks: [{ id: 'nav', kind: 'nav_bar', props: {} }],
    };
    render(<Harness page={page} blockId="nav" seen={seen} />);
    expect(screen.queryByRole('textbox', { name: 'Links' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Add a link' }));
    const link = screen.getByRole('group', { name: 'Link 1' });
    fireEvent.change(within(link).getByRole('textbox', { name: 'Link 1 text' }), { target: { value: 'My order' } });
    fireEvent.change(within(link).getByRole('combobox', { name: 'Link 1 goes to' }), {
      target: { value: '/orders/:orderId' },
    });
    expect(within(link).getByRole('option', { name: 'One order (/orders/:orderId)' })).toBeTruthy();
    expect(within(link).getByRole('alert').textContent).toBe('Link: /orders/:orderId needs a value for "orderId".');
    pick(link, 'Value for orderId in the address', /^user\.id /);
    expect(within(link).queryByRole('alert')).toBeNull();
    expect(propsOf(seen, 'nav').links).toEqual([
      { label: 'My order', to: '/orders/:orderId', params: { orderId: '{{ user.id }}' } },
    ]);
  });
});
