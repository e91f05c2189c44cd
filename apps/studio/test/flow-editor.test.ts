import { buildSystemFlow, customFlowTemplates, validateFlow } from '@tillflow/flow-model';
import type { FlowGraph } from '@tillflow/flow-model/types';
import { describe, expect, it } from 'vitest';
import {
  addNode,
  autoLayout,
  bindingChips,
  bindingGroups,
  canRedo,
  canUndo,
  connect,
  copyNodes,
  createHistory,
  deleteEdges,
  deleteNodes,
  duplicateNodes,
  FlowEditError,
  insertBinding,
  insertNodeOnEdge,
  insertNodeOnEdgeWithLayout,
  moveNodes,
  NODE_HEIGHT,
  NODE_WIDTH,
  pasteNodes,
  pushHistory,
  redo,
  undo,
  updateNode,
} from '~/lib/flow-editor';

// An order status that can only say paid: the success branch alone (no failed/unpaid branches).
const payment = () =>
  buildSystemFlow('StripePayment', { orderTable: 'order', orderStatusColumn: { type: 'enum', enumOptions: ['paid'] } });
const at = { x: 0, y: 0 };

/** trigger → a → b → c, all editable. */
function chain(): FlowGraph {
  const node = (id: string, type = 'set_variables') => ({
    id,
    type,
    label: id,
    config: type === 'trigger' ? {} : { variables: {} },
    position: at,
  });
  return {
    nodes: [node('trigger', 'trigger'), node('a'), node('b'), node('c')],
    edges: [
      { id: 't_a', source: 'trigger', target: 'a' },
      { id: 'a_b', source: 'a', target: 'b' },
      { id: 'b_c', source: 'b', target: 'c' },
    ],
  };
}

const pairs = (g: FlowGraph) => g.edges.map((e) => `${e.source}>${e.target}${e.branch ? `#${e.branch}` : ''}`).sort();

describe('graph editing operations', () => {
  it('inserts a node on an edge, keeping the branch on the way in', () => {
    const flow = payment();
    const edge = flow.graph.edges.find((e) => e.branch === 'true');
    const { graph, nodeId } = insertNodeOnEdge(flow.graph, edge?.id as string, { type: 'send_email' });
    expect(nodeId).toBe('send_email');
    expect(pairs(graph)).toEqual(
      [
        'branch>send_email#true',
        'callback>branch',
        'send_email>update_order',
        'trigger>callback',
        'update_order>has_receipt_address',
        'has_receipt_address>send_receipt#true',
      ].sort(),
    );
    expect(graph.nodes.find((n) => n.id === 'send_email')?.label).toBe('Send email');
  });

  it('inserting a condition between two nodes continues on its true branch; a stop node cannot go between', () => {
    const { graph } = insertNodeOnEdge(chain(), 'a_b', { type: 'condition' });
    expect(pairs(graph)).toContain('condition>b#true');
    expect(() => insertNodeOnEdge(chain(), 'a_b', { type: 'stop' })).toThrow(/ends the flow/);
  });

  it('refuses to insert on an edge into a locked node (it would rewire it)', () => {
    const flow = payment();
    const intoCallback = flow.graph.edges.find((e) => e.target === 'callback')?.id as string;
    expect(() => insertNodeOnEdge(flow.graph, intoCallback, { type: 'send_email' })).toThrow(FlowEditError);
  });

  it('deletes a node and reconnects its single predecessor to its successors', () => {
    const graph = deleteNodes(chain(), ['b']);
    expect(graph.nodes.map((n) => n.id)).toEqual(['trigger', 'a', 'c']);
    expect(pairs(graph)).toEqual(['a>c', 'trigger>a']);
  });

  it('reconnects through the branch the deleted node hung from', () => {
    const flow = payment();
    const { graph: withEmail } = insertNodeOnEdge(
      flow.graph,
      flow.graph.edges.find((e) => e.branch === 'true')?.id as string,
      { type: 'send_email' },
    );
    const graph = deleteNodes(withEmail, ['send_email']);
    expect(pairs(graph)).toContain('branch>update_order#true');
    expect(validateFlow({ ...flow, graph }, { previous: flow })).toEqual([]);
  });

  it('deleting a whole chain leaves no dangling edges', () => {
    const graph = deleteNodes(chain(), ['a', 'b']);
    expect(pairs(graph)).toEqual(['trigger>c']);
  });

  it('refuses to delete, edit or disconnect locked nodes', () => {
    const flow = payment();
    expect(() => deleteNodes(flow.graph, ['callback'])).toThrow(/built-in step and cannot be deleted/);
    expect(() => updateNode(flow.graph, 'branch', { config: { expression: '{{ true }}' } })).toThrow(/edited/);
    const intoBranch = flow.graph.edges.find((e) => e.target === 'branch')?.id as string;
    expect(() => deleteEdges(flow.graph, [intoBranch])).toThrow(/disconnected/);
    expect(() => connect(flow.graph, { source: 'update_order', target: 'callback' })).toThrow(/rewired/);
    // Moving a locked node is fine, and so is editing the builder's own node after it.
    const moved = moveNodes(flow.graph, { callback: { x: 10, y: 20 } });
    expect(moved.nodes.find((n) => n.id === 'callback')?.position).toEqual({ x: 10, y: 20 });
    const edited = updateNode(flow.graph, 'update_order', { label: 'Paid!' });
    expect(edited.nodes.find((n) => n.id === 'update_order')?.label).toBe('Paid!');
  });

  it("lets a builder change the locked renewal node's order mapping, and nothing else of it", () => {
    const renewal = buildSystemFlow('StripeRecurringPaymentDeduction', {
      orderTable: 'order',
      orderStatusColumn: { type: 'enum', enumOptions: ['pending', 'paid'] },
    });
    const callback = renewal.graph.nodes.find((n) => n.type === 'stripe_recurring_deduction_callback');
    if (!callback) throw new Error('no renewal callback');
    const mapping = { status: 'pending', title: 'Renewal' };
    const edited = updateNode(renewal.graph, callback.id, {
      config: { ...callback.config, orderFieldMapping: mapping, copyColumns: ['owner'] },
    });
    const after = edited.nodes.find((n) => n.id === callback.id);
    expect(after?.config).toEqual({ ...callback.config, orderFieldMapping: mapping, copyColumns: ['owner'] });
    expect(after?.locked).toBe(true);
    // The callback itself stays locked: its table, its label.
    expect(() =>
      updateNode(renewal.graph, callback.id, { config: { ...callback.config, orderTable: 'other' } }),
    ).toThrow(/built-in step and cannot be edited/);
    expect(() => updateNode(renewal.graph, callback.id, { label: 'Mine', config: callback.config })).toThrow(
      /cannot be edited/,
    );
    // Sending the form back unchanged changes nothing.
    expect(updateNode(renewal.graph, callback.id, { config: { ...callback.config } })).toBe(renewal.graph);
  });

  it('connects with branch labels: the first free branch, or the one asked for', () => {
    const flow = payment();
    const { graph } = addNode(flow.graph, { type: 'send_email', position: at });
    const connected = connect(graph, { source: 'branch', target: 'send_email' });
    expect(pairs(connected)).toContain('branch>send_email#false');
    expect(() => connect(graph, { source: 'branch', target: 'send_email', branch: 'maybe' })).toThrow(
      /no 'maybe' branch/,
    );
    expect(() => connect(connected, { source: 'branch', target: 'send_email', branch: 'false' })).toThrow(
      /already connected/,
    );
    expect(() => connect(graph, { source: 'send_email', target: 'trigger' })).toThrow(/into the trigger/);
    expect(() => connect(graph, { source: 'send_email', target: 'send_email' })).toThrow(/itself/);
  });

  it('adds a node after another and refuses hand-made system nodes', () => {
    const { graph, nodeId } = addNode(chain(), { type: 'update_rows', position: at }, { source: 'c' });
    expect(nodeId).toBe('update_rows');
    expect(pairs(graph)).toContain('c>update_rows');
    const again = addNode(graph, { type: 'update_rows', position: at });
    expect(again.nodeId).toBe('update_rows_2');
    expect(() => addNode(chain(), { type: 'stripe_payment_callback', position: at })).toThrow(/built-in/);
  });

  it('duplicates and copy/pastes with fresh ids, keeping inner connections and leaving system nodes behind', () => {
    const dup = duplicateNodes(chain(), ['a', 'b']);
    expect(dup.nodeIds).toEqual(['set_variables', 'set_variables_2']);
    expect(pairs(dup.graph)).toContain('set_variables>set_variables_2');
    expect(new Set(dup.graph.edges.map((e) => e.id)).size).toBe(dup.graph.edges.length);

    const flow = payment();
    const clip = copyNodes(flow.graph, ['trigger', 'callback', 'branch', 'update_order']);
    expect(clip.nodes.map((n) => n.id)).toEqual(['update_order']);
    const pasted = pasteNodes(flow.graph, clip);
    const copy = pasted.graph.nodes.find((n) => n.id === pasted.nodeIds[0]);
    expect(copy?.id).toBe('update_rows');
    expect(copy?.config).toEqual(flow.graph.nodes.find((n) => n.id === 'update_order')?.config);
    expect(copy?.position).toEqual({ x: -160 + 40, y: 420 + 40 });
    // the clipboard is a deep copy: editing the paste leaves the original alone
    (copy?.config.values as Record<string, unknown>).status = 'changed';
    expect((flow.graph.nodes[3].config.values as Record<string, unknown>).status).toBe('paid');
  });

  it('undoes and redoes edits; a new edit drops the redo trail', () => {
    let h = createHistory(chain());
    expect(canUndo(h)).toBe(false);
    h = pushHistory(h, deleteNodes(h.present, ['b']));
    h = pushHistory(h, addNode(h.present, { type: 'stop', position: at }, { source: 'c' }).graph);
    expect(h.present.nodes.map((n) => n.id)).toEqual(['trigger', 'a', 'c', 'stop']);
    h = undo(h);
    expect(h.present.nodes.map((n) => n.id)).toEqual(['trigger', 'a', 'c']);
    h = undo(h);
    expect(pairs(h.present)).toEqual(pairs(chain()));
    expect(canUndo(h)).toBe(false);
    h = redo(h);
    expect(h.present.nodes.map((n) => n.id)).toEqual(['trigger', 'a', 'c']);
    expect(canRedo(h)).toBe(true);
    h = pushHistory(h, moveNodes(h.present, { a: { x: 5, y: 5 } }));
    expect(canRedo(h)).toBe(false);
    expect(undo(undo(h)).present).toEqual(chain());
  });

  it('lays the graph out top to bottom without overlaps', () => {
    const graph = autoLayout(payment().graph);
    const y = (id: string) => graph.nodes.find((n) => n.id === id)?.position.y as number;
    expect(y('trigger')).toBeLessThan(y('callback'));
    expect(y('callback')).toBeLessThan(y('branch'));
    expect(y('branch')).toBeLessThan(y('update_order'));
    const spots = new Set(graph.nodes.map((n) => `${n.position.x},${n.position.y}`));
    expect(spots.size).toBe(graph.nodes.length);
  });

  it('a step inserted on a connection gets a row of its own: the layout runs again, nothing overlaps or squeezes', () => {
    const before = autoLayout(payment().graph);
    const edge = before.edges.find((e) => e.source === 'branch' && e.target === 'update_order');
    const { graph, nodeId } = insertNodeOnEdgeWithLayout(before, edge?.id as string, { type: 'send_email' });
    const box = (id: string) => graph.nodes.find((n) => n.id === id)?.position as { x: number; y: number };
    expect(box('branch').y).toBeLessThan(box(nodeId).y);
    expect(box(nodeId).y).toBeLessThan(box('update_order').y);
    // Each step sits a full card height plus a gap below the one before it (not half-way between them).
    expect(box(nodeId).y - box('branch').y).toBeGreaterThanOrEqual(NODE_HEIGHT + 40);
    expect(box('update_order').y - box(nodeId).y).toBeGreaterThanOrEqual(NODE_HEIGHT + 40);
    expect(box('update_order').y).toBeGreaterThan(before.nodes.find((n) => n.id === 'update_order')?.position.y ?? 0);
    for (const a of graph.nodes)
      for (const b of graph.nodes) {
        if (a.id >= b.id) continue;
        const apart =
          Math.abs(a.position.x - b.position.x) >= NODE_WIDTH || Math.abs(a.position.y - b.position.y) >= NODE_HEIGHT;
        expect(apart, `${a.id} overlaps ${b.id}`).toBe(true);
      }
  });
});

describe('binding picker listing', () => {
  it('lists the trigger and upstream outputs by name and type, not downstream ones', () => {
    const flow = payment();
    const groups = bindingGroups(flow, 'update_order');
    expect(groups.map((g) => g.title)).toEqual(['Trigger', 'Payment details', 'Payment succeeded?']);
    const callback = groups.find((g) => g.title === 'Payment details')?.options ?? [];
    expect(callback).toContainEqual({
      name: 'callback.orderId',
      path: 'nodes.callback.orderId',
      type: 'number',
      label: 'order id',
      sample: 'a number',
    });
    expect(callback).toContainEqual({
      name: 'callback.paymentStatus',
      path: 'nodes.callback.paymentStatus',
      type: "'SUCCESSFUL' | 'FAILED' | 'PENDING' | 'CANCELED' | 'AMOUNT_MISMATCH'",
      label: 'payment status',
      sample: 'Paid, Failed, Pending, Canceled or Amount differs from order',
    });
    const trigger = groups.find((g) => g.title === 'Trigger')?.options ?? [];
    expect(trigger).toContainEqual(
      expect.objectContaining({ name: 'trigger.data.object.id', path: 'trigger.data.object.id', type: 'string' }),
    );
    const charge = bindingGroups(customFlowTemplates[0].build(), 'email_customer')[0].options;
    expect(charge).toContainEqual({
      name: 'trigger.data.object.amount',
      path: 'trigger.data.object.amount',
      type: 'number',
      label: 'amount',
      sample: 'e.g. $49.99',
    });
    // the callback only sees the trigger and what came before it
    expect(bindingGroups(flow, 'callback').map((g) => g.title)).toEqual(['Trigger']);
  });

  it('reads a field’s bindings as chips with a label, their step and an example', () => {
    const groups = bindingGroups(payment(), 'update_order');
    expect(
      bindingChips("Order {{ nodes.callback.orderId }} is {{ nodes.callback.paymentStatus == 'PAID' }}", groups),
    ).toEqual([
      { path: 'nodes.callback.orderId', label: 'order id', source: 'Payment details', sample: 'a number' },
      {
        path: 'nodes.callback.paymentStatus',
        label: 'payment status',
        source: 'Payment details',
        sample: 'Paid, Failed, Pending, Canceled or Amount differs from order',
      },
    ]);
    // Text outside {{ }} and quoted words are not bindings; a step that is not upstream says so.
    expect(bindingChips('nodes.callback.orderId', groups)).toEqual([]);
    expect(bindingChips('{{ nodes.later.total }}', groups)[0]).toMatchObject({
      source: '',
      sample: 'not available at this step',
    });
  });

  it('shows what the last run saw as the example: money in major units, statuses as labels', () => {
    const lastRun = {
      nodes: {
        trigger: { type: 'checkout.session.completed', data: { object: { amount_total: 850, currency: 'usd' } } },
        callback: { orderId: 7, paymentStatus: 'SUCCESSFUL', amount: 850, currency: 'usd', alreadyProcessed: false },
      },
    };
    const groups = bindingGroups(payment(), 'update_order', undefined, '', lastRun);
    expect(
      bindingChips(
        '{{ nodes.callback.orderId }} {{ nodes.callback.paymentStatus }} {{ nodes.callback.amount }} {{ nodes.callback.alreadyProcessed }}',
        groups,
      ).map((c) => `${c.label}: ${c.sample}`),
    ).toEqual([
      'order id: last run: 7',
      'payment status: last run: Paid',
      'amount: last run: $8.50',
      'already processed: last run: no',
    ]);
    // Without a run the example is the kind of value.
    expect(bindingChips('{{ nodes.callback.orderId }}', bindingGroups(payment(), 'update_order'))[0].sample).toBe(
      'a number',
    );
  });

  it('filters by name and inserts {{ }} at the cursor', () => {
    const groups = bindingGroups(payment(), 'update_order', undefined, 'orderid');
    expect(groups.flatMap((g) => g.options.map((o) => o.name))).toEqual(['callback.orderId']);
    expect(insertBinding('id = ', 'nodes.callback.orderId')).toEqual({
      value: 'id = {{ nodes.callback.orderId }}',
      cursor: 33,
    });
    expect(insertBinding('ab', 'x', 1).value).toBe('a{{ x }}b');
    // inside an expression only the path goes in
    expect(insertBinding('{{ 1 ==  }}', 'nodes.a.n', 8).value).toBe('{{ 1 == nodes.a.n }}');
    expect(insertBinding('{{ a }} and ', 'b').value).toBe('{{ a }} and {{ b }}');
  });
});
