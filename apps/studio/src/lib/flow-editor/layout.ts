import dagre from '@dagrejs/dagre';
import type { FlowGraph } from '@tillflow/flow-model/types';
import { insertNodeOnEdge, type NewNode } from './graph-ops';

export const NODE_WIDTH = 240;
export const NODE_HEIGHT = 72;

/** Top-to-bottom layered layout (dagre); returns the graph with new positions (top-left corners). */
export function autoLayout(graph: FlowGraph, options: { rankSep?: number; nodeSep?: number } = {}): FlowGraph {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', ranksep: options.rankSep ?? 60, nodesep: options.nodeSep ?? 40 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  for (const e of graph.edges) if (g.hasNode(e.source) && g.hasNode(e.target)) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return {
    nodes: graph.nodes.map((n) => {
      const p = g.node(n.id);
      return { ...n, position: { x: Math.round(p.x - NODE_WIDTH / 2), y: Math.round(p.y - NODE_HEIGHT / 2) } };
    }),
    edges: graph.edges,
  };
}

/**
 * Inserts a step on a connection and lays the graph out again, so the new step gets a row of its own
 * instead of being squeezed between its neighbours (and the steps below move down to make room).
 */
export function insertNodeOnEdgeWithLayout(
  graph: FlowGraph,
  edgeId: string,
  input: Omit<NewNode, 'position'>,
): { graph: FlowGraph; nodeId: string } {
  const inserted = insertNodeOnEdge(graph, edgeId, input);
  return { graph: autoLayout(inserted.graph), nodeId: inserted.nodeId };
}
