import { z } from 'zod';

export const positionSchema = z.object({ x: z.number(), y: z.number() });

export const flowNodeSchema = z.object({
  id: z
    .string()
    .min(1)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Node ids are letters, digits and underscores (they are used in bindings)'),
  type: z.string().min(1),
  label: z.string().optional(),
  config: z.record(z.string(), z.unknown()),
  position: positionSchema,
  locked: z.boolean().optional(),
});

export const flowEdgeSchema = z.object({
  id: z.string().min(1),
  source: z.string().min(1),
  target: z.string().min(1),
  branch: z.string().optional(),
});

export const flowGraphSchema = z.object({
  nodes: z.array(flowNodeSchema),
  edges: z.array(flowEdgeSchema),
});

export const flowTriggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stripe_webhook'), events: z.array(z.string().min(1)) }),
  z.object({ kind: z.literal('manual') }),
]);

export const flowDefinitionSchema = z.object({
  trigger: flowTriggerSchema,
  graph: flowGraphSchema,
});

export type FlowNode = z.infer<typeof flowNodeSchema>;
export type FlowEdge = z.infer<typeof flowEdgeSchema>;
export type FlowGraph = z.infer<typeof flowGraphSchema>;
export type FlowTrigger = z.infer<typeof flowTriggerSchema>;
export type FlowDefinition = z.infer<typeof flowDefinitionSchema>;

export interface TableColumnInfo {
  /** The data model's stable id (bindings follow it across renames); absent in hand-written table lists. */
  id?: number;
  name: string;
  /** data-model column type, e.g. 'text' | 'integer' | 'decimal' | 'boolean' | 'datetime' | 'json' | 'enum' */
  type: string;
  enumOptions?: string[] | null;
}
export interface TableInfo {
  /** The data model's stable id (bindings follow it across renames). */
  id?: number;
  name: string;
  columns: TableColumnInfo[];
}

export interface ValidationIssue {
  code: string;
  message: string;
  nodeId?: string;
  field?: string;
  edgeId?: string;
}
