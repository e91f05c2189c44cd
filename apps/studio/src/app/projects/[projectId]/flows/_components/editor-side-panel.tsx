import {
  type FlowDefinition,
  type FlowNode,
  type FlowTrigger,
  getNodeType,
  type TableInfo,
  type ValidationIssue,
} from '@tillflow/flow-model';
import type { RefObject } from 'react';
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
  const content = () => {
    if (panel === 'config' && selectedNode)
      return selectedNode.type === 'trigger' ? (
        <TriggerPanel definition={definition} locked={selectedNode.locked === true} onChange={props.onTrigger} />
      ) : (
        <ConfigPanel
          key={selectedNode.id}
          node={selectedNode}
          definition={definition}
          tables={props.tables}
          issues={props.issues}
          onChange={props.onConfig}
        />
      );
    if (panel === 'test')
      return <TestPanel projectId={projectId} flowId={flowId} definition={definition} onResult={props.onOverlay} />;
    if (panel === 'runs')
      return <RunsPanel projectId={projectId} flowId={flowId} onShow={props.onOverlay} initialRunId={props.runId} />;
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
    return n?.label ?? (n ? getNodeType(n.type)?.label : id) ?? id;
  };
  const edge = insertEdgeId ? definition.graph.edges.find((e) => e.id === insertEdgeId) : undefined;
  if (edge) return `Pick a node to insert between ${nodeName(edge.source)} and ${nodeName(edge.target)}.`;
  if (selectedNode) return `Click a node to add it after ${nodeName(selectedNode.id)}, or drag it onto the canvas.`;
  return 'Click a node to add it, or drag it onto the canvas. Select a node first to connect the new one after it.';
}
