import { resolveBindings } from './bindings';
import { getNodeType, nodeOutputs } from './catalog';
import { issueNamesItsField } from './catalog/types';
import { checkTemplate } from './expressions/check';
import { findCycle, reachableFrom, TRIGGER_NODE_TYPE } from './graph';
import { computeFlowTypes, configForEvaluation } from './scope';
import { type FlowDefinition, flowDefinitionSchema, type TableInfo, type ValidationIssue } from './types';
import { lockedChangeIssues } from './validate-locked';

export interface ValidateFlowOptions {
  tables?: TableInfo[];
  /** The stored version: locked nodes in it may not be deleted, edited or disconnected. */
  previous?: FlowDefinition;
}

const APP_RETURN = 'app_return';
const DATA_NODE_TYPES = new Set(['query_rows', 'insert_row', 'update_rows', 'delete_rows']);

/** Checks a flow before it is saved; an empty list means it can be published. */
export function validateFlow(input: FlowDefinition, options: ValidateFlowOptions = {}): ValidationIssue[] {
  const parsed = flowDefinitionSchema.safeParse(input);
  if (!parsed.success)
    return parsed.error.issues.map((i) => ({
      code: 'invalid_definition',
      message: `The flow is malformed: ${i.message}`,
      field: i.path.join('.'),
    }));
  // Bound by id: a table or column renamed since the flow was saved is read under its new name.
  const definition = options.tables ? resolveBindings(parsed.data, options.tables) : parsed.data;
  const previous =
    options.previous && options.tables ? resolveBindings(options.previous, options.tables) : options.previous;
  const { nodes, edges } = definition.graph;
  const issues: ValidationIssue[] = [];
  const byId = new Map(nodes.map((n) => [n.id, n]));

  const seenNodes = new Set<string>();
  for (const n of nodes) {
    if (seenNodes.has(n.id))
      issues.push({ code: 'duplicate_node_id', message: `Two steps share the id '${n.id}'.`, nodeId: n.id });
    seenNodes.add(n.id);
    if (!getNodeType(n.type))
      issues.push({ code: 'unknown_node_type', message: `'${n.type}' is not a known kind of step.`, nodeId: n.id });
  }
  const seenEdges = new Set<string>();
  for (const e of edges) {
    if (seenEdges.has(e.id))
      issues.push({ code: 'duplicate_edge_id', message: `Two connections share the id '${e.id}'.`, edgeId: e.id });
    seenEdges.add(e.id);
  }

  if (definition.trigger.kind === 'stripe_webhook' && definition.trigger.events.length === 0)
    issues.push({
      code: 'trigger_without_events',
      message: 'Choose at least one Stripe event that starts this flow.',
      field: 'trigger.events',
    });
  const returns = nodes.filter((n) => n.type === APP_RETURN);
  if (definition.trigger.kind !== 'app_call')
    for (const node of returns)
      issues.push({
        code: 'return_without_app_call',
        message: `'${node.label ?? node.id}' returns to the app, but this flow is not called from the app: set its trigger to "Called from a page", or remove it.`,
        nodeId: node.id,
      });
  else if (definition.trigger.outputs.length > 0 && returns.length === 0)
    issues.push({
      code: 'missing_return',
      message: 'This flow declares outputs: add a "Return to the app" step that gives them back.',
      field: 'trigger.outputs',
    });
  else
    for (const node of returns) {
      const values = (node.config.values ?? {}) as Record<string, unknown>;
      const declared = definition.trigger.outputs.map((o) => o.name);
      for (const name of declared)
        if (!(name in values))
          issues.push({
            code: 'missing_output',
            message: `'${node.label ?? node.id}' does not give the output "${name}".`,
            nodeId: node.id,
            field: `values.${name}`,
          });
      for (const name of Object.keys(values))
        if (!declared.includes(name))
          issues.push({
            code: 'unknown_output',
            message: `'${node.label ?? node.id}' gives "${name}", which is not one of the flow's outputs (${declared.join(', ') || 'none'}).`,
            nodeId: node.id,
            field: `values.${name}`,
          });
    }
  const triggers = nodes.filter((n) => n.type === TRIGGER_NODE_TYPE);
  if (triggers.length === 0)
    issues.push({ code: 'missing_trigger', message: 'The automation needs a trigger step to start from.' });
  for (const extra of triggers.slice(1))
    issues.push({
      code: 'multiple_triggers',
      message: 'A flow has exactly one trigger; remove this one.',
      nodeId: extra.id,
    });

  const goodEdges = edges.filter((e) => {
    const missing = [e.source, e.target].filter((id) => !byId.has(id));
    if (missing.length) {
      issues.push({
        code: 'dangling_edge',
        message: `This connection points to a step that does not exist ('${missing.join("', '")}').`,
        edgeId: e.id,
      });
      return false;
    }
    return true;
  });
  for (const e of goodEdges) {
    const source = byId.get(e.source);
    if (!source || !getNodeType(source.type)) continue;
    const ports = nodeOutputs(source.type, source.config);
    const port = e.branch ?? 'next';
    if (!ports.includes(port)) {
      const label = source.label ?? source.id;
      const message =
        ports.length === 0
          ? `'${label}' ends the flow and cannot connect to another step.`
          : e.branch === undefined
            ? `Choose which branch of '${label}' this connection leaves from (${ports.join(', ')}).`
            : `'${label}' has no '${e.branch}' branch (it has ${ports.join(', ')}).`;
      issues.push({ code: 'unknown_port', message, edgeId: e.id, nodeId: source.id });
    }
    if (byId.get(e.target)?.type === TRIGGER_NODE_TYPE)
      issues.push({
        code: 'edge_into_trigger',
        message: 'Nothing can connect into the trigger.',
        edgeId: e.id,
        nodeId: e.target,
      });
  }

  const graph = { nodes, edges: goodEdges };
  const cycle = findCycle(graph);
  if (cycle)
    issues.push({
      code: 'cycle',
      message: `These steps form a loop, which would never finish: ${cycle.join(' → ')} → ${cycle[0]}.`,
      nodeId: cycle[0],
    });

  if (triggers[0]) {
    const reachable = reachableFrom(graph, triggers[0].id);
    for (const n of nodes)
      if (!reachable.has(n.id))
        issues.push({
          code: 'unreachable_node',
          message: `'${n.label ?? n.id}' is not connected to the trigger, so it would never run.`,
          nodeId: n.id,
        });
  }

  const types = computeFlowTypes({ ...definition, graph }, options.tables);
  for (const node of nodes) {
    const def = getNodeType(node.type);
    if (!def) continue;
    const result = def.configSchema.safeParse(node.config);
    if (!result.success) {
      for (const i of result.error.issues)
        issues.push({
          code: 'invalid_config',
          message: issueNamesItsField(i)
            ? `${def.label}: ${i.message}`
            : `${def.label}: ${i.message}${i.path.length ? ` (${i.path.join('.')})` : ''}.`,
          nodeId: node.id,
          field: i.path.join('.'),
        });
      continue;
    }
    const config = result.data as Record<string, unknown>;
    if (options.tables && DATA_NODE_TYPES.has(node.type)) issues.push(...tableIssues(node.id, config, options.tables));
    if (options.tables && node.type === RENEWAL_CALLBACK)
      issues.push(...renewalMappingIssues(node.id, config, options.tables));
    if (cycle) continue; // upstream scopes are meaningless in a loop
    const scope = types.scopeFor(node.id);
    const fieldTypes = def.fieldTypes?.(config as never, types.ctx) ?? {};
    for (const err of checkTemplate(configForEvaluation(node.type, node.config), scope))
      issues.push(bindingIssue(node.id, def.label, err.path, err.code, err.message));
    // A second pass with expected types; only clean bindings get a field-type mismatch.
    for (const [path, expected] of Object.entries(fieldTypes)) {
      const value = valueAt(node.config, path);
      if (typeof value !== 'string' || !value.includes('{{')) continue;
      const errs = checkTemplate(value, scope, expected, path);
      if (errs.length && errs.every((e) => e.message.startsWith('This field')))
        issues.push(bindingIssue(node.id, def.label, path, 'type_mismatch', errs[0].message));
    }
  }

  if (previous) issues.push(...lockedChangeIssues(definition, previous));
  return issues;
}

function bindingIssue(nodeId: string, label: string, field: string, code: string, message: string): ValidationIssue {
  return { code: `binding_${code}`, message: `${label}, ${field || 'config'}: ${message}.`, nodeId, field };
}

function valueAt(obj: unknown, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), obj);
}

const BUILTIN_COLUMNS = ['id', 'created_at', 'updated_at'];

function unknownColumn(nodeId: string, table: string, column: string, field: string): ValidationIssue {
  return { code: 'unknown_column', message: `Table '${table}' has no column '${column}'.`, nodeId, field };
}
const RENEWAL_CALLBACK = 'stripe_recurring_deduction_callback';

/** The renewal node's "how to make the renewal order": every column it copies or sets exists in the order table. */
function renewalMappingIssues(nodeId: string, config: Record<string, unknown>, tables: TableInfo[]): ValidationIssue[] {
  const table = tables.find((x) => x.name === config.orderTable);
  if (!table) return [];
  const known = new Set(table.columns.map((c) => c.name));
  const issues: ValidationIssue[] = [];
  const mapping = Object.keys((config.orderFieldMapping ?? {}) as object).map((c) => [c, `orderFieldMapping.${c}`]);
  const copied = ((config.copyColumns ?? []) as string[]).map((c, i) => [c, `copyColumns.${i}`]);
  for (const [column, field] of [...mapping, ...copied])
    if (!known.has(column)) issues.push(unknownColumn(nodeId, table.name, column, field));
  return issues;
}

function tableIssues(nodeId: string, config: Record<string, unknown>, tables: TableInfo[]): ValidationIssue[] {
  const table = tables.find((x) => x.name === config.table);
  if (!table)
    return [
      { code: 'unknown_table', message: `There is no table named '${String(config.table)}'.`, nodeId, field: 'table' },
    ];
  const known = new Set([...BUILTIN_COLUMNS, ...table.columns.map((c) => c.name)]);
  const issues: ValidationIssue[] = [];
  const check = (column: string, field: string) => {
    if (!known.has(column)) issues.push(unknownColumn(nodeId, table.name, column, field));
  };
  for (const [i, f] of ((config.filters ?? []) as { column: string }[]).entries())
    check(f.column, `filters.${i}.column`);
  for (const [i, s] of ((config.sort ?? []) as { column: string }[]).entries()) check(s.column, `sort.${i}.column`);
  for (const column of Object.keys((config.values ?? {}) as object)) {
    if (BUILTIN_COLUMNS.includes(column))
      issues.push({
        code: 'builtin_column',
        message: `'${column}' is set automatically and cannot be written.`,
        nodeId,
        field: `values.${column}`,
      });
    else check(column, `values.${column}`);
  }
  return issues;
}
