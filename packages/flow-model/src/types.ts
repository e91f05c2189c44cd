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

/** The value types an app-called flow's inputs and outputs may declare. */
export const appIoTypes = ['string', 'number', 'boolean'] as const;
export type AppIoType = (typeof appIoTypes)[number];
/** One declared input or output of an app-called flow (read by bindings as `trigger.inputs.<name>`). */
export const appIoFieldSchema = z.object({
  name: z
    .string()
    .min(1, 'Give each input and output a name')
    .max(60)
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'Input and output names are letters, digits and underscores'),
  type: z.enum(appIoTypes),
});
export type AppIoField = z.infer<typeof appIoFieldSchema>;

const uniqueNames = (fields: AppIoField[]) => new Set(fields.map((f) => f.name)).size === fields.length;

export const flowTriggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('stripe_webhook'), events: z.array(z.string().min(1)) }),
  z.object({ kind: z.literal('manual') }),
  /**
   * Called from the generated app (a page button) with typed inputs, run as the signed-in end user who called it;
   * its "Return to the app" node gives the declared outputs back. `roles` limits who may call it (empty: any
   * signed-in end user).
   */
  z.object({
    kind: z.literal('app_call'),
    inputs: z.array(appIoFieldSchema).max(20).refine(uniqueNames, 'Two inputs share a name'),
    outputs: z.array(appIoFieldSchema).max(20).refine(uniqueNames, 'Two outputs share a name'),
    roles: z.array(z.string().min(1).max(100)).max(20),
  }),
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
