import type { FlowDefinition, FlowGraph, FlowTrigger } from '@tillflow/flow-model';
import { useCallback, useState } from 'react';
import {
  canRedo,
  canUndo,
  createHistory,
  type EditHistory,
  FlowEditError,
  pushHistory,
  redo,
  replacePresent,
  undo,
} from '~/lib/flow-editor';
import type { NoticeActions } from './use-notice';

export const READ_ONLY = 'You can look at this flow and its runs; only owners and editors change it.';

/**
 * The definition being edited, with undo/redo. `apply` records an edit (coalesced edits replace the
 * last step, e.g. typing in one form); `edit` runs it first so a refusal (FlowEditError) is reported
 * in the notice line instead of thrown.
 */
export function useFlowHistory(initial: FlowDefinition, notice: NoticeActions, readOnly = false) {
  const [history, setHistory] = useState<EditHistory<FlowDefinition>>(() => createHistory(initial));
  const definition = history.present;

  const apply = useCallback(
    (change: (graph: FlowGraph) => FlowGraph, opts: { coalesce?: boolean } = {}) => {
      // A role that cannot build (finance, viewer) looks at the flow; nothing changes, and it is told why.
      if (readOnly) {
        notice.error(READ_ONLY);
        return false;
      }
      try {
        setHistory((h) => {
          const next = { ...h.present, graph: change(h.present.graph) };
          return opts.coalesce ? replacePresent(h, next) : pushHistory(h, next);
        });
        notice.clear();
        return true;
      } catch (error) {
        if (!(error instanceof FlowEditError)) throw error;
        notice.error(error.message);
        return false;
      }
    },
    [notice, readOnly],
  );

  const edit = useCallback(
    (change: (graph: FlowGraph) => FlowGraph) => {
      if (readOnly) {
        notice.error(READ_ONLY);
        return null;
      }
      try {
        const graph = change(definition.graph);
        apply(() => graph);
        return graph;
      } catch (error) {
        if (!(error instanceof FlowEditError)) throw error;
        notice.error(error.message);
        return null;
      }
    },
    [apply, definition.graph, notice, readOnly],
  );

  const setTrigger = useCallback(
    (trigger: FlowTrigger) => {
      if (readOnly) return notice.error(READ_ONLY);
      setHistory((h) => pushHistory(h, { ...h.present, trigger }));
    },
    [notice, readOnly],
  );

  return {
    definition,
    apply,
    edit,
    setTrigger,
    undo: () => setHistory(undo),
    redo: () => setHistory(redo),
    canUndo: canUndo(history),
    canRedo: canRedo(history),
  };
}

export type FlowHistory = ReturnType<typeof useFlowHistory>;
