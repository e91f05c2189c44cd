'use client';

import { useQuery } from '@tanstack/react-query';
import { publishRefusedMessage, validateFlow } from '@tillflow/flow-model';
import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useMemo, useState } from 'react';
import { connect, moveNodes, publishChanges } from '~/lib/flow-editor';
import { flowTitle } from '~/lib/flow-title';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { type RouterOutputs, useTRPC } from '~/trpc/react';
import { useAutosave } from '../_hooks/use-autosave';
import { useConflict } from '../_hooks/use-conflict';
import { useEditActions } from '../_hooks/use-edit-actions';
import { useFlowHistory } from '../_hooks/use-flow-history';
import { useNotice } from '../_hooks/use-notice';
import { usePublish } from '../_hooks/use-publish';
import { useSelection } from '../_hooks/use-selection';
import { useShortcuts } from '../_hooks/use-shortcuts';
import { CanvasPresence, useCanvasPresence } from './canvas-presence';
import { ConflictDialog } from './conflict-dialog';
import { EditorBanners } from './editor-banners';
import { EditorSidePanel } from './editor-side-panel';
import { type CanvasHandlers, FlowCanvas } from './flow-canvas';
import { FlowToolbar, type Panel } from './flow-toolbar';
import { selectedBy } from './peers';
import { PublishDialog } from './publish-dialog';
import { RequestReviewDialog, ReviewBar, useReview } from './review-bar';
import type { Overlay } from './run-overlay';

type LoadedFlow = RouterOutputs['flows']['get'];

/** `runId` (from `?run=`, e.g. a link on the Events page or the payments dashboard) opens that run painted. */
export function FlowEditorPage({ projectId, flowId, runId }: { projectId: number; flowId: string; runId?: string }) {
  const trpc = useTRPC();
  const flow = useQuery({ ...trpc.flows.get.queryOptions({ projectId, flowId }), refetchOnWindowFocus: false });
  if (flow.isLoading) return <p>Loading flow…</p>;
  if (flow.error || !flow.data) return <p role="alert">{errorMessage(flow.error)}</p>;
  // A new revision loaded (a rollback, a save conflict resolved) starts a fresh editor and a fresh canvas store:
  // React Flow's own store would otherwise keep the old nodes' selection and fight the new editor's.
  return (
    <ReactFlowProvider key={`${flow.data.id}:${flow.data.revision}`}>
      <FlowEditor projectId={projectId} loaded={flow.data} runId={runId} />
    </ReactFlowProvider>
  );
}

function FlowEditor({ projectId, loaded, runId }: { projectId: number; loaded: LoadedFlow; runId?: string }) {
  const flowId = loaded.id;
  const { notice, ...say } = useNotice();
  const can = useCan();
  const readOnly = !can('flows.saveDraft');
  const history = useFlowHistory(loaded.draft, say, readOnly);
  const { definition } = history;
  const selection = useSelection();
  const peers = useCanvasPresence(projectId, flowId, selection.nodes);
  const peerSelections = useMemo(() => selectedBy(peers), [peers]);
  const [panel, setPanel] = useState<Panel>(runId ? 'runs' : 'palette');
  const [overlay, setOverlay] = useState<Overlay>(null);
  const [fitSignal, setFitSignal] = useState(0);
  const [confirmingPublish, setConfirmingPublish] = useState(false);
  const fit = useCallback((delayMs = 0) => {
    if (delayMs) setTimeout(() => setFitSignal((n) => n + 1), delayMs);
    else setFitSignal((n) => n + 1);
  }, []);
  // A painted run is shown whole: every node it touched should be on screen.
  const showOverlay = useCallback(
    (o: Overlay) => {
      setOverlay(o);
      if (o) fit(30);
    },
    [fit],
  );

  const autosave = useAutosave({
    projectId,
    flowId,
    definition,
    saved: { definition: loaded.draft, revision: loaded.revision },
    onError: say.error,
  });
  const conflict = useConflict({
    projectId,
    flowId,
    conflict: autosave.saveState === 'conflict',
    base: autosave.base,
    mine: definition,
  });
  const publishing = usePublish({
    projectId,
    flowId,
    definition,
    initialPublished: loaded.published,
    save: autosave.save,
    notice: say,
  });
  const review = useReview({
    projectId,
    flowId,
    save: autosave.save,
    notice: say,
    onPublished: () => publishing.markPublished(definition),
  });
  const [requestingReview, setRequestingReview] = useState(false);
  const issues = useMemo(
    () => validateFlow(definition, { tables: loaded.tables, previous: publishing.published ?? undefined }),
    [definition, loaded.tables, publishing.published],
  );
  const actions = useEditActions({ history, selection, notice: say, showPanel: setPanel, fit });
  const onKeyDown = useShortcuts({ ...history, ...actions });

  const handlers: CanvasHandlers = {
    onMoved: (positions) => history.apply((g) => moveNodes(g, positions)),
    onConnect: (c) => history.edit((g) => connect(g, c)),
    onDelete: (nodeIds, edgeIds) => actions.deleteSelection(nodeIds, edgeIds),
    onDropNode: (type, position) => actions.addFromPalette(type, position),
    onInsertOnEdge: actions.insertOnEdge,
    onSelection: (nodeIds, edgeIds) => {
      selection.select(nodeIds, edgeIds);
      if (nodeIds.length === 1) setPanel('config');
    },
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: keyboard shortcuts for the canvas region
    <div className="-m-4 flex h-[calc(100vh-49px)] flex-col md:-m-6" onKeyDown={onKeyDown}>
      <FlowToolbar
        projectId={projectId}
        name={flowTitle(loaded.name, loaded.systemKind)}
        system={loaded.kind === 'system'}
        saveState={autosave.saveState}
        problemCount={issues.length}
        canUndo={history.canUndo}
        canRedo={history.canRedo}
        hasSelectedNodes={selection.nodes.size > 0}
        hasSelection={selection.nodes.size > 0 || selection.edges.size > 0}
        panel={panel}
        publishing={publishing.isPublishing}
        onUndo={history.undo}
        onRedo={history.redo}
        onCopy={actions.copy}
        onPaste={actions.paste}
        onDuplicate={actions.duplicate}
        onDelete={() => actions.deleteSelection()}
        onLayout={actions.layout}
        onFit={() => fit()}
        onPanel={setPanel}
        presence={<CanvasPresence peers={peers} />}
        publishLabel={review.required ? 'Request review' : 'Publish'}
        canPublish={can(review.required ? 'flows.requestReview' : 'flows.publish')}
        onPublish={() => {
          // With review before publish on, a payment automation goes live through a second member's approval.
          if (review.required) {
            if (issues.length) return say.error(publishRefusedMessage(issues));
            return setRequestingReview(true);
          }
          // A payment automation (a system one, or one started by Stripe events) goes live only once asked;
          // with problems the validator's refusal shows at once instead.
          const handlesPayments = loaded.kind === 'system' || definition.trigger.kind === 'stripe_webhook';
          if (handlesPayments && issues.length === 0) setConfirmingPublish(true);
          else void publishing.publish(issues);
        }}
      />
      <EditorBanners
        notice={notice}
        conflict={autosave.saveState === 'conflict'}
        overlay={overlay}
        onDismiss={say.clear}
        onClearRun={() => setOverlay(null)}
      />
      <ReviewBar
        pending={review.pending}
        busy={review.busy}
        onApprove={(id) => void review.approve(id)}
        onReject={(id, yours) => void review.reject(id, yours)}
      />
      {requestingReview && (
        <RequestReviewDialog
          flowName={flowTitle(loaded.name, loaded.systemKind)}
          changes={publishChanges(publishing.published, definition)}
          onCancel={() => setRequestingReview(false)}
          onConfirm={(note) => {
            setRequestingReview(false);
            void review.request(note);
          }}
        />
      )}
      {conflict.open && (
        <ConflictDialog merge={conflict.merge} busy={conflict.busy} error={conflict.error} onChoose={conflict.choose} />
      )}
      {confirmingPublish && (
        <PublishDialog
          flowName={flowTitle(loaded.name, loaded.systemKind)}
          changes={publishChanges(publishing.published, definition)}
          onCancel={() => setConfirmingPublish(false)}
          onConfirm={() => {
            setConfirmingPublish(false);
            void publishing.publish(issues);
          }}
        />
      )}
      <div className="flex min-h-0 flex-1 flex-col md:flex-row">
        <div className="min-h-[60vh] min-w-0 flex-1 md:min-h-0">
          <FlowCanvas
            definition={definition}
            issues={issues}
            steps={overlay?.steps ?? null}
            selectedNodes={selection.nodes}
            selectedEdges={selection.edges}
            handlers={handlers}
            fitSignal={fitSignal}
            focus={selection.focus}
            peers={peerSelections}
            readOnly={readOnly}
          />
        </div>
        <EditorSidePanel
          panel={panel}
          projectId={projectId}
          flowId={flowId}
          definition={definition}
          tables={loaded.tables}
          issues={issues}
          selectedNode={selection.single(definition.graph)}
          insertEdgeId={actions.insertEdge}
          runId={runId}
          revision={autosave.revision}
          onTrigger={history.setTrigger}
          onConfig={actions.updateSelectedNode}
          onOverlay={showOverlay}
          onPick={(type) => actions.addFromPalette(type)}
        />
      </div>
    </div>
  );
}
