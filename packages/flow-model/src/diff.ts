import type { FlowDefinition, FlowEdge, FlowNode } from './types';
import { canonicalJson } from './validate-locked';

export interface FlowDiff {
  addedNodes: FlowNode[];
  removedNodes: FlowNode[];
  /** Nodes whose type, label, config or lock changed (moving a node is not a change). */
  changedNodes: { before: FlowNode; after: FlowNode; fields: ('type' | 'label' | 'config' | 'locked')[] }[];
  addedEdges: FlowEdge[];
  removedEdges: FlowEdge[];
  triggerChanged: boolean;
}

const edgeKey = (e: FlowEdge) => `${e.source}→${e.target}#${e.branch ?? 'next'}`;

/** What changed from version `a` to version `b`, for the version list. */
export function diffFlows(a: FlowDefinition, b: FlowDefinition): FlowDiff {
  const aNodes = new Map(a.graph.nodes.map((n) => [n.id, n]));
  const bNodes = new Map(b.graph.nodes.map((n) => [n.id, n]));
  const changedNodes: FlowDiff['changedNodes'] = [];
  for (const [id, after] of bNodes) {
    const before = aNodes.get(id);
    if (!before) continue;
    const fields: FlowDiff['changedNodes'][number]['fields'] = [];
    if (before.type !== after.type) fields.push('type');
    if ((before.label ?? '') !== (after.label ?? '')) fields.push('label');
    if (canonicalJson(before.config) !== canonicalJson(after.config)) fields.push('config');
    if (Boolean(before.locked) !== Boolean(after.locked)) fields.push('locked');
    if (fields.length) changedNodes.push({ before, after, fields });
  }
  const aEdges = new Set(a.graph.edges.map(edgeKey));
  const bEdges = new Set(b.graph.edges.map(edgeKey));
  return {
    addedNodes: b.graph.nodes.filter((n) => !aNodes.has(n.id)),
    removedNodes: a.graph.nodes.filter((n) => !bNodes.has(n.id)),
    changedNodes,
    addedEdges: b.graph.edges.filter((e) => !aEdges.has(edgeKey(e))),
    removedEdges: a.graph.edges.filter((e) => !bEdges.has(edgeKey(e))),
    triggerChanged: canonicalJson(a.trigger) !== canonicalJson(b.trigger),
  };
}

/** One line such as "2 nodes added, 1 changed, 1 connection removed" (or "No changes"). */
export function summarizeDiff(diff: FlowDiff): string {
  const parts: string[] = [];
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (diff.triggerChanged) parts.push('trigger changed');
  if (diff.addedNodes.length) parts.push(`${plural(diff.addedNodes.length, 'step')} added`);
  if (diff.removedNodes.length) parts.push(`${plural(diff.removedNodes.length, 'step')} removed`);
  if (diff.changedNodes.length) parts.push(`${plural(diff.changedNodes.length, 'step')} changed`);
  if (diff.addedEdges.length) parts.push(`${plural(diff.addedEdges.length, 'connection')} added`);
  if (diff.removedEdges.length) parts.push(`${plural(diff.removedEdges.length, 'connection')} removed`);
  return parts.length ? parts.join(', ') : 'No changes';
}
