import type { FlowGraph } from '@tillflow/flow-model';
import { useCallback, useState } from 'react';

function sameSet(a: Set<string>, b: string[]) {
  return a.size === b.length && b.every((x) => a.has(x));
}

/** Which nodes and edges are selected, and which node the canvas should bring into view (`focus`). */
export function useSelection() {
  const [nodes, setNodes] = useState<Set<string>>(new Set());
  const [edges, setEdges] = useState<Set<string>>(new Set());
  const [focus, setFocus] = useState<{ id: string; n: number } | null>(null);

  /** Selects one node and brings it into view. */
  const selectOnly = useCallback((id: string) => {
    setFocus((f) => ({ id, n: (f?.n ?? 0) + 1 }));
    setNodes(new Set([id]));
    setEdges(new Set());
  }, []);

  /** What the canvas reports as selected (state kept when unchanged, so nothing re-renders for nothing). */
  const select = useCallback((nodeIds: string[], edgeIds: string[]) => {
    setNodes((prev) => (sameSet(prev, nodeIds) ? prev : new Set(nodeIds)));
    setEdges((prev) => (sameSet(prev, edgeIds) ? prev : new Set(edgeIds)));
  }, []);

  const selectNodes = useCallback((nodeIds: string[]) => setNodes(new Set(nodeIds)), []);
  const clear = useCallback(() => {
    setNodes(new Set());
    setEdges(new Set());
  }, []);

  /** The one selected node, if exactly one is. */
  const single = (graph: FlowGraph) => (nodes.size === 1 ? graph.nodes.find((n) => nodes.has(n.id)) : undefined);

  return { nodes, edges, focus, selectOnly, select, selectNodes, clear, single };
}

export type Selection = ReturnType<typeof useSelection>;
