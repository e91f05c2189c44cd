import { appCallOutputTypes, appCallTriggerType } from './app-call';
import { type CatalogContext, getNodeType } from './catalog';
import { expressionFieldsOf } from './catalog/run-config';
import { checkTemplateString, type TypeScope } from './expressions/check';
import { findCycle, topologicalOrder, upstreamOf } from './graph';
import { stripeTriggerType } from './stripe-events';
import type { FlowDefinition, FlowNode, FlowTrigger, TableInfo } from './types';
import { t, typeOfValue, type ValueType } from './value-type';

export function triggerValueType(trigger: FlowTrigger): ValueType {
  if (trigger.kind === 'app_call') return appCallTriggerType(trigger);
  // A manual run accepts any JSON input, so its fields are unchecked.
  return trigger.kind === 'stripe_webhook' ? stripeTriggerType(trigger.events) : t.object({}, true);
}

/** Condition and switch fields accept a bare expression as well as a `{{ }}` binding. */
export function asBinding(source: string): string {
  return source.includes('{{') ? source : `{{ ${source} }}`;
}

/** The config the runtime should pass to evaluateTemplate: expression fields wrapped as bindings. */
export function configForEvaluation(type: string, config: Record<string, unknown>): Record<string, unknown> {
  const fields = expressionFieldsOf(type);
  if (fields.length === 0) return config;
  const out = { ...config };
  for (const f of fields) if (typeof out[f] === 'string') out[f] = asBinding(out[f] as string);
  return out;
}

export interface FlowTypeInfo {
  ctx: CatalogContext;
  /** The output type of each node (`nodes.<id>`), for nodes whose config parses. */
  shapes: Map<string, ValueType>;
  /** Variables each set_variables node defines. */
  varsSet: Map<string, Record<string, ValueType>>;
  scopeFor(nodeId: string): TypeScope;
}

function parsedConfig(node: FlowNode): Record<string, unknown> | undefined {
  const def = getNodeType(node.type);
  if (!def) return undefined;
  const parsed = def.configSchema.safeParse(node.config);
  return parsed.success ? (parsed.data as Record<string, unknown>) : undefined;
}

/**
 * Types every node's output in graph order; a node's binding scope holds the trigger,
 * the outputs of its upstream nodes only, and the variables set upstream.
 */
export function computeFlowTypes(definition: FlowDefinition, tables?: TableInfo[]): FlowTypeInfo {
  const ctx: CatalogContext = {
    trigger: triggerValueType(definition.trigger),
    tables,
    appOutputs: definition.trigger.kind === 'app_call' ? appCallOutputTypes(definition.trigger) : undefined,
  };
  const graph = definition.graph;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const shapes = new Map<string, ValueType>();
  const varsSet = new Map<string, Record<string, ValueType>>();
  const acyclic = findCycle(graph) === null;
  const scopeFor = (nodeId: string): TypeScope => {
    const nodes: Record<string, ValueType> = {};
    const vars: Record<string, ValueType> = {};
    const upstream = acyclic ? upstreamOf(graph, nodeId) : new Set<string>();
    // Walk in topological order so a later set_variables wins, as it would at runtime.
    for (const id of topologicalOrder(graph)) {
      if (!upstream.has(id)) continue;
      const shape = shapes.get(id);
      if (shape) nodes[id] = shape;
      Object.assign(vars, varsSet.get(id) ?? {});
    }
    return { trigger: ctx.trigger, nodes, vars };
  };
  for (const id of topologicalOrder(graph)) {
    const node = byId.get(id);
    const def = node && getNodeType(node.type);
    const config = node && parsedConfig(node);
    if (!node || !def || !config) continue;
    let shape = def.outputShape(config, ctx);
    if (node.type === 'set_variables') {
      const scope = scopeFor(id);
      const variables = (config.variables ?? {}) as Record<string, unknown>;
      const types = Object.fromEntries(
        Object.entries(variables).map(([k, v]) => [
          k,
          typeof v === 'string' && v.includes('{{') ? checkTemplateString(v, scope).type : typeOfValue(v),
        ]),
      );
      varsSet.set(id, types);
      shape = t.object(types);
    }
    shapes.set(id, shape);
  }
  return { ctx, shapes, varsSet, scopeFor };
}
