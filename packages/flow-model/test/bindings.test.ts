import { describe, expect, it } from 'vitest';
import {
  buildSystemFlow,
  type FlowDefinition,
  lockedChangeIssues,
  nodeUsesTable,
  resolveBindings,
  stampBindings,
  type TableInfo,
  validateFlow,
} from '../src/index';

const table = (id: number, name: string, columns: [number, string][]): TableInfo => ({
  id,
  name,
  columns: columns.map(([cid, cname]) => ({ id: cid, name: cname, type: 'text' })),
});

const before = [
  table(7, 'order', [
    [70, 'status'],
    [71, 'title'],
    [72, 'note'],
  ]),
];
const renamed = [
  table(7, 'shop_order', [
    [70, 'state'],
    [71, 'note'],
    [72, 'title'],
  ]),
];

const flow = (): FlowDefinition => ({
  trigger: { kind: 'stripe_webhook', events: ['payment_intent.succeeded'] },
  graph: {
    nodes: [
      { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
      {
        id: 'mark',
        type: 'update_rows',
        config: {
          table: 'order',
          filters: [
            { column: 'id', op: 'eq', value: '{{ trigger.data.object.metadata.order }}' },
            { column: 'status', op: 'neq', value: 'disputed' },
          ],
          values: { status: 'paid', title: 'Paid', note: '{{ trigger.id }}' },
        },
        position: { x: 0, y: 100 },
      },
    ],
    edges: [{ id: 'e', source: 'trigger', target: 'mark' }],
  },
});

const config = (def: FlowDefinition, id = 'mark') => def.graph.nodes.find((n) => n.id === id)?.config ?? {};

describe('flows bind tables and columns by id', () => {
  it('a saved node carries its table and column ids; a rename (even swapping two names) reads back under the new names', () => {
    const stamped = stampBindings(flow(), before);
    expect(config(stamped)).toMatchObject({ tableId: 7, columnIds: { status: 70, title: 71, note: 72 } });
    const now = resolveBindings(stamped, renamed);
    expect(config(now)).toEqual({
      table: 'shop_order',
      tableId: 7,
      filters: [
        { column: 'id', op: 'eq', value: '{{ trigger.data.object.metadata.order }}' },
        { column: 'state', op: 'neq', value: 'disputed' },
      ],
      // title and note swapped names: each value stays with its column.
      values: { state: 'paid', note: 'Paid', title: '{{ trigger.id }}' },
      columnIds: { state: 70, note: 71, title: 72 },
    });
    // Unbound (saved before ids existed) stays as saved; nothing renamed returns the same object.
    expect(resolveBindings(flow(), renamed)).toEqual(flow());
    expect(resolveBindings(stamped, before)).toBe(stamped);
  });

  it('a flow saved before a rename validates clean against the renamed tables; unbound it would not', () => {
    const tables = renamed;
    expect(validateFlow(stampBindings(flow(), before), { tables })).toEqual([]);
    expect(validateFlow(flow(), { tables }).map((i) => i.code)).toContain('unknown_table');
  });

  it('a table chosen anew in the editor wins over the id the node carried', () => {
    const two = [...before, table(8, 'invoice', [[80, 'status']])];
    const stamped = stampBindings(flow(), two);
    const edited = structuredClone(stamped);
    (edited.graph.nodes[1].config as { table: string }).table = 'invoice';
    (edited.graph.nodes[1].config as { values: object }).values = { status: 'paid' };
    (edited.graph.nodes[1].config as { filters: object[] }).filters = [{ column: 'id', op: 'eq', value: 1 }];
    expect(config(stampBindings(edited, two))).toMatchObject({
      table: 'invoice',
      tableId: 8,
      columnIds: { status: 80 },
    });
    expect(nodeUsesTable(config(stampBindings(edited, two)), { id: 7, name: 'order' })).toBe(false);
    expect(nodeUsesTable(config(stamped), { id: 7, name: 'renamed_since' })).toBe(true);
  });

  it('the locked renewal node: its order mapping is editable and follows renames; the callback itself is not', () => {
    const published = stampBindings(
      buildSystemFlow('StripeRecurringPaymentDeduction', { orderTable: 'order' }),
      before,
    );
    const draft = structuredClone(published);
    const callback = draft.graph.nodes.find((n) => n.id === 'callback');
    if (!callback) throw new Error('no callback');
    callback.config = { ...callback.config, copyColumns: ['title'], orderFieldMapping: { status: 'pending' } };
    expect(lockedChangeIssues(draft, published)).toEqual([]);
    const stamped = stampBindings(draft, before);
    expect(validateFlow(stamped, { tables: before, previous: published })).toEqual([]);
    const now = resolveBindings(stamped, renamed);
    expect(config(now, 'callback')).toMatchObject({
      orderTable: 'shop_order',
      copyColumns: ['note'],
      orderFieldMapping: { state: 'pending' },
    });
    // After the rename the stored versions still compare equal (names resolved on both sides).
    expect(validateFlow(stamped, { tables: renamed, previous: published })).toEqual([]);
    // A mapping naming a column the order table lacks is reported on the node.
    callback.config = { ...callback.config, orderFieldMapping: { nope: 1 } };
    expect(validateFlow(draft, { tables: before }).map((i) => i.field)).toContain('orderFieldMapping.nope');
    // Changing what the callback is (its table, its type) stays refused.
    callback.config = { ...callback.config, orderTable: 'invoice' };
    expect(lockedChangeIssues(draft, published).map((i) => i.code)).toEqual(['locked_node_edited']);
  });

  it("expressions reading a bound node's columns follow renames: the flow keeps working and shows the new names", () => {
    const reading = (): FlowDefinition => ({
      trigger: { kind: 'stripe_webhook', events: ['payment_intent.succeeded'] },
      graph: {
        nodes: [
          { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
          {
            id: 'find',
            type: 'query_rows',
            config: { table: 'order', filters: [{ column: 'id', op: 'eq', value: 1 }] },
            position: { x: 0, y: 100 },
          },
          {
            id: 'paid',
            type: 'condition',
            // A bare expression (condition fields take one without braces).
            config: { expression: "nodes.find.count > 0 && nodes.find.first.status == 'paid'" },
            position: { x: 0, y: 200 },
          },
          {
            id: 'mark',
            type: 'update_rows',
            config: {
              table: 'order',
              filters: [{ column: 'id', op: 'eq', value: '{{ nodes.find.first.id }}' }],
              values: {
                // Both spellings of a field, an index, a function call; the trigger's own `status` is not a column.
                note: "{{ nodes.find.rows[0]['title'] }}, was {{ upper(nodes.find.first.status) }} ({{ trigger.data.object.status }})",
              },
            },
            position: { x: 0, y: 300 },
          },
        ],
        edges: [
          { id: 'a', source: 'trigger', target: 'find' },
          { id: 'b', source: 'find', target: 'paid' },
          { id: 'c', source: 'paid', target: 'mark', branch: 'true' },
        ],
      },
    });
    const stamped = stampBindings(reading(), before);
    // The reading node keeps the ids of every column read through it, even only in expressions.
    expect(config(stamped, 'find')).toMatchObject({ tableId: 7, columnIds: { status: 70, title: 71 } });
    const now = resolveBindings(stamped, renamed);
    expect(config(now, 'paid').expression).toBe("nodes.find.count > 0 && nodes.find.first.state == 'paid'");
    expect((config(now, 'mark').values as Record<string, string>).title).toBe(
      '{{ nodes.find.rows[0]["note"] }}, was {{ upper(nodes.find.first.state) }} ({{ trigger.data.object.status }})',
    );
    // Validated against today's tables, the renamed flow is clean; the unresolved one names a column that is gone.
    expect(validateFlow(now, { tables: renamed })).toEqual([]);
    const stale = structuredClone(now);
    for (const n of stale.graph.nodes) if (n.id === 'paid') n.config.expression = config(reading(), 'paid').expression;
    expect(validateFlow(stale, { tables: renamed }).map((i) => i.code)).toContain('binding_unknown_field');
    // Saved again under the new names (the editor's next autosave), it keeps following later renames.
    const again = resolveBindings(stampBindings(now, renamed), before);
    expect(config(again, 'paid').expression).toBe(config(reading(), 'paid').expression);
    // Nothing renamed: the same object comes back.
    expect(resolveBindings(stamped, before)).toBe(stamped);
  });

  it('a column name that is not an identifier is read with brackets after a rename', () => {
    const spaced = [table(7, 'order', [[70, 'order state']])];
    const def: FlowDefinition = {
      trigger: { kind: 'manual' },
      graph: {
        nodes: [
          { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
          { id: 'add', type: 'insert_row', config: { table: 'order', values: {} }, position: { x: 0, y: 1 } },
          {
            id: 'v',
            type: 'set_variables',
            config: { variables: { s: '{{ nodes.add.row.status }}' } },
            position: { x: 0, y: 2 },
          },
        ],
        edges: [
          { id: 'a', source: 'trigger', target: 'add' },
          { id: 'b', source: 'add', target: 'v' },
        ],
      },
    };
    const now = resolveBindings(stampBindings(def, [table(7, 'order', [[70, 'status']])]), spaced);
    expect(config(now, 'v')).toEqual({ variables: { s: '{{ nodes.add.row["order state"] }}' } });
  });
});
