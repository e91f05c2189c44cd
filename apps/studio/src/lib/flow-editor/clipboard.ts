import type { FlowEdge, FlowGraph, FlowNode } from '@tillflow/flow-model/types';
import { freshNodeId } from './graph-ops';

/** What copy puts aside: the chosen nodes and the connections among them. */
export interface FlowClipboard {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

/**
 * Copies the selection. System nodes (locked, or the trigger) stay behind: a flow has one
 * trigger and one callback handler, so a copy of them could never be valid.
 */
export function copyNodes(graph: FlowGraph, ids: string[]): FlowClipboard {
  const chosen = new Set(ids);
  const nodes = graph.nodes.filter((n) => chosen.has(n.id) && !n.locked && n.type !== 'trigger');
  const kept = new Set(nodes.map((n) => n.id));
  return {
    nodes: structuredClone(nodes),
    edges: structuredClone(graph.edges.filter((e) => kept.has(e.source) && kept.has(e.target))),
  };
}

/** Pastes a clipboard with fresh node and edge ids, shifted by `offset`; returns the new ids. */
export function pasteNodes(
  graph: FlowGraph,
  clipboard: FlowClipboard,
  offset = { x: 40, y: 40 },
): { graph: FlowGraph; nodeIds: string[] } {
  const idMap = new Map<string, string>();
  const taken = new Set<string>();
  const nodes = clipboard.nodes.map((n) => {
    const id = freshNodeId(graph, n.type, taken);
    taken.add(id);
    idMap.set(n.id, id);
    return {
      ...structuredClone(n),
      id,
      locked: undefined,
      position: { x: n.position.x + offset.x, y: n.position.y + offset.y },
    };
  });
  for (const n of nodes) if (n.locked === undefined) delete n.locked;
  const usedEdgeIds = new Set(graph.edges.map((e) => e.id));
  const edges = clipboard.edges.map((e) => {
    const source = idMap.get(e.source) as string;
    const target = idMap.get(e.target) as string;
    let id = `e_${source}_${e.branch ?? 'next'}_${target}`;
    for (let i = 2; usedEdgeIds.has(id); i++) id = `e_${source}_${e.branch ?? 'next'}_${target}_${i}`;
    usedEdgeIds.add(id);
    return { ...e, id, source, target };
  });
  return {
    graph: { nodes: [...graph.nodes, ...nodes], edges: [...graph.edges, ...edges] },
    nodeIds: [...idMap.values()],
  };
}

/** Copy + paste in one step. */
export function duplicateNodes(graph: FlowGraph, ids: string[]) {
  return pasteNodes(graph, copyNodes(graph, ids), { x: 40, y: 60 });
}
