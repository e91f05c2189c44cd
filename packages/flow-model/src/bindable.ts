import { TRIGGER_NODE_TYPE } from './graph';
import { computeFlowTypes } from './scope';
import type { FlowDefinition, TableInfo } from './types';
import type { ValueType } from './value-type';

export interface BindableOutput {
  path: string;
  label: string;
  type: ValueType;
}

/** Everything a binding in `nodeId` may read (trigger fields, upstream outputs, variables), flattened for a picker. */
export function listBindableOutputs(
  definition: FlowDefinition,
  nodeId: string,
  options: { tables?: TableInfo[]; maxDepth?: number } = {},
): BindableOutput[] {
  const maxDepth = options.maxDepth ?? 4;
  const types = computeFlowTypes(definition, options.tables);
  const scope = types.scopeFor(nodeId);
  const labels = new Map(
    definition.graph.nodes.filter((n) => n.type !== TRIGGER_NODE_TYPE).map((n) => [n.id, n.label ?? n.id]),
  );
  const out: BindableOutput[] = [];
  const walk = (path: string, label: string, type: ValueType, depth: number) => {
    out.push({ path, label, type });
    if (depth >= maxDepth) return;
    if (type.kind === 'object')
      for (const [k, v] of Object.entries(type.fields)) walk(`${path}.${k}`, `${label} › ${k}`, v, depth + 1);
    if (type.kind === 'array') walk(`${path}[0]`, `${label} › first`, type.items, depth + 1);
  };
  walk('trigger', 'Trigger', scope.trigger, 0);
  for (const [id, type] of Object.entries(scope.nodes))
    if (labels.has(id)) walk(`nodes.${id}`, labels.get(id) ?? id, type, 0);
  for (const [name, type] of Object.entries(scope.vars)) walk(`vars.${name}`, `Variable ${name}`, type, 1);
  return out;
}
