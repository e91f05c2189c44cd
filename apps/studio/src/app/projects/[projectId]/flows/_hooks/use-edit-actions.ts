import type { FlowGraph } from '@tillflow/flow-model';
import { useCallback, useRef, useState } from 'react';
import {
  addNode,
  autoLayout,
  copyNodes,
  deleteEdges,
  deleteNodes,
  duplicateNodes,
  type FlowClipboard,
  FlowEditError,
  insertNodeOnEdgeWithLayout,
  pasteNodes,
  updateNode,
} from '~/lib/flow-editor';
import type { FlowHistory } from './use-flow-history';
import type { NoticeActions } from './use-notice';
import type { Selection } from './use-selection';

// Module-level so nodes copied in one flow can be pasted into another during the session.
const clipboard: { current: FlowClipboard | null } = { current: null };

/**
 * What the toolbar, the palette, the canvas and the config form do to the graph: add (after the
 * selected node, on an edge, or where dropped), delete, copy/paste/duplicate, auto-layout, edit a node.
 * `showPanel` switches the side panel when an action calls for it.
 */
export function useEditActions({
  history,
  selection,
  notice,
  showPanel,
  fit,
}: {
  history: FlowHistory;
  selection: Selection;
  notice: NoticeActions;
  showPanel: (panel: 'palette' | 'config') => void;
  fit: (delayMs: number) => void;
}) {
  const { definition, apply, edit } = history;
  const graph = definition.graph;
  const [insertEdge, setInsertEdge] = useState<string | null>(null);
  const lastConfigEdit = useRef<{ nodeId: string; at: number } | null>(null);

  const focusNew = (nodeId: string) => {
    selection.selectOnly(nodeId);
    showPanel('config');
  };

  const addFromPalette = (type: string, position?: { x: number; y: number }) => {
    const [selected] = [...selection.nodes];
    const anchor = graph.nodes.find((n) => n.id === selected);
    try {
      if (insertEdge) {
        const r = insertNodeOnEdgeWithLayout(graph, insertEdge, { type });
        apply(() => r.graph);
        setInsertEdge(null);
        fit(50);
        return focusNew(r.nodeId);
      }
      const at = position ?? (anchor ? { x: anchor.position.x, y: anchor.position.y + 140 } : { x: 0, y: 0 });
      const r = addNode(graph, { type, position: at }, anchor && !position ? { source: anchor.id } : undefined);
      apply(() => r.graph);
      focusNew(r.nodeId);
    } catch (error) {
      if (!(error instanceof FlowEditError)) throw error;
      notice.error(error.message);
    }
  };

  const deleteSelection = (nodeIds = [...selection.nodes], edgeIds = [...selection.edges]) => {
    if (!nodeIds.length && !edgeIds.length) return;
    const result = edit((g: FlowGraph) => {
      const kept = edgeIds.filter((id) =>
        g.edges.some((e) => e.id === id && !nodeIds.includes(e.source) && !nodeIds.includes(e.target)),
      );
      return deleteNodes(deleteEdges(g, kept), nodeIds);
    });
    if (result) {
      selection.clear();
      showPanel('palette');
    }
  };

  const copy = () => {
    clipboard.current = copyNodes(graph, [...selection.nodes]);
    notice.info(`Copied ${clipboard.current.nodes.length} node(s).`);
  };
  const paste = () => {
    if (!clipboard.current?.nodes.length) return;
    const r = pasteNodes(graph, clipboard.current);
    apply(() => r.graph);
    selection.selectNodes(r.nodeIds);
  };
  const duplicate = () => {
    const r = duplicateNodes(graph, [...selection.nodes]);
    if (!r.nodeIds.length) return notice.error('Built-in steps cannot be duplicated.');
    apply(() => r.graph);
    selection.selectNodes(r.nodeIds);
  };
  const layout = () => {
    apply((g) => autoLayout(g));
    fit(50);
  };

  const selectedNode = selection.single(graph);
  /** The config form's changes; typing in one node's form is one undo step, not one per keystroke. */
  const updateSelectedNode = useCallback(
    (patch: { label: string; config: Record<string, unknown> }) => {
      if (!selectedNode) return;
      const now = Date.now();
      const last = lastConfigEdit.current;
      const coalesce = last?.nodeId === selectedNode.id && now - last.at < 1000;
      lastConfigEdit.current = { nodeId: selectedNode.id, at: now };
      apply((g) => updateNode(g, selectedNode.id, { label: patch.label || undefined, config: patch.config }), {
        coalesce,
      });
    },
    [apply, selectedNode],
  );

  return {
    insertEdge,
    insertOnEdge: (edgeId: string) => {
      setInsertEdge(edgeId);
      showPanel('palette');
    },
    addFromPalette,
    deleteSelection,
    copy,
    paste,
    duplicate,
    layout,
    updateSelectedNode,
  };
}

export type EditActions = ReturnType<typeof useEditActions>;
