import { expressionFieldsOf } from './catalog/run-config';
import type { Expr, SegmentSpan } from './expressions/ast';
import { parseExpression } from './expressions/parse';
import { parseTemplate } from './expressions/template';
import type { FlowDefinition, FlowNode, TableInfo } from './types';

// Bindings by identity. A node names its table (`table`, or `orderTable` on the payment callbacks) and
// columns (keys of `values` / `orderFieldMapping`, `filters[].column`, `sort[].column`, `copyColumns[]`) as
// the builder sees them, and also carries their stable ids: `tableId` and `columnIds` (name → id).
// Saving stamps the ids from the names; reading and running resolve the names from the ids, so renaming
// a table or column never breaks a flow, and the canvas always shows the current names.
// `{{ }}` expressions that read a bound node's rows by column (`nodes.find.first.status`,
// `nodes.find.rows[0].status`, `nodes.add.row['status']`) count as uses of that node's columns: their ids are
// kept on the node that reads the table, and a rename rewrites the expressions too.

/** Config keys that hold identity, not meaning: left out when locked nodes are compared. */
export const BINDING_KEYS = ['tableId', 'columnIds'] as const;

type Config = Record<string, unknown>;
const TABLE_KEYS = ['table', 'orderTable'] as const;
const KEYED_BY_COLUMN = ['values', 'orderFieldMapping'] as const;
const LISTS_OF_COLUMN_OBJECTS = ['filters', 'sort'] as const;
const LISTS_OF_COLUMNS = ['copyColumns'] as const;

const tableKeyOf = (config: Config) => TABLE_KEYS.find((k) => typeof config[k] === 'string' && config[k] !== '');

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every column name a node's config refers to (in its own table). */
export function columnNamesOf(config: Config): string[] {
  const names = new Set<string>();
  for (const key of KEYED_BY_COLUMN)
    if (isPlainObject(config[key])) for (const k of Object.keys(config[key])) names.add(k);
  for (const key of LISTS_OF_COLUMN_OBJECTS)
    if (Array.isArray(config[key]))
      for (const item of config[key] as unknown[])
        if (isPlainObject(item) && typeof item.column === 'string') names.add(item.column);
  for (const key of LISTS_OF_COLUMNS)
    if (Array.isArray(config[key])) for (const c of config[key] as unknown[]) if (typeof c === 'string') names.add(c);
  return [...names];
}

/** The config with every column name passed through `rename` (all at once: swapped names stay swapped). */
function renameColumns(config: Config, rename: (name: string) => string): Config {
  const next: Config = { ...config };
  for (const key of KEYED_BY_COLUMN)
    if (isPlainObject(config[key]))
      next[key] = Object.fromEntries(Object.entries(config[key]).map(([k, v]) => [rename(k), v]));
  for (const key of LISTS_OF_COLUMN_OBJECTS)
    if (Array.isArray(config[key]))
      next[key] = (config[key] as unknown[]).map((item) =>
        isPlainObject(item) && typeof item.column === 'string' ? { ...item, column: rename(item.column) } : item,
      );
  for (const key of LISTS_OF_COLUMNS)
    if (Array.isArray(config[key]))
      next[key] = (config[key] as unknown[]).map((c) => (typeof c === 'string' ? rename(c) : c));
  return next;
}

function mapNodes(definition: FlowDefinition, change: (config: Config, node: FlowNode) => Config): FlowDefinition {
  let changed = false;
  const nodes = definition.graph.nodes.map((node): FlowNode => {
    const config = node.config ?? {};
    const next = change(config, node);
    if (next === config) return node;
    changed = true;
    return { ...node, config: next };
  });
  return changed ? { ...definition, graph: { ...definition.graph, nodes } } : definition;
}

// ---- columns read inside expressions ----

/** A column of node `node`'s table written at [start, end) of a config string. */
interface ColumnRef {
  node: string;
  column: string;
  start: number;
  end: number;
  quoted: boolean;
}

/** Which segment of `nodes.<id>.…` names a column: `row.c`, `first.c` or `rows[i].c`. */
function columnSegment(segments: (string | Expr)[]): number | null {
  if (segments[1] === 'row' || segments[1] === 'first') return typeof segments[2] === 'string' ? 2 : null;
  if (segments[1] === 'rows' && segments[2] !== undefined && typeof segments[2] !== 'string')
    return typeof segments[3] === 'string' ? 3 : null;
  return null;
}

function collectRefs(expr: Expr, offset: number, out: ColumnRef[]): void {
  switch (expr.type) {
    case 'path': {
      for (const seg of expr.segments) if (typeof seg !== 'string') collectRefs(seg, offset, out);
      const [nodeId] = expr.segments;
      const at = columnSegment(expr.segments);
      const span: SegmentSpan | undefined = at === null ? undefined : expr.spans?.[at];
      if (expr.root === 'nodes' && typeof nodeId === 'string' && at !== null && span && span.start >= 0)
        out.push({
          node: nodeId,
          column: expr.segments[at] as string,
          start: offset + span.start,
          end: offset + span.end,
          quoted: span.quoted,
        });
      return;
    }
    case 'unary':
      collectRefs(expr.operand, offset, out);
      return;
    case 'binary':
      collectRefs(expr.left, offset, out);
      collectRefs(expr.right, offset, out);
      return;
    case 'call':
      for (const arg of expr.args) collectRefs(arg, offset, out);
      return;
    default:
      return;
  }
}

/** Column reads in one config string (a `{{ }}` template, or a bare expression in an expression field). */
function refsInString(text: string, bare: boolean): ColumnRef[] {
  const out: ColumnRef[] = [];
  try {
    if (text.includes('{{')) {
      for (const part of parseTemplate(text)) if (part.kind === 'expr') collectRefs(part.expr, part.offset, out);
    } else if (bare) collectRefs(parseExpression(text), 0, out);
  } catch {
    // An expression that does not parse is the validator's to report; it names no column here.
  }
  return out;
}

/** Every string in a node's config, with whether it is a bare-expression field; `map` may replace it. */
function mapStrings(config: Config, type: string, map: (text: string, bare: boolean) => string): Config {
  const bareKeys = new Set(expressionFieldsOf(type));
  const walk = (value: unknown, bare: boolean): unknown => {
    if (typeof value === 'string') return map(value, bare);
    if (Array.isArray(value)) {
      const next = value.map((v) => walk(v, false));
      return next.some((v, i) => v !== value[i]) ? next : value;
    }
    if (isPlainObject(value)) {
      const entries = Object.entries(value).map(([k, v]) => [k, walk(v, false)] as const);
      return entries.some(([k, v]) => v !== value[k]) ? Object.fromEntries(entries) : value;
    }
    return value;
  };
  let changed = false;
  const next: Config = {};
  for (const [key, value] of Object.entries(config)) {
    next[key] = walk(value, bareKeys.has(key));
    if (next[key] !== value) changed = true;
  }
  return changed ? next : config;
}

/** Column names each bound node's rows are read by, anywhere in the flow's expressions. */
function columnsReadByExpressions(definition: FlowDefinition): Map<string, Set<string>> {
  const read = new Map<string, Set<string>>();
  for (const node of definition.graph.nodes)
    mapStrings(node.config ?? {}, node.type, (text, bare) => {
      for (const ref of refsInString(text, bare)) {
        const set = read.get(ref.node) ?? new Set<string>();
        set.add(ref.column);
        read.set(ref.node, set);
      }
      return text;
    });
  return read;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The text with every column read of a renamed column rewritten to its new name. */
function renameInString(text: string, bare: boolean, renames: Map<string, Map<string, string>>): string {
  const refs = refsInString(text, bare).filter((r) => renames.get(r.node)?.has(r.column));
  if (refs.length === 0) return text;
  let out = text;
  for (const ref of refs.sort((a, b) => b.start - a.start)) {
    const name = renames.get(ref.node)?.get(ref.column) as string;
    if (ref.quoted || IDENTIFIER.test(name)) {
      out = out.slice(0, ref.start) + (ref.quoted ? JSON.stringify(name) : name) + out.slice(ref.end);
      continue;
    }
    // `.old` → `["new name"]`: a name that is not an identifier is read with brackets.
    const dot = out.lastIndexOf('.', ref.start);
    out = `${out.slice(0, dot)}[${JSON.stringify(name)}]${out.slice(ref.end)}`;
  }
  return out;
}

/**
 * Names → ids, as the builder saved them: each node's table and the columns it uses get their ids.
 * A name that matches no table (a typo the validator reports) keeps whatever id the node had.
 */
export function stampBindings(definition: FlowDefinition, tables: TableInfo[]): FlowDefinition {
  const readByExpressions = columnsReadByExpressions(definition);
  return mapNodes(definition, (config, node) => {
    const key = tableKeyOf(config);
    if (!key) return config;
    const table = tables.find((t) => t.name === config[key]);
    if (!table || table.id === undefined) return config;
    const saved =
      config.tableId === table.id && isPlainObject(config.columnIds)
        ? (config.columnIds as Record<string, number>)
        : {};
    const columnIds: Record<string, number> = {};
    for (const name of new Set([...columnNamesOf(config), ...(readByExpressions.get(node.id) ?? [])])) {
      const column = table.columns.find((c) => c.name === name);
      if (column?.id !== undefined) columnIds[name] = column.id;
      // A name no longer in the table (a definition saved before a rename) keeps the id it was saved with.
      else if (typeof saved[name] === 'number') columnIds[name] = saved[name];
    }
    const next = { ...config, tableId: table.id, columnIds };
    return JSON.stringify(next) === JSON.stringify(config) ? config : next;
  });
}

/**
 * Ids → today's names: a node bound to a table (and columns) that were renamed since it was saved
 * reads, validates and runs with the new names. A table that no longer exists leaves the node as saved.
 */
export function resolveBindings(definition: FlowDefinition, tables: TableInfo[]): FlowDefinition {
  // Each bound node's column renames (saved name → today's), for its own config and for expressions reading it.
  const renames = new Map<string, Map<string, string>>();
  for (const node of definition.graph.nodes) {
    const config = node.config ?? {};
    if (!tableKeyOf(config) || typeof config.tableId !== 'number') continue;
    const table = tables.find((t) => t.id === config.tableId);
    if (!table) continue;
    const saved = isPlainObject(config.columnIds) ? (config.columnIds as Record<string, number>) : {};
    const current = new Map<string, string>();
    for (const [name, id] of Object.entries(saved)) {
      const column = table.columns.find((c) => c.id === id);
      if (column && column.name !== name) current.set(name, column.name);
    }
    if (current.size > 0) renames.set(node.id, current);
  }
  return mapNodes(definition, (config, node) => {
    let next = config;
    const key = tableKeyOf(config);
    const table = key && typeof config.tableId === 'number' && tables.find((t) => t.id === config.tableId);
    const current = renames.get(node.id);
    if (key && table && (table.name !== config[key] || current)) {
      const rename = (name: string) => current?.get(name) ?? name;
      const saved = isPlainObject(config.columnIds) ? (config.columnIds as Record<string, number>) : {};
      const columnIds = Object.fromEntries(Object.entries(saved).map(([name, id]) => [rename(name), id]));
      next = { ...renameColumns(config, rename), [key]: table.name, columnIds };
    }
    if (renames.size === 0) return next;
    return mapStrings(next, node.type, (text, bare) => renameInString(text, bare, renames));
  });
}

/** Does this node use the table (by id when it carries one, else by name)? */
export function nodeUsesTable(config: Config, table: { id: number; name: string }): boolean {
  const key = tableKeyOf(config);
  if (!key) return false;
  return typeof config.tableId === 'number' ? config.tableId === table.id : config[key] === table.name;
}
