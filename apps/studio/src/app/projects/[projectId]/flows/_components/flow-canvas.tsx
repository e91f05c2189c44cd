'use client';

import {
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  MiniMap,
  type NodeChange,
  type OnSelectionChangeParams,
  ReactFlow,
  useReactFlow,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import type { FlowDefinition, ValidationIssue } from '@tillflow/flow-model';
import { type DragEvent, useCallback, useEffect, useRef, useState } from 'react';
import { buildCanvasEdges, buildCanvasNodes } from './canvas-model';
import type { CanvasEdge, CanvasNode, FlowNodeData, StepOverlay } from './canvas-types';
import { FlowEdgeLine } from './flow-edge';
import { FlowNodeCard } from './flow-node';
import { PALETTE_MIME } from './palette';

const nodeTypes = { flow: FlowNodeCard };
const edgeTypes = { flow: FlowEdgeLine };
const FIT_OPTIONS = { includeHiddenNodes: true };

export interface CanvasHandlers {
  onMoved: (positions: Record<string, { x: number; y: number }>) => void;
  onConnect: (c: { source: string; target: string; branch?: string }) => void;
  onDelete: (nodeIds: string[], edgeIds: string[]) => void;
  onDropNode: (type: string, position: { x: number; y: number }) => void;
  onInsertOnEdge: (edgeId: string) => void;
  onSelection: (nodeIds: string[], edgeIds: string[]) => void;
}

/** The React Flow surface: draws the definition, reports edits; the editor owns the state and history. */
export function FlowCanvas({
  definition,
  issues,
  steps,
  selectedNodes,
  selectedEdges,
  handlers,
  fitSignal,
  focus,
  peers,
  readOnly = false,
}: {
  definition: FlowDefinition;
  issues: ValidationIssue[];
  steps: Map<string, StepOverlay> | null;
  selectedNodes: Set<string>;
  selectedEdges: Set<string>;
  handlers: CanvasHandlers;
  fitSignal: number;
  /** A node to bring into view (e.g. one just added), with a counter so the same id can be focused again. */
  focus: { id: string; n: number } | null;
  /** Node id → the other people who have it selected. */
  peers?: Map<string, NonNullable<FlowNodeData['peers']>>;
  /** Roles that cannot build: nothing moves, connects or deletes (steps can still be selected and read). */
  readOnly?: boolean;
}) {
  const flow = useReactFlow<CanvasNode, CanvasEdge>();
  const [nodes, setNodes] = useState<CanvasNode[]>([]);
  const handlersRef = useRef(handlers);
  const definitionRef = useRef(definition);
  definitionRef.current = definition;
  handlersRef.current = handlers;
  const onInsert = useCallback((edgeId: string) => handlersRef.current.onInsertOnEdge(edgeId), []);

  useEffect(() => {
    setNodes((prev) => buildCanvasNodes(definition, issues, steps, prev, selectedNodes, peers));
  }, [definition, issues, steps, selectedNodes, peers]);
  const [edges, setEdges] = useState<CanvasEdge[]>([]);
  useEffect(() => {
    setEdges(buildCanvasEdges(definition, issues, steps, onInsert, selectedEdges));
  }, [definition, issues, steps, onInsert, selectedEdges]);

  useEffect(() => {
    if (fitSignal > 0) flow.fitView({ duration: 200, includeHiddenNodes: true });
  }, [fitSignal, flow]);

  useEffect(() => {
    if (!focus) return;
    const target = definitionRef.current.graph.nodes.find((n) => n.id === focus.id);
    if (target)
      flow.setCenter(target.position.x + 120, target.position.y + 40, { zoom: flow.getZoom(), duration: 150 });
  }, [focus, flow]);

  const onNodesChange = useCallback((changes: NodeChange<CanvasNode>[]) => {
    // Selection is reported through onSelectionChange; removal goes through onBeforeDelete.
    setNodes((nds) =>
      applyNodeChanges(
        changes.filter((c) => c.type !== 'remove'),
        nds,
      ),
    );
  }, []);

  const onNodeDragStop = useCallback((_: unknown, _node: CanvasNode, dragged: CanvasNode[]) => {
    handlersRef.current.onMoved(Object.fromEntries(dragged.map((n) => [n.id, n.position])));
  }, []);

  const onConnect = useCallback((c: Connection) => {
    handlersRef.current.onConnect({
      source: c.source,
      target: c.target,
      branch: c.sourceHandle && c.sourceHandle !== 'next' ? c.sourceHandle : undefined,
    });
  }, []);

  const onBeforeDelete = useCallback(async ({ nodes: ns, edges: es }: { nodes: CanvasNode[]; edges: CanvasEdge[] }) => {
    handlersRef.current.onDelete(
      ns.map((n) => n.id),
      es.map((e) => e.id),
    );
    return false; // the editor applies (or refuses) the deletion itself
  }, []);

  const onSelectionChange = useCallback(({ nodes: ns, edges: es }: OnSelectionChangeParams) => {
    handlersRef.current.onSelection(
      ns.map((n) => n.id),
      es.map((e) => e.id),
    );
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_MIME);
      if (!type) return;
      event.preventDefault();
      handlersRef.current.onDropNode(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }));
    },
    [flow],
  );

  return (
    <ReactFlow<CanvasNode, CanvasEdge>
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      edgeTypes={edgeTypes}
      onNodesChange={onNodesChange}
      onNodeDragStop={onNodeDragStop}
      onConnect={onConnect}
      onBeforeDelete={onBeforeDelete}
      onSelectionChange={onSelectionChange}
      onDrop={onDrop}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
      }}
      deleteKeyCode={readOnly ? null : ['Delete', 'Backspace']}
      nodesDraggable={!readOnly}
      nodesConnectable={!readOnly}
      multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
      selectionKeyCode="Shift"
      fitView
      fitViewOptions={FIT_OPTIONS}
      minZoom={0.1}
      onlyRenderVisibleElements
      proOptions={{ hideAttribution: true }}
      aria-label="Flow canvas"
    >
      <Background />
      <Controls showInteractive={false} aria-label="Zoom controls" />
      <MiniMap pannable zoomable ariaLabel="Minimap" />
    </ReactFlow>
  );
}
