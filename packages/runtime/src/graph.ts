// The shape of a flow the runtime executes. The flow model package owns the
// full definition (catalog, validation); the runtime only needs this much.

export interface GraphNode {
  id: string;
  type: string;
  config?: Record<string, unknown>;
}

export interface GraphEdge {
  id?: string;
  source: string;
  target: string;
  /** Branch label: a condition's 'true'/'false', a switch's case value. */
  label?: string | null;
}

export interface StripeWebhookTrigger {
  type: 'stripe_webhook';
  eventTypes?: string[];
}

export interface FlowTrigger {
  type: string;
  eventTypes?: string[];
}

export interface RunnableFlow {
  trigger: FlowTrigger;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Whether a flow's trigger accepts this Stripe event type ('*' or an empty list accepts all). */
export function triggerAccepts(trigger: FlowTrigger | null | undefined, eventType: string): boolean {
  if (trigger?.type !== 'stripe_webhook') return false;
  const types = trigger.eventTypes ?? [];
  return types.length === 0 || types.includes('*') || types.includes(eventType);
}

/** Nodes in an order where every node comes after all its predecessors (the validator rejects cycles). */
export function topologicalOrder(flow: RunnableFlow): GraphNode[] {
  const indegree = new Map(flow.nodes.map((n) => [n.id, 0]));
  for (const e of flow.edges) if (indegree.has(e.target)) indegree.set(e.target, (indegree.get(e.target) ?? 0) + 1);
  const byId = new Map(flow.nodes.map((n) => [n.id, n]));
  const ready = flow.nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  const order: GraphNode[] = [];
  while (ready.length > 0) {
    const id = ready.shift() as string;
    order.push(byId.get(id) as GraphNode);
    for (const e of flow.edges)
      if (e.source === id && indegree.has(e.target)) {
        const left = (indegree.get(e.target) ?? 0) - 1;
        indegree.set(e.target, left);
        if (left === 0) ready.push(e.target);
      }
  }
  if (order.length !== flow.nodes.length) throw new Error('The flow has a cycle.');
  return order;
}
