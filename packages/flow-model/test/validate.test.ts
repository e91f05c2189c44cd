import { describe, expect, it } from 'vitest';
import { buildSystemFlow, type FlowDefinition, type FlowNode, type TableInfo, validateFlow } from '../src/index';

const at = { x: 0, y: 0 };
const node = (
  id: string,
  type: string,
  config: Record<string, unknown> = {},
  extra: Partial<FlowNode> = {},
): FlowNode => ({ id, type, config, position: at, ...extra });
const tables: TableInfo[] = [
  {
    name: 'orders',
    columns: [
      { name: 'status', type: 'text' },
      { name: 'amount', type: 'integer' },
      { name: 'email', type: 'text' },
    ],
  },
];

/** trigger → find order → if paid → email; a flow with no problems to break in each test. */
function goodFlow(): FlowDefinition {
  return {
    trigger: { kind: 'stripe_webhook', events: ['checkout.session.completed'] },
    graph: {
      nodes: [
        node('trigger', 'trigger'),
        node('find', 'query_rows', {
          table: 'orders',
          filters: [{ column: 'id', op: 'eq', value: '{{ trigger.data.object.metadata.order_id }}' }],
          limit: 1,
        }),
        node('vars', 'set_variables', { variables: { total: '{{ trigger.data.object.amount_total / 100 }}' } }),
        node('paid', 'condition', { expression: "trigger.data.object.payment_status == 'paid'" }),
        node('email', 'send_email', {
          to: '{{ nodes.find.first.email }}',
          subject: 'Paid {{ vars.total }}',
          text: 'Thanks',
        }),
        node('done', 'stop', { outcome: 'success' }),
      ],
      edges: [
        { id: 'e1', source: 'trigger', target: 'find' },
        { id: 'e2', source: 'find', target: 'vars' },
        { id: 'e3', source: 'vars', target: 'paid' },
        { id: 'e4', source: 'paid', target: 'email', branch: 'true' },
        { id: 'e5', source: 'paid', target: 'done', branch: 'false' },
      ],
    },
  };
}

const codes = (def: FlowDefinition, opts: Parameters<typeof validateFlow>[1] = { tables }) =>
  validateFlow(def, opts).map((i) => i.code);

describe('validateFlow', () => {
  it('accepts a good flow, with and without table info', () => {
    expect(validateFlow(goodFlow(), { tables })).toEqual([]);
    expect(validateFlow(goodFlow())).toEqual([]);
  });

  it('rejects a malformed definition', () => {
    expect(
      codes({ trigger: { kind: 'cron' }, graph: { nodes: [], edges: [] } } as unknown as FlowDefinition),
    ).toContain('invalid_definition');
  });

  it('rejects duplicate ids, unknown node types, trigger problems', () => {
    const f = goodFlow();
    f.graph.nodes.push(node('find', 'stop'), node('weird', 'teleport'), node('trigger2', 'trigger'));
    f.graph.edges.push({ id: 'e1', source: 'done', target: 'weird' });
    f.trigger = { kind: 'stripe_webhook', events: [] };
    const c = codes(f);
    for (const code of [
      'duplicate_node_id',
      'duplicate_edge_id',
      'unknown_node_type',
      'multiple_triggers',
      'trigger_without_events',
    ])
      expect(c).toContain(code);
    const noTrigger = goodFlow();
    noTrigger.graph.nodes.shift();
    noTrigger.graph.edges.shift();
    expect(codes(noTrigger)).toContain('missing_trigger');
  });

  it('rejects a cycle and names its nodes', () => {
    const f = goodFlow();
    f.graph.edges.push({ id: 'back', source: 'vars', target: 'find' });
    const issue = validateFlow(f).find((i) => i.code === 'cycle');
    expect(issue?.message).toMatch(/find → vars → find|vars → find → vars/);
  });

  it('rejects unreachable nodes', () => {
    const f = goodFlow();
    f.graph.nodes.push(node('orphan', 'stop', { outcome: 'success' }));
    expect(validateFlow(f)).toContainEqual(expect.objectContaining({ code: 'unreachable_node', nodeId: 'orphan' }));
  });

  it('rejects dangling edges and edges into the trigger', () => {
    const f = goodFlow();
    f.graph.edges.push({ id: 'd', source: 'email', target: 'ghost' }, { id: 'in', source: 'email', target: 'trigger' });
    expect(validateFlow(f)).toContainEqual(expect.objectContaining({ code: 'dangling_edge', edgeId: 'd' }));
    expect(validateFlow(f)).toContainEqual(expect.objectContaining({ code: 'edge_into_trigger', edgeId: 'in' }));
  });

  it('rejects edges from ports the node does not have', () => {
    const f = goodFlow();
    f.graph.edges[3].branch = 'maybe';
    f.graph.edges.push(
      { id: 'x', source: 'done', target: 'email' },
      { id: 'y', source: 'find', target: 'email', branch: 'true' },
    );
    const c = validateFlow(f).filter((i) => i.code === 'unknown_port');
    expect(c.map((i) => i.edgeId).sort()).toEqual(['e4', 'x', 'y']);
    const unbranched = goodFlow();
    delete unbranched.graph.edges[3].branch;
    expect(validateFlow(unbranched)).toContainEqual(
      expect.objectContaining({ code: 'unknown_port', edgeId: 'e4', message: expect.stringContaining('true, false') }),
    );
  });

  it('accepts switch edges per case and default only', () => {
    const f = goodFlow();
    f.graph.nodes.push(node('sw', 'switch', { value: 'trigger.type', cases: ['checkout.session.completed'] }));
    f.graph.edges.push(
      { id: 's0', source: 'done', target: 'sw' },
      { id: 's1', source: 'sw', target: 'email', branch: 'checkout.session.completed' },
      { id: 's2', source: 'sw', target: 'email', branch: 'default' },
    );
    expect(codes(f).filter((c) => c !== 'unknown_port')).toEqual([]);
    expect(
      validateFlow(f)
        .filter((i) => i.code === 'unknown_port')
        .map((i) => i.edgeId),
    ).toEqual(['s0']); // stop has no outputs
  });

  it('maps missing and invalid config to the field', () => {
    const f = goodFlow();
    f.graph.nodes[4].config = { to: 'a@b.c' };
    f.graph.nodes[1].config = { table: 'orders', limit: 0 };
    const issues = validateFlow(f);
    expect(issues).toContainEqual(
      expect.objectContaining({ code: 'invalid_config', nodeId: 'email', field: 'subject' }),
    );
    expect(issues).toContainEqual(expect.objectContaining({ code: 'invalid_config', nodeId: 'find', field: 'limit' }));
  });

  it('rejects bindings that do not parse or type-check, pointing at the field', () => {
    const f = goodFlow();
    f.graph.nodes[4].config = {
      to: '{{ nodes.find.first. }}',
      subject: '{{ nodes.nope.x }}',
      text: '{{ vars.total * trigger.data.object.currency }}',
      html: '{{ shout(1) }}',
    };
    const issues = validateFlow(f);
    expect(issues).toContainEqual(
      expect.objectContaining({ code: 'binding_parse_error', nodeId: 'email', field: 'to' }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ code: 'binding_unknown_node', nodeId: 'email', field: 'subject' }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ code: 'binding_type_mismatch', nodeId: 'email', field: 'text' }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ code: 'binding_unknown_function', nodeId: 'email', field: 'html' }),
    );
  });

  it('only lets a node read nodes upstream of it (not a sibling branch or itself)', () => {
    const f = goodFlow();
    f.graph.nodes[5].config = { outcome: 'fail', message: '{{ nodes.email.messageId }}' };
    expect(validateFlow(f)).toContainEqual(
      expect.objectContaining({ code: 'binding_unknown_node', nodeId: 'done', field: 'message' }),
    );
    f.graph.nodes[1].config = { table: 'orders', filters: [{ column: 'id', op: 'eq', value: '{{ vars.total }}' }] };
    expect(validateFlow(f)).toContainEqual(
      expect.objectContaining({ code: 'binding_unknown_variable', nodeId: 'find' }),
    );
  });

  it('checks unknown fields against closed shapes and table columns', () => {
    const f = goodFlow();
    f.graph.nodes[4].config = { to: '{{ nodes.find.first.phone }}', subject: 's', text: 't' };
    expect(validateFlow(f, { tables })).toContainEqual(
      expect.objectContaining({ code: 'binding_unknown_field', field: 'to' }),
    );
    // without table info the row is open, so the field cannot be judged
    expect(validateFlow(f)).toEqual([]);
  });

  it('rejects a binding whose type does not fit the column', () => {
    const f = goodFlow();
    f.graph.nodes.push(
      node('save', 'update_rows', {
        table: 'orders',
        filters: [{ column: 'id', op: 'eq', value: '{{ nodes.find.first.id }}' }],
        values: { amount: '{{ trigger.data.object.currency }}' },
      }),
    );
    f.graph.edges.push({ id: 'e6', source: 'email', target: 'save' });
    expect(validateFlow(f, { tables })).toContainEqual(
      expect.objectContaining({ code: 'binding_type_mismatch', nodeId: 'save', field: 'values.amount' }),
    );
    f.graph.nodes[6].config.values = { amount: '{{ trigger.data.object.amount_total }}' };
    expect(validateFlow(f, { tables })).toEqual([]);
  });

  it('rejects unknown tables and columns when tables are given', () => {
    const f = goodFlow();
    f.graph.nodes.push(
      node('ins', 'insert_row', { table: 'orderz', values: { status: 'new' } }),
      node('del', 'delete_rows', { table: 'orders', filters: [{ column: 'colour', op: 'eq', value: 'red' }] }),
      node('upd', 'update_rows', {
        table: 'orders',
        filters: [{ column: 'id', op: 'eq', value: 1 }],
        values: { id: 5 },
      }),
    );
    f.graph.edges.push(
      { id: 'a', source: 'email', target: 'ins' },
      { id: 'b', source: 'ins', target: 'del' },
      { id: 'c', source: 'del', target: 'upd' },
    );
    const issues = validateFlow(f, { tables });
    expect(issues).toContainEqual(expect.objectContaining({ code: 'unknown_table', nodeId: 'ins', field: 'table' }));
    expect(issues).toContainEqual(
      expect.objectContaining({ code: 'unknown_column', nodeId: 'del', field: 'filters.0.column' }),
    );
    expect(issues).toContainEqual(
      expect.objectContaining({ code: 'builtin_column', nodeId: 'upd', field: 'values.id' }),
    );
    expect(validateFlow(f).filter((i) => /table|column/.test(i.code))).toEqual([]);
  });

  describe('locked nodes relative to the stored version', () => {
    const stored = buildSystemFlow('StripePayment', { orderTable: 'orders' });
    const edit = () => structuredClone(stored);

    it('allows moving locked nodes and changing the editable node', () => {
      const f = edit();
      f.graph.nodes[1].position = { x: 99, y: 99 };
      f.graph.nodes[3].config.values = { status: 'complete' };
      expect(validateFlow(f, { previous: stored, tables })).toEqual([]);
      f.graph.nodes.pop();
      f.graph.edges.pop();
      expect(validateFlow(f, { previous: stored, tables })).toEqual([]);
    });

    it('rejects deleting, editing, unlocking and disconnecting locked nodes, and changing the trigger', () => {
      const deleted = edit();
      deleted.graph.nodes = deleted.graph.nodes.filter((n) => n.id !== 'callback');
      expect(codes(deleted, { previous: stored })).toContain('locked_node_deleted');

      const edited = edit();
      edited.graph.nodes[2].config = { expression: 'true' };
      expect(validateFlow(edited, { previous: stored })).toContainEqual(
        expect.objectContaining({ code: 'locked_node_edited', nodeId: 'branch' }),
      );

      const unlocked = edit();
      unlocked.graph.nodes[1].locked = false;
      expect(codes(unlocked, { previous: stored })).toContain('locked_node_edited');

      const rewired = edit();
      rewired.graph.edges[1] = { id: 'new', source: 'trigger', target: 'branch' };
      expect(codes(rewired, { previous: stored })).toContain('locked_node_disconnected');

      const retriggered = edit();
      retriggered.trigger = { kind: 'stripe_webhook', events: ['charge.succeeded'] };
      expect(codes(retriggered, { previous: stored })).toContain('locked_trigger_edited');
    });
  });
});
