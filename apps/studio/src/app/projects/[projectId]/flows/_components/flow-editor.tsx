'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  type FlowDefinition,
  type FlowGraph,
  getNodeType,
  publishRefusedMessage,
  type TableInfo,
  validateFlow,
} from '@tillflow/flow-model';
import { ReactFlowProvider } from '@xyflow/react';
import Link from 'next/link';
import { type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  addNode,
  autoLayout,
  canRedo,
  canUndo,
  connect,
  copyNodes,
  createHistory,
  deleteEdges,
  deleteNodes,
  duplicateNodes,
  type EditHistory,
  type FlowClipboard,
  FlowEditError,
  insertNodeOnEdge,
  moveNodes,
  pasteNodes,
  pushHistory,
  redo,
  replacePresent,
  undo,
  updateNode,
} from '~/lib/flow-editor';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import type { StepOverlay } from './canvas-types';
import { ConfigPanel } from './config-panel';
import { type CanvasHandlers, FlowCanvas } from './flow-canvas';
import { Palette } from './palette';
import { RunsPanel, TestPanel, TriggerPanel, VersionsPanel } from './side-panels';

// Module-level so nodes copied in one flow can be pasted into another during the session.
const clipboard: { current: FlowClipboard | null } = { current: null };

type Panel = 'palette' | 'config' | 'test' | 'runs' | 'versions';
interface Loaded {
  id: string;
  name: string;
  kind: 'system' | 'custom';
  draft: FlowDefinition;
  revision: number;
  published: FlowDefinition | null;
  tables: TableInfo[];
}

/** `runId` (from `?run=`, e.g. a link on the Events page or the payments dashboard) opens that run painted. */
export function FlowEditorPage({ projectId, flowId, runId }: { projectId: number; flowId: string; runId?: string }) {
  const trpc = useTRPC();
  const flow = useQuery({ ...trpc.flows.get.queryOptions({ projectId, flowId }), refetchOnWindowFocus: false });
  if (flow.isLoading) return <p>Loading flow…</p>;
  if (flow.error || !flow.data) return <p role="alert">{errorMessage(flow.error)}</p>;
  return (
    <ReactFlowProvider>
      <FlowEditor
        key={`${flow.data.id}:${flow.data.revision}`}
        projectId={projectId}
        loaded={flow.data as Loaded}
        runId={runId}
      />
    </ReactFlowProvider>
  );
}

function FlowEditor({ projectId, loaded, runId }: { projectId: number; loaded: Loaded; runId?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const flowId = loaded.id;
  const [history, setHistory] = useState<EditHistory<FlowDefinition>>(() => createHistory(loaded.draft));
  const definition = history.present;
  const [published, setPublished] = useState(loaded.published);
  const [panel, setPanel] = useState<Panel>(runId ? 'runs' : 'palette');
  const [selectedNodes, setSelectedNodes] = useState<Set<string>>(new Set());
  const [selectedEdges, setSelectedEdges] = useState<Set<string>>(new Set());
  const [insertEdge, setInsertEdge] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const [overlay, setOverlay] = useState<{ title: string; steps: Map<string, StepOverlay> } | null>(null);
  const [fitSignal, setFitSignal] = useState(0);
  // A painted run is shown whole: every node it touched should be on screen.
  const showOverlay = useCallback((o: { title: string; steps: Map<string, StepOverlay> } | null) => {
    setOverlay(o);
    if (o) setTimeout(() => setFitSignal((n) => n + 1), 30);
  }, []);
  const [focus, setFocus] = useState<{ id: string; n: number } | null>(null);
  const lastConfigEdit = useRef<{ nodeId: string; at: number } | null>(null);

  const issues = useMemo(
    () => validateFlow(definition, { tables: loaded.tables, previous: published ?? undefined }),
    [definition, loaded.tables, published],
  );

  // Autosave: the draft is saved shortly after each change, naming the revision it was based on.
  const revision = useRef(loaded.revision);
  const savedDefinition = useRef(loaded.draft);
  const [saveState, setSaveState] = useState<'saved' | 'pending' | 'saving' | 'conflict' | 'error'>('saved');
  const saveDraft = useMutation(trpc.flows.saveDraft.mutationOptions());
  const save = useCallback(async () => {
    const target = definition;
    if (target === savedDefinition.current) return true;
    setSaveState('saving');
    try {
      const result = await saveDraft.mutateAsync({
        projectId,
        flowId,
        definition: target,
        expectedRevision: revision.current,
      });
      revision.current = result.revision;
      savedDefinition.current = target;
      setSaveState('saved');
      return true;
    } catch (error) {
      const conflict = (error as { data?: { code?: string } }).data?.code === 'CONFLICT';
      setSaveState(conflict ? 'conflict' : 'error');
      setNotice({ kind: 'error', text: errorMessage(error) });
      return false;
    }
  }, [definition, flowId, projectId, saveDraft]);
  useEffect(() => {
    if (definition === savedDefinition.current || saveState === 'conflict') return;
    setSaveState('pending');
    const timer = setTimeout(() => void save(), 700);
    return () => clearTimeout(timer);
  }, [definition, save, saveState]);

  // Leaving with an edit not yet saved asks first (the autosave waits 0.7 s after the last change).
  useEffect(() => {
    if (saveState !== 'pending' && saveState !== 'saving') return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [saveState]);

  const apply = useCallback((edit: (graph: FlowGraph) => FlowGraph, opts: { coalesce?: boolean } = {}) => {
    try {
      setHistory((h) => {
        const graph = edit(h.present.graph);
        const next = { ...h.present, graph };
        return opts.coalesce ? replacePresent(h, next) : pushHistory(h, next);
      });
      setNotice(null);
      return true;
    } catch (error) {
      if (!(error instanceof FlowEditError)) throw error;
      setNotice({ kind: 'error', text: error.message });
      return false;
    }
  }, []);

  /** Runs an edit eagerly so a refusal can be reported (setState updaters must not throw). */
  const edit = useCallback(
    (fn: (graph: FlowGraph) => FlowGraph) => {
      try {
        const graph = fn(definition.graph);
        apply(() => graph);
        return graph;
      } catch (error) {
        if (!(error instanceof FlowEditError)) throw error;
        setNotice({ kind: 'error', text: error.message });
        return null;
      }
    },
    [apply, definition.graph],
  );

  const selectOnly = (id: string) => {
    setFocus((f) => ({ id, n: (f?.n ?? 0) + 1 }));
    setSelectedNodes(new Set([id]));
    setSelectedEdges(new Set());
    setPanel('config');
  };

  const addFromPalette = (type: string, position?: { x: number; y: number }) => {
    const [selected] = [...selectedNodes];
    const anchor = definition.graph.nodes.find((n) => n.id === selected);
    try {
      if (insertEdge) {
        const r = insertNodeOnEdge(definition.graph, insertEdge, { type });
        apply(() => r.graph);
        setInsertEdge(null);
        return selectOnly(r.nodeId);
      }
      const at = position ?? (anchor ? { x: anchor.position.x, y: anchor.position.y + 140 } : { x: 0, y: 0 });
      const r = addNode(
        definition.graph,
        { type, position: at },
        anchor && !position ? { source: anchor.id } : undefined,
      );
      apply(() => r.graph);
      selectOnly(r.nodeId);
    } catch (error) {
      if (!(error instanceof FlowEditError)) throw error;
      setNotice({ kind: 'error', text: error.message });
    }
  };

  const deleteSelection = (nodeIds = [...selectedNodes], edgeIds = [...selectedEdges]) => {
    if (!nodeIds.length && !edgeIds.length) return;
    const result = edit((g) => {
      const kept = edgeIds.filter((id) =>
        g.edges.some((e) => e.id === id && !nodeIds.includes(e.source) && !nodeIds.includes(e.target)),
      );
      return deleteNodes(deleteEdges(g, kept), nodeIds);
    });
    if (result) {
      setSelectedNodes(new Set());
      setSelectedEdges(new Set());
      setPanel('palette');
    }
  };

  const handlers: CanvasHandlers = {
    onMoved: (positions) => apply((g) => moveNodes(g, positions)),
    onConnect: (c) => edit((g) => connect(g, c)),
    onDelete: (nodeIds, edgeIds) => deleteSelection(nodeIds, edgeIds),
    onDropNode: (type, position) => addFromPalette(type, position),
    onInsertOnEdge: (edgeId) => {
      setInsertEdge(edgeId);
      setPanel('palette');
    },
    onSelection: (nodeIds, edgeIds) => {
      setSelectedNodes((prev) => (sameSet(prev, nodeIds) ? prev : new Set(nodeIds)));
      setSelectedEdges((prev) => (sameSet(prev, edgeIds) ? prev : new Set(edgeIds)));
      if (nodeIds.length === 1) setPanel('config');
    },
  };

  const copy = () => {
    clipboard.current = copyNodes(definition.graph, [...selectedNodes]);
    setNotice({ kind: 'info', text: `Copied ${clipboard.current.nodes.length} node(s).` });
  };
  const paste = () => {
    if (!clipboard.current?.nodes.length) return;
    const r = pasteNodes(definition.graph, clipboard.current);
    apply(() => r.graph);
    setSelectedNodes(new Set(r.nodeIds));
  };
  const duplicate = () => {
    const r = duplicateNodes(definition.graph, [...selectedNodes]);
    if (!r.nodeIds.length) return setNotice({ kind: 'error', text: 'System nodes cannot be duplicated.' });
    apply(() => r.graph);
    setSelectedNodes(new Set(r.nodeIds));
  };
  const layout = () => {
    apply((g) => autoLayout(g));
    setTimeout(() => setFitSignal((n) => n + 1), 50);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (target.closest('input, textarea, select, [contenteditable]')) return;
    const mod = e.metaKey || e.ctrlKey;
    if (!mod) return;
    const key = e.key.toLowerCase();
    if (key === 'z' && !e.shiftKey) setHistory(undo);
    else if ((key === 'z' && e.shiftKey) || key === 'y') setHistory(redo);
    else if (key === 'c') copy();
    else if (key === 'v') paste();
    else if (key === 'd') duplicate();
    else return;
    e.preventDefault();
  };

  const publish = useMutation(trpc.flows.publish.mutationOptions());
  const doPublish = async () => {
    if (!(await save())) return;
    if (issues.length) {
      setNotice({
        kind: 'error',
        text: publishRefusedMessage(issues),
      });
      return;
    }
    try {
      const r = await publish.mutateAsync({ projectId, flowId });
      setPublished(definition);
      setNotice({ kind: 'info', text: `Published version ${r.version}.` });
      await queryClient.invalidateQueries({ queryKey: trpc.flows.versions.queryKey({ projectId, flowId }) });
    } catch (error) {
      setNotice({ kind: 'error', text: errorMessage(error) });
    }
  };

  const selectedNode =
    selectedNodes.size === 1 ? definition.graph.nodes.find((n) => n.id === [...selectedNodes][0]) : undefined;
  const onConfigChange = useCallback(
    (patch: { label: string; config: Record<string, unknown> }) => {
      if (!selectedNode) return;
      const now = Date.now();
      const last = lastConfigEdit.current;
      // Typing in one node's form is one undo step, not one per keystroke.
      const coalesce = last?.nodeId === selectedNode.id && now - last.at < 1000;
      lastConfigEdit.current = { nodeId: selectedNode.id, at: now };
      apply((g) => updateNode(g, selectedNode.id, { label: patch.label || undefined, config: patch.config }), {
        coalesce,
      });
    },
    [apply, selectedNode],
  );
  const insertLabel = insertEdge ? definition.graph.edges.find((e) => e.id === insertEdge) : undefined;
  const nodeName = (id: string) => {
    const n = definition.graph.nodes.find((x) => x.id === id);
    return n?.label ?? (n ? getNodeType(n.type)?.label : id) ?? id;
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: keyboard shortcuts for the canvas region
    <div className="-m-6 flex h-[calc(100vh-49px)] flex-col" onKeyDown={onKeyDown}>
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-white px-4 py-2">
        <Link href={`/projects/${projectId}/flows`} className="text-sm text-indigo-700 hover:underline">
          ← Actionflows
        </Link>
        <h1 className="text-lg font-semibold">{loaded.name}</h1>
        {loaded.kind === 'system' && (
          <span className="rounded-full bg-slate-800 px-2 py-0.5 text-xs font-semibold text-white">System</span>
        )}
        <span role="status" aria-label="Save status" className="text-xs text-slate-500">
          {saveState === 'saved'
            ? 'Draft saved'
            : saveState === 'saving'
              ? 'Saving…'
              : saveState === 'pending'
                ? 'Unsaved changes'
                : saveState === 'conflict'
                  ? 'Conflict: reload'
                  : 'Not saved'}
        </span>
        <span className="text-xs text-slate-500">{issues.length ? `${issues.length} problem(s)` : 'No problems'}</span>
        <div role="toolbar" aria-label="Canvas tools" className="ml-auto flex flex-wrap gap-1">
          <button type="button" className="btn-secondary" onClick={() => setHistory(undo)} disabled={!canUndo(history)}>
            Undo
          </button>
          <button type="button" className="btn-secondary" onClick={() => setHistory(redo)} disabled={!canRedo(history)}>
            Redo
          </button>
          <button type="button" className="btn-secondary" onClick={copy} disabled={!selectedNodes.size}>
            Copy
          </button>
          <button type="button" className="btn-secondary" onClick={paste}>
            Paste
          </button>
          <button type="button" className="btn-secondary" onClick={duplicate} disabled={!selectedNodes.size}>
            Duplicate
          </button>
          <button
            type="button"
            className="btn-secondary"
            onClick={() => deleteSelection()}
            disabled={!selectedNodes.size && !selectedEdges.size}
          >
            Delete
          </button>
          <button type="button" className="btn-secondary" onClick={layout}>
            Auto-layout
          </button>
          <button type="button" className="btn-secondary" onClick={() => setFitSignal((n) => n + 1)}>
            Zoom to fit
          </button>
          {(['palette', 'test', 'runs', 'versions'] as const).map((p) => (
            <button
              key={p}
              type="button"
              className="btn-secondary"
              aria-pressed={panel === p}
              onClick={() => setPanel(p)}
            >
              {p === 'palette' ? 'Add node' : p === 'test' ? 'Test run' : p === 'runs' ? 'Runs' : 'Versions'}
            </button>
          ))}
          <button
            type="button"
            className="btn"
            onClick={doPublish}
            disabled={publish.isPending || saveState === 'conflict'}
          >
            Publish
          </button>
        </div>
      </div>
      {notice && (
        <div
          role={notice.kind === 'error' ? 'alert' : 'status'}
          className={`flex items-start gap-2 px-4 py-2 text-sm ${notice.kind === 'error' ? 'bg-red-50 text-red-800' : 'bg-green-50 text-green-800'}`}
        >
          <p className="flex-1">{notice.text}</p>
          {saveState === 'conflict' && (
            <button type="button" className="btn-secondary" onClick={() => window.location.reload()}>
              Reload
            </button>
          )}
          <button type="button" aria-label="Dismiss message" className="px-1" onClick={() => setNotice(null)}>
            ✕
          </button>
        </div>
      )}
      {overlay && (
        <div role="status" className="flex items-center gap-2 bg-indigo-50 px-4 py-1.5 text-sm text-indigo-900">
          <span className="flex-1">Showing {overlay.title} on the canvas.</span>
          <button type="button" className="btn-secondary" onClick={() => setOverlay(null)}>
            Clear run
          </button>
        </div>
      )}
      <div className="flex min-h-0 flex-1">
        <div className="min-w-0 flex-1">
          <FlowCanvas
            definition={definition}
            issues={issues}
            steps={overlay?.steps ?? null}
            selectedNodes={selectedNodes}
            selectedEdges={selectedEdges}
            handlers={handlers}
            fitSignal={fitSignal}
            focus={focus}
          />
        </div>
        <aside aria-label="Flow panel" className="w-96 shrink-0 overflow-y-auto border-l border-slate-200 bg-white p-4">
          {panel === 'config' && selectedNode ? (
            selectedNode.type === 'trigger' ? (
              <TriggerPanel
                definition={definition}
                locked={selectedNode.locked === true}
                onChange={(trigger) => setHistory((h) => pushHistory(h, { ...h.present, trigger }))}
              />
            ) : (
              <ConfigPanel
                key={selectedNode.id}
                node={selectedNode}
                definition={definition}
                tables={loaded.tables}
                issues={issues}
                onChange={onConfigChange}
              />
            )
          ) : panel === 'test' ? (
            <TestPanel projectId={projectId} flowId={flowId} definition={definition} onResult={showOverlay} />
          ) : panel === 'runs' ? (
            <RunsPanel projectId={projectId} flowId={flowId} onShow={showOverlay} initialRunId={runId} />
          ) : panel === 'versions' ? (
            <VersionsPanel projectId={projectId} flowId={flowId} revision={revision} />
          ) : (
            <Palette
              onPick={(type) => addFromPalette(type)}
              context={
                insertLabel
                  ? `Pick a node to insert between ${nodeName(insertLabel.source)} and ${nodeName(insertLabel.target)}.`
                  : selectedNode
                    ? `Click a node to add it after ${nodeName(selectedNode.id)}, or drag it onto the canvas.`
                    : 'Click a node to add it, or drag it onto the canvas. Select a node first to connect the new one after it.'
              }
            />
          )}
        </aside>
      </div>
    </div>
  );
}

function sameSet(a: Set<string>, b: string[]) {
  return a.size === b.length && b.every((x) => a.has(x));
}
