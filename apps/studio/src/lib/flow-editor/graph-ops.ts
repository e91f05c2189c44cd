import { TillflowError } from '@tillflow/core/errors';
import { getNodeType, nodeOutputs } from '@tillflow/flow-model';
import type { FlowEdge, FlowGraph, FlowNode } from '@tillflow/flow-model/types';

/** An edit the canvas must refuse (a locked node, a connection into the trigger…); the message is shown as is. */
export class FlowEditError extends TillflowError {
  constructor(message: string) {
    super('VALIDATION', message);
    this.name = 'FlowEditError';
  }
}

export const isLocked = (node: FlowNode | undefined) => node?.locked === true;

function nodeLabel(node: FlowNode) {
  return node.label ?? getNodeType(node.type)?.label ?? node.id;
}

function lockedError(node: FlowNode, what: string) {
  return new FlowEditError(`'${nodeLabel(node)}' is a built-in step and cannot be ${what}.`);
}

/** A node id usable in bindings (`nodes.<id>`), unique in the graph: update_rows, update_rows_2, … */
export function freshNodeId(graph: FlowGraph, type: string, taken: Set<string> = new Set()): string {
  const base = type.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, '_') || 'node';
  const used = new Set([...graph.nodes.map((n) => n.id), ...taken]);
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

export function edgeId(source: string, target: string, branch?: string) {
  return `e_${source}_${branch ?? 'next'}_${target}`;
}

function uniqueEdgeId(edges: FlowEdge[], source: string, target: string, branch?: string) {
  const base = edgeId(source, target, branch);
  const used = new Set(edges.map((e) => e.id));
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** The port a new connection leaves `node` through: the requested one, or the first free one. */
function pickPort(graph: FlowGraph, node: FlowNode, requested?: string): string | undefined {
  const ports = nodeOutputs(node.type, node.config);
  if (ports.length === 0) throw new FlowEditError(`'${nodeLabel(node)}' ends the flow and cannot connect onward.`);
  if (requested !== undefined) {
    if (!ports.includes(requested))
      throw new FlowEditError(`'${nodeLabel(node)}' has no '${requested}' branch (it has ${ports.join(', ')}).`);
    return requested === 'next' ? undefined : requested;
  }
  if (ports.length === 1 && ports[0] === 'next') return undefined;
  const used = new Set(graph.edges.filter((e) => e.source === node.id).map((e) => e.branch));
  const port = ports.find((p) => !used.has(p)) ?? ports[0];
  return port === 'next' ? undefined : port;
}

function byId(graph: FlowGraph, id: string): FlowNode {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node) throw new FlowEditError(`There is no step '${id}'.`);
  return node;
}

export interface NewNode {
  type: string;
  label?: string;
  config?: Record<string, unknown>;
  position: { x: number; y: number };
}

function makeNode(graph: FlowGraph, input: NewNode): FlowNode {
  const def = getNodeType(input.type);
  if (!def) throw new FlowEditError(`'${input.type}' is not a known kind of step.`);
  if (def.locked) throw new FlowEditError(`'${def.label}' is a built-in step and cannot be added by hand.`);
  return {
    id: freshNodeId(graph, input.type),
    type: input.type,
    label: input.label ?? def.label,
    config: input.config ?? defaultConfig(input.type),
    position: input.position,
  };
}

/** The config a new node starts with: whatever defaults its zod schema fills in. */
export function defaultConfig(type: string): Record<string, unknown> {
  const def = getNodeType(type);
  const parsed = def?.configSchema.safeParse({});
  if (parsed?.success) return parsed.data as Record<string, unknown>;
  if (type === 'insert_row' || type === 'update_rows') return { table: '', filters: [], values: {} };
  if (type === 'query_rows' || type === 'delete_rows') return { table: '', filters: [] };
  if (type === 'set_variables') return { variables: {} };
  if (type === 'switch') return { value: '', cases: [] };
  return {};
}

/** Adds a node; with `after`, also connects it from that node (through the given or first free branch). */
export function addNode(
  graph: FlowGraph,
  input: NewNode,
  after?: { source: string; branch?: string },
): { graph: FlowGraph; nodeId: string } {
  const node = makeNode(graph, input);
  let next: FlowGraph = { nodes: [...graph.nodes, node], edges: graph.edges };
  if (after) next = connect(next, { source: after.source, target: node.id, branch: after.branch });
  return { graph: next, nodeId: node.id };
}

/** Splits an edge source→target with a new node: source→new keeps the branch, new→target leaves its first port. */
export function insertNodeOnEdge(
  graph: FlowGraph,
  edgeIdToSplit: string,
  input: Omit<NewNode, 'position'> & { position?: { x: number; y: number } },
): { graph: FlowGraph; nodeId: string } {
  const edge = graph.edges.find((e) => e.id === edgeIdToSplit);
  if (!edge) throw new FlowEditError(`There is no connection '${edgeIdToSplit}'.`);
  const source = byId(graph, edge.source);
  const target = byId(graph, edge.target);
  if (isLocked(target)) throw lockedError(target, 'disconnected');
  const position = input.position ?? {
    x: (source.position.x + target.position.x) / 2,
    y: (source.position.y + target.position.y) / 2,
  };
  const node = makeNode(graph, { ...input, position });
  const ports = nodeOutputs(node.type, node.config);
  if (ports.length === 0)
    throw new FlowEditError(`'${nodeLabel(node)}' ends the flow, so it cannot go between two steps.`);
  const outBranch = ports[0] === 'next' ? undefined : ports[0];
  const edges = graph.edges.filter((e) => e.id !== edge.id);
  const into: FlowEdge = {
    id: uniqueEdgeId(edges, source.id, node.id, edge.branch),
    source: source.id,
    target: node.id,
    ...(edge.branch ? { branch: edge.branch } : {}),
  };
  const out: FlowEdge = {
    id: uniqueEdgeId([...edges, into], node.id, target.id, outBranch),
    source: node.id,
    target: target.id,
    ...(outBranch ? { branch: outBranch } : {}),
  };
  return { graph: { nodes: [...graph.nodes, node], edges: [...edges, into, out] }, nodeId: node.id };
}

/** Connects two nodes; refuses loops onto itself, edges into the trigger or into locked nodes, and duplicates. */
export function connect(graph: FlowGraph, c: { source: string; target: string; branch?: string }): FlowGraph {
  const source = byId(graph, c.source);
  const target = byId(graph, c.target);
  if (source.id === target.id) throw new FlowEditError('A step cannot connect to itself.');
  if (target.type === 'trigger') throw new FlowEditError('Nothing can connect into the trigger.');
  if (isLocked(target)) throw lockedError(target, 'rewired');
  const branch = pickPort(graph, source, c.branch);
  if (graph.edges.some((e) => e.source === source.id && e.target === target.id && e.branch === branch))
    throw new FlowEditError('These steps are already connected.');
  const edge: FlowEdge = {
    id: uniqueEdgeId(graph.edges, source.id, target.id, branch),
    source: source.id,
    target: target.id,
    ...(branch ? { branch } : {}),
  };
  return { nodes: graph.nodes, edges: [...graph.edges, edge] };
}

/** Removes connections; a connection into a locked node is refused. */
export function deleteEdges(graph: FlowGraph, ids: string[]): FlowGraph {
  const drop = new Set(ids);
  for (const e of graph.edges) {
    if (!drop.has(e.id)) continue;
    const target = graph.nodes.find((n) => n.id === e.target);
    if (isLocked(target)) throw lockedError(target as FlowNode, 'disconnected');
  }
  return { nodes: graph.nodes, edges: graph.edges.filter((e) => !drop.has(e.id)) };
}

/**
 * Deletes nodes. A deleted node with exactly one predecessor hands its successors to
 * that predecessor (through the same branch), so deleting the middle of a chain keeps it connected.
 */
export function deleteNodes(graph: FlowGraph, ids: string[]): FlowGraph {
  for (const id of ids) {
    const node = byId(graph, id);
    if (isLocked(node)) throw lockedError(node, 'deleted');
  }
  let nodes = graph.nodes;
  let edges = graph.edges;
  for (const id of ids) {
    const incoming = edges.filter((e) => e.target === id);
    const outgoing = edges.filter((e) => e.source === id);
    const lockedSuccessor = outgoing.map((e) => nodes.find((n) => n.id === e.target)).find(isLocked);
    if (lockedSuccessor) throw lockedError(lockedSuccessor, 'disconnected');
    edges = edges.filter((e) => e.source !== id && e.target !== id);
    const [pred] = incoming;
    // Deleting a chain one node at a time hands successors along it, so the chain's entry ends up connected to its exits.
    if (incoming.length === 1)
      for (const out of outgoing) {
        if (out.target === pred.source) continue;
        const dup = edges.some((e) => e.source === pred.source && e.target === out.target && e.branch === pred.branch);
        if (dup) continue;
        edges = [
          ...edges,
          {
            id: uniqueEdgeId(edges, pred.source, out.target, pred.branch),
            source: pred.source,
            target: out.target,
            ...(pred.branch ? { branch: pred.branch } : {}),
          },
        ];
      }
    nodes = nodes.filter((n) => n.id !== id);
  }
  return { nodes, edges };
}

/** The config keys a builder may change on a locked node (its type's `editableWhenLocked`), e.g. the renewal order mapping. */
export const editableKeysOf = (node: FlowNode | undefined): readonly string[] =>
  (node && getNodeType(node.type)?.editableWhenLocked) ?? [];

/**
 * Changes a node's label or config; locked nodes refuse (moving them is fine, see moveNodes), except for the
 * keys their type leaves editable: only those are taken from the patch, the rest of a locked node stays as it is.
 */
export function updateNode(
  graph: FlowGraph,
  id: string,
  patch: { label?: string; config?: Record<string, unknown> },
): FlowGraph {
  const node = byId(graph, id);
  if (isLocked(node)) {
    const editable = editableKeysOf(node);
    const config = patch.config;
    const changed = config
      ? editable.filter((k) => JSON.stringify(config[k]) !== JSON.stringify(node.config?.[k]))
      : [];
    const otherChange =
      (patch.label !== undefined && patch.label !== (node.label ?? '') && patch.label !== nodeLabel(node)) ||
      (config !== undefined &&
        Object.keys({ ...config, ...node.config }).some(
          (k) =>
            !editable.includes(k) &&
            k !== 'tableId' &&
            k !== 'columnIds' &&
            JSON.stringify(config[k]) !== JSON.stringify(node.config?.[k]),
        ));
    if (otherChange || changed.length === 0) {
      if (otherChange) throw lockedError(node, 'edited');
      return graph;
    }
    const next: Record<string, unknown> = { ...node.config };
    for (const k of changed) {
      if (config?.[k] === undefined) delete next[k];
      else next[k] = config[k];
    }
    return { nodes: graph.nodes.map((n) => (n.id === id ? { ...n, config: next } : n)), edges: graph.edges };
  }
  return { nodes: graph.nodes.map((n) => (n.id === id ? { ...n, ...patch } : n)), edges: graph.edges };
}

export function moveNodes(graph: FlowGraph, positions: Record<string, { x: number; y: number }>): FlowGraph {
  return {
    nodes: graph.nodes.map((n) => (positions[n.id] ? { ...n, position: positions[n.id] } : n)),
    edges: graph.edges,
  };
}
