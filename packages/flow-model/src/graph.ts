import type { FlowDefinition, FlowGraph } from './types';

export const TRIGGER_NODE_TYPE = 'trigger';

export function outgoing(graph: FlowGraph, nodeId: string) {
  return graph.edges.filter((e) => e.source === nodeId);
}

export function findTriggerNode(graph: FlowGraph) {
  return graph.nodes.find((n) => n.type === TRIGGER_NODE_TYPE);
}

/** Node ids reachable from `start` (including it), following edges forward. */
export function reachableFrom(graph: FlowGraph, start: string): Set<string> {
  const seen = new Set<string>([start]);
  const queue = [start];
  while (queue.length) {
    const id = queue.shift() as string;
    for (const e of outgoing(graph, id))
      if (!seen.has(e.target)) {
        seen.add(e.target);
        queue.push(e.target);
      }
  }
  return seen;
}

/** Ids of every node that can run before `nodeId` (its ancestors), excluding itself. */
export function upstreamOf(graph: FlowGraph, nodeId: string): Set<string> {
  const seen = new Set<string>();
  const queue = [nodeId];
  while (queue.length) {
    const id = queue.shift() as string;
    for (const e of graph.edges)
      if (e.target === id && !seen.has(e.source)) {
        seen.add(e.source);
        queue.push(e.source);
      }
  }
  seen.delete(nodeId);
  return seen;
}

/** One cycle as a list of node ids, or null when the graph is acyclic. */
export function findCycle(graph: FlowGraph): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const e of outgoing(graph, id)) {
      const s = state.get(e.target);
      if (s === 'visiting') return stack.slice(stack.indexOf(e.target));
      if (!s) {
        const found = visit(e.target);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const n of graph.nodes) {
    if (state.has(n.id)) continue;
    const found = visit(n.id);
    if (found) return found;
  }
  return null;
}

/** Nodes in an order where every node comes after its sources (acyclic graphs; cycle members are left out). */
export function topologicalOrder(graph: FlowGraph): string[] {
  const indegree = new Map(graph.nodes.map((n) => [n.id, 0]));
  for (const e of graph.edges)
    if (indegree.has(e.target) && indegree.has(e.source)) indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);
  const queue = [...indegree].filter(([, d]) => d === 0).map(([id]) => id);
  const order: string[] = [];
  while (queue.length) {
    const id = queue.shift() as string;
    order.push(id);
    for (const e of outgoing(graph, id)) {
      if (!indegree.has(e.target)) continue;
      const d = (indegree.get(e.target) ?? 0) - 1;
      indegree.set(e.target, d);
      if (d === 0) queue.push(e.target);
    }
  }
  return order;
}

/** The next node ids after `nodeId` leaves through `port` (an edge without a branch leaves through 'next'). */
export function nextNodes(definition: FlowDefinition, nodeId: string, port: string): string[] {
  return outgoing(definition.graph, nodeId)
    .filter((e) => (e.branch ?? 'next') === port)
    .map((e) => e.target);
}
