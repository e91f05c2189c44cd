import { type FlowDefinition, getNodeType, type ValidationIssue } from '@tillflow/flow-model';
import { MarkerType } from '@xyflow/react';
import { NODE_HEIGHT, NODE_WIDTH } from '~/lib/flow-editor/layout';
import { stepLabelWords } from '~/lib/flow-title';
import type { CanvasEdge, CanvasNode, FlowNodeData, StepOverlay } from './canvas-types';

const EMPTY: ValidationIssue[] = [];

/**
 * React Flow nodes for the definition. A node whose data did not change keeps its object,
 * so only edited nodes re-render (this keeps a 200-node canvas smooth).
 */
export function buildCanvasNodes(
  definition: FlowDefinition,
  issues: ValidationIssue[],
  steps: Map<string, StepOverlay> | null,
  previous: CanvasNode[],
  selected: Set<string>,
  peers?: Map<string, NonNullable<FlowNodeData['peers']>>,
): CanvasNode[] {
  const byNode = new Map<string, ValidationIssue[]>();
  for (const i of issues) if (i.nodeId) byNode.set(i.nodeId, [...(byNode.get(i.nodeId) ?? []), i]);
  const prev = new Map(previous.map((n) => [n.id, n]));
  return definition.graph.nodes.map((node) => {
    const nodeIssues = byNode.get(node.id) ?? EMPTY;
    const step = steps?.get(node.id);
    const dimmed = steps !== null && !step;
    const old = prev.get(node.id);
    const isSelected = selected.has(node.id);
    const nodePeers = peers?.get(node.id);
    if (
      old &&
      old.data.node === node &&
      old.data.step === step &&
      old.data.dimmed === dimmed &&
      sameIssues(old.data.issues, nodeIssues) &&
      old.selected === isSelected &&
      samePeers(old.data.peers, nodePeers)
    )
      return old;
    return {
      id: node.id,
      type: 'flow',
      position: node.position,
      data: { node, issues: nodeIssues, step, dimmed, peers: nodePeers },
      deletable: true, // the editor refuses locked nodes itself, with a message
      selected: isSelected,
      // Nodes off screen are not drawn (onlyRenderVisibleElements), so they are never measured: fit and
      // visibility use this size instead.
      initialWidth: NODE_WIDTH,
      initialHeight: NODE_HEIGHT,
      measured: old?.measured,
      width: old?.width,
      height: old?.height,
    };
  });
}

function samePeers(a: FlowNodeData['peers'], b: FlowNodeData['peers']) {
  if (!a?.length || !b?.length) return !a?.length && !b?.length;
  return a.length === b.length && a.every((p, i) => p.userId === b[i].userId && p.name === b[i].name);
}

function sameIssues(a: ValidationIssue[], b: ValidationIssue[]) {
  return a.length === b.length && a.every((x, i) => x.message === b[i].message && x.field === b[i].field);
}

/** Edges with branch labels; with a painted run, the edges it took are highlighted. */
export function buildCanvasEdges(
  definition: FlowDefinition,
  issues: ValidationIssue[],
  steps: Map<string, StepOverlay> | null,
  onInsert: (edgeId: string) => void,
  selected: Set<string>,
): CanvasEdge[] {
  const nodes = new Map(definition.graph.nodes.map((n) => [n.id, n]));
  const label = (id: string) => {
    const n = nodes.get(id);
    return stepLabelWords(n?.label ?? (n ? getNodeType(n.type)?.label : undefined) ?? id);
  };
  const edgeIssue = new Map(issues.filter((i) => i.edgeId).map((i) => [i.edgeId as string, i.message]));
  return definition.graph.edges.map((e) => {
    const from = steps?.get(e.source);
    const taken =
      Boolean(from && steps?.get(e.target)) && (from?.branch == null || from.branch === (e.branch ?? 'next'));
    return {
      id: e.id,
      source: e.source,
      target: e.target,
      sourceHandle: e.branch ?? 'next',
      targetHandle: 'in',
      type: 'flow',
      selected: selected.has(e.id),
      deletable: true,
      markerEnd: { type: MarkerType.ArrowClosed },
      data: {
        branch: e.branch,
        taken,
        locked: nodes.get(e.target)?.locked === true,
        issue: edgeIssue.get(e.id),
        onInsert,
        sourceLabel: label(e.source),
        targetLabel: label(e.target),
      },
    };
  });
}
