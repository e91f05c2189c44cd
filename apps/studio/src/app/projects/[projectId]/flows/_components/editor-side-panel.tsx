import { useQuery } from '@tanstack/react-query';
import {
  type FlowDefinition,
  type FlowNode,
  type FlowTrigger,
  getNodeType,
  type TableInfo,
  type ValidationIssue,
} from '@tillflow/flow-model';
import { type RefObject, useMemo } from 'react';
import type { LastRunValues } from '~/lib/flow-editor';
import { stepLabelWords } from '~/lib/flow-title';
import { useTRPC } from '~/trpc/react';
import { ConfigPanel } from './config-panel';
import type { Panel } from './flow-toolbar';
import { Palette } from './palette';
import type { Overlay } from './run-overlay';
import { RunsPanel } from './runs-panel';
import { TestPanel } from './test-panel';
import { TriggerPanel } from './trigger-panel';
import { VersionsPanel } from './versions-panel';

/** The panel beside the canvas: the selected node's settings, a test run, runs, versions, or the palette. */
export function EditorSidePanel(props: {
  panel: Panel;
  projectId: number;
  flowId: string;
  definition: FlowDefinition;
  tables: TableInfo[];
  issues: ValidationIssue[];
  selectedNode: FlowNode | undefined;
  insertEdgeId: string | null;
  runId?: string;
  revision: RefObject<number>;
  onTrigger: (trigger: FlowTrigger) => void;
  onConfig: (patch: { label: string; config: Record<string, unknown> }) => void;
  onOverlay: (overlay: Overlay) => void;
  onPick: (type: string) => void;
}) {
  const { panel, projectId, flowId, definition, selectedNode } = props;
  const lastRun = useLastRunValues(projectId, flowId, panel === 'config' && Boolean(selectedNode));
  const roles = useProjectRoles(projectId, definition.trigger.kind === 'app_call');
  const content = () => {
    if (panel === 'config' && selectedNode)
      return selectedNode.type === 'trigger' ? (
        <TriggerPanel
          definition={definition}
          locked={selectedNode.locked === true}
          roles={roles}
          onChange={props.onTrigger}
        />
      ) : (
        <ConfigPanel
          key={selectedNode.id}
          node={selectedNode}
          definition={definition}
          tables={props.tables}
          issues={props.issues}
          onChange={props.onConfig}
          lastRun={lastRun}
        />
      );
    if (panel === 'test')
      return <TestPanel projectId={projectId} flowId={flowId} definition={definition} onResult={props.onOverlay} />;
    if (panel === 'runs')
      return (
        <RunsPanel
          projectId={projectId}
          flowId={flowId}
          onShow={props.onOverlay}
          initialRunId={props.runId}
          definition={definition}
        />
      );
    if (panel === 'versions') return <VersionsPanel projectId={projectId} flowId={flowId} revision={props.revision} />;
    return <Palette onPick={props.onPick} context={paletteHint(definition, selectedNode, props.insertEdgeId)} />;
  };
  return (
    <aside
      aria-label="Flow panel"
      className="w-full shrink-0 overflow-y-auto border-t border-slate-200 bg-white p-4 md:w-96 md:border-t-0 md:border-l"
    >
      {content()}
    </aside>
  );
}

function paletteHint(definition: FlowDefinition, selectedNode: FlowNode | undefined, insertEdgeId: string | null) {
  const nodeName = (id: string) => {
    const n = definition.graph.nodes.find((x) => x.id === id);
    return stepLabelWords(n?.label ?? (n ? getNodeType(n.type)?.label : id) ?? id);
  };
  const edge = insertEdgeId ? definition.graph.edges.find((e) => e.id === insertEdgeId) : undefined;
  if (edge) return `Pick a step to insert between ${nodeName(edge.source)} and ${nodeName(edge.target)}.`;
  if (selectedNode) return `Click a step to add it after ${nodeName(selectedNode.id)}, or drag it onto the canvas.`;
  return 'Click a step to add it, or drag it onto the canvas. Select a step first to connect the new one after it.';
}

/** What each step gave back in the flow's latest run (a finished one if there is), so binding chips show real values. */
function useLastRunValues(projectId: number, flowId: string, enabled: boolean): LastRunValues | undefined {
  const trpc = useTRPC();
  const runs = useQuery({ ...trpc.flows.runs.queryOptions({ projectId, flowId }), enabled });
  const last = runs.data?.find((r) => r.status === 'succeeded') ?? runs.data?.[0];
  const detail = useQuery({
    ...trpc.flows.run.queryOptions({ projectId, runId: last?.id ?? '' }),
    enabled: enabled && Boolean(last),
  });
  return useMemo(
    () =>
      detail.data
        ? { nodes: Object.fromEntries(detail.data.steps.map((step) => [step.nodeId, step.output])) }
        : undefined,
    [detail.data],
  );
}

/** The project's end-user role names, read only when a flow called from a page needs them. */
function useProjectRoles(projectId: number, enabled: boolean): string[] | undefined {
  const trpc = useTRPC();
  const matrix = useQuery({ ...trpc.permissions.matrix.queryOptions({ projectId }), enabled });
  return useMemo(() => matrix.data?.roles.map((r) => r.name), [matrix.data]);
}
