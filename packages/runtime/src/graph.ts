import {
  type FlowDefinition,
  type FlowGraph,
  type FlowTrigger,
  topologicalOrder as orderNodeIds,
} from '@tillflow/flow-model';

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

/**
 * Nodes in an order where every node comes after all its predecessors: the flow
 * model's one ordering, refusing a cycle (the validator rejects them at publish).
 */
export function topologicalOrder(graph: RunnableGraph): GraphNode[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const ids = orderNodeIds(graph as unknown as FlowGraph);
  if (ids.length !== graph.nodes.length) throw new Error('The flow has a cycle.');
  return ids.map((id) => byId.get(id) as GraphNode);
}
