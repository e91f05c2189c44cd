import type { FlowDefinition, FlowTrigger } from '@tillflow/flow-model';

// The flow model package owns the definition (catalog, validation, bindings);
// the runtime reads the graph and the trigger out of it.
export type { FlowDefinition, FlowTrigger };

export interface GraphNode {
  id: string;
  type: string;
  config?: Record<string, unknown>;
}

export interface GraphEdge {
  source: string;
  target: string;
  /** Output port: 'next' (or none) always; a condition's 'true'/'false', a switch's case value. */
  branch?: string | null;
}

export interface RunnableGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function graphOf(definition: FlowDefinition): RunnableGraph {
  return { nodes: definition.graph.nodes, edges: definition.graph.edges };
}

/** Whether a flow's trigger accepts this Stripe event type ('*' or an empty list accepts all). */
export function triggerAccepts(trigger: FlowTrigger | null | undefined, eventType: string): boolean {
  if (trigger?.kind !== 'stripe_webhook') return false;
  const types = trigger.events ?? [];
  return types.length === 0 || types.includes('*') || types.includes(eventType);
}

/** Nodes in an order where every node comes after all its predecessors (the validator rejects cycles). */
export function topologicalOrder(graph: RunnableGraph): GraphNode[] {
  const indegree = new Map(graph.nodes.map((n) => [n.id, 0]));
  for (const e of graph.edges) if (indegree.has(e.target)) indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const ready = graph.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const order: GraphNode[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    order.push(byId.get(id) as GraphNode);
    for (const e of graph.edges)
      if (e.source === id && indegree.has(e.target)) {
        const left = (indegree.get(e.target) ?? 0) - 1;
        indegree.set(e.target, left);
        if (left === 0) ready.push(e.target);
      }
  }
  if (order.length !== graph.nodes.length) throw new Error('The flow has a cycle.');
  return order;
}
