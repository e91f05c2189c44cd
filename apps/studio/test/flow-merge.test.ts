import type { FlowDefinition } from '@tillflow/flow-model';
import { describe, expect, it } from 'vitest';
import { mergeDrafts, sameJson } from '~/lib/flow-editor';

// Combining two people's drafts after a save conflict (server save with the other version's revision is in
// teams-conflict.test.ts; the dialog in conflict-dialog.test.tsx).

const base = (): FlowDefinition => ({
  trigger: { kind: 'stripe_webhook', events: ['charge.succeeded'] },
  graph: {
    nodes: [
      { id: 'trigger', type: 'trigger', label: 'Trigger', config: {}, position: { x: 0, y: 0 } },
      {
        id: 'mark',
        type: 'update_rows',
        label: 'Mark order paid',
        config: { table: 'orders' },
        position: { x: 0, y: 150 },
      },
      {
        id: 'mail',
        type: 'send_email',
        label: 'Send receipt',
        config: { subject: 'Thanks' },
        position: { x: 0, y: 300 },
      },
    ],
    edges: [
      { id: 'e1', source: 'trigger', target: 'mark' },
      { id: 'e2', source: 'mark', target: 'mail' },
    ],
  },
});

const node = (d: FlowDefinition, id: string) => d.graph.nodes.find((n) => n.id === id);
function edit(d: FlowDefinition, id: string, patch: Partial<FlowDefinition['graph']['nodes'][number]>) {
  const copy = structuredClone(d);
  copy.graph.nodes = copy.graph.nodes.map((n) => (n.id === id ? { ...n, ...patch } : n));
  return copy;
}

describe('combining two drafts of one flow', () => {
  it('keeps both when they changed different steps, and adds both sides’ new steps', () => {
    const mine = edit(base(), 'mark', { config: { table: 'orders', values: { status: 'paid' } } });
    mine.graph.nodes.push({ id: 'log', type: 'log', label: 'Note it', config: {}, position: { x: 200, y: 300 } });
    mine.graph.edges.push({ id: 'e3', source: 'mark', target: 'log' });
    const theirs = edit(base(), 'mail', { config: { subject: 'Thank you!' } });
    const result = mergeDrafts(base(), mine, theirs);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(node(result.definition, 'mark')?.config).toEqual({ table: 'orders', values: { status: 'paid' } });
    expect(node(result.definition, 'mail')?.config).toEqual({ subject: 'Thank you!' });
    expect(result.definition.graph.nodes.map((n) => n.id).sort()).toEqual(['log', 'mail', 'mark', 'trigger']);
    expect(result.definition.graph.edges.map((e) => e.id).sort()).toEqual(['e1', 'e2', 'e3']);
    expect(result.definition.trigger).toEqual(base().trigger);
  });

  it('takes their deletion of a step you did not touch, and your trigger change', () => {
    const mine = {
      ...base(),
      trigger: { kind: 'stripe_webhook' as const, events: ['charge.succeeded', 'charge.failed'] },
    };
    const theirs = base();
    theirs.graph.nodes = theirs.graph.nodes.filter((n) => n.id !== 'mail');
    theirs.graph.edges = theirs.graph.edges.filter((e) => e.id !== 'e2');
    const result = mergeDrafts(base(), mine, theirs);
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(node(result.definition, 'mail')).toBeUndefined();
    expect(result.definition.trigger).toEqual(mine.trigger);
  });

  it('moving the same step on both sides is no clash: your position wins', () => {
    const mine = edit(base(), 'mark', { position: { x: 40, y: 150 } });
    const theirs = edit(base(), 'mark', { position: { x: -80, y: 150 } });
    const result = mergeDrafts(base(), mine, theirs);
    expect(result.ok && node(result.definition, 'mark')?.position).toEqual({ x: 40, y: 150 });
  });

  it('refuses to combine when both changed the same step, or one deleted what the other changed', () => {
    const mine = edit(base(), 'mail', { config: { subject: 'Mine' } });
    const theirs = edit(base(), 'mail', { config: { subject: 'Theirs' } });
    expect(mergeDrafts(base(), mine, theirs)).toEqual({
      ok: false,
      clashes: ['the step “Send receipt”: you both changed it'],
    });
    const deleted = base();
    deleted.graph.nodes = deleted.graph.nodes.filter((n) => n.id !== 'mail');
    deleted.graph.edges = deleted.graph.edges.filter((e) => e.id !== 'e2');
    expect(mergeDrafts(base(), mine, deleted)).toEqual({
      ok: false,
      clashes: ['the step “Send receipt”: one of you deleted it, the other changed it'],
    });
    const bothTriggers = (events: string[]) => ({ ...base(), trigger: { kind: 'stripe_webhook' as const, events } });
    expect(mergeDrafts(base(), bothTriggers(['a']), bothTriggers(['b']))).toMatchObject({
      ok: false,
      clashes: ['the trigger (when the flow runs)'],
    });
  });

  it('refuses a connection to a step the other side deleted', () => {
    const mine = base();
    mine.graph.edges.push({ id: 'e9', source: 'trigger', target: 'mail' });
    const theirs = base();
    theirs.graph.nodes = theirs.graph.nodes.filter((n) => n.id !== 'mail');
    theirs.graph.edges = theirs.graph.edges.filter((e) => e.id !== 'e2');
    expect(mergeDrafts(base(), mine, theirs)).toEqual({
      ok: false,
      clashes: ['a connection to a step the other version deleted'],
    });
  });

  it('the same change on both sides, or JSON keys in another order, is no clash', () => {
    const mine = edit(base(), 'mail', { config: { subject: 'Same' } });
    const theirs = edit(base(), 'mail', { config: { subject: 'Same' } });
    expect(mergeDrafts(base(), mine, theirs).ok).toBe(true);
    expect(sameJson({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });
});
