import type { FlowDefinition, FlowNode, TableInfo } from './types';

// Bindings by identity. A node names its table (`table`, or `orderTable` on the payment callbacks) and
// columns (keys of `values` / `orderFieldMapping`, `filters[].column`, `sort[].column`, `copyColumns[]`) as
// the builder sees them, and also carries their stable ids: `tableId` and `columnIds` (name → id).
// Saving stamps the ids from the names; reading and running resolve the names from the ids, so renaming
// a table or column never breaks a flow, and the canvas always shows the current names.

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

function mapNodes(definition: FlowDefinition, change: (config: Config) => Config): FlowDefinition {
  let changed = false;
  const nodes = definition.graph.nodes.map((node): FlowNode => {
    const config = node.config ?? {};
    const next = change(config);
    if (next === config) return node;
    changed = true;
    return { ...node, config: next };
  });
  return changed ? { ...definition, graph: { ...definition.graph, nodes } } : definition;
}

/**
 * Names → ids, as the builder saved them: each node's table and the columns it uses get their ids.
 * A name that matches no table (a typo the validator reports) keeps whatever id the node had.
 */
export function stampBindings(definition: FlowDefinition, tables: TableInfo[]): FlowDefinition {
  return mapNodes(definition, (config) => {
    const key = tableKeyOf(config);
    if (!key) return config;
    const table = tables.find((t) => t.name === config[key]);
    if (!table || table.id === undefined) return config;
    const columnIds: Record<string, number> = {};
    for (const name of columnNamesOf(config)) {
      const column = table.columns.find((c) => c.name === name);
      if (column?.id !== undefined) columnIds[name] = column.id;
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
  return mapNodes(definition, (config) => {
    const key = tableKeyOf(config);
    if (!key || typeof config.tableId !== 'number') return config;
    const table = tables.find((t) => t.id === config.tableId);
    if (!table) return config;
    const saved = isPlainObject(config.columnIds) ? (config.columnIds as Record<string, number>) : {};
    const current = new Map<string, string>();
    for (const [name, id] of Object.entries(saved)) {
      const column = table.columns.find((c) => c.id === id);
      if (column && column.name !== name) current.set(name, column.name);
    }
    if (table.name === config[key] && current.size === 0) return config;
    const rename = (name: string) => current.get(name) ?? name;
    const columnIds = Object.fromEntries(Object.entries(saved).map(([name, id]) => [rename(name), id]));
    return { ...renameColumns(config, rename), [key]: table.name, columnIds };
  });
}

/** Does this node use the table (by id when it carries one, else by name)? */
export function nodeUsesTable(config: Config, table: { id: number; name: string }): boolean {
  const key = tableKeyOf(config);
  if (!key) return false;
  return typeof config.tableId === 'number' ? config.tableId === table.id : config[key] === table.name;
}
