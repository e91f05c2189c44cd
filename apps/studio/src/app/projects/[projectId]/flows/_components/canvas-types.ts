import type { FlowNode, ValidationIssue } from '@tillflow/flow-model';
import type { Edge, Node } from '@xyflow/react';

/** What one step of a run or test run left on a node, painted on the canvas. */
export interface StepOverlay {
  status: string;
  input?: unknown;
  output?: unknown;
  error?: string | null;
  durationMs?: number | null;
  branch?: string | null;
}

export interface FlowNodeData extends Record<string, unknown> {
  node: FlowNode;
  issues: ValidationIssue[];
  step?: StepOverlay;
  /** Nothing ran here in the painted run. */
  dimmed?: boolean;
  /** Other people on the canvas who have this node selected (outlined in their colour). */
  peers?: { userId: string; name: string; initials: string; color: string }[];
}

export type CanvasNode = Node<FlowNodeData, 'flow'>;

export interface FlowEdgeData extends Record<string, unknown> {
  branch?: string;
  taken?: boolean;
  locked?: boolean;
  issue?: string;
  onInsert?: (edgeId: string) => void;
  sourceLabel: string;
  targetLabel: string;
}

export type CanvasEdge = Edge<FlowEdgeData, 'flow'>;
