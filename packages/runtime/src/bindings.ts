import { cachedWithMetadata } from '@tillflow/data-model';
import { dataColumns, dataTables, type Executor, flows, flowVersions } from '@tillflow/db';
import { type TableInfo as FlowTableInfo, resolveBindings, stampBindings } from '@tillflow/flow-model';
import { eq } from 'drizzle-orm';
import type { FlowDefinition } from './graph';

// Flows reference tables and columns by id (flow-model's bindings): the store stamps ids when a flow is
// saved or published, and the engine resolves today's names when it runs one, so a rename never breaks it.

type Definition = Parameters<typeof resolveBindings>[0];

/** A project's tables and columns, ids and names only (one light query). */
export async function bindingTables(db: Executor, projectId: number): Promise<FlowTableInfo[]> {
  const rows = await db
    .select({ tableId: dataTables.id, table: dataTables.name, columnId: dataColumns.id, column: dataColumns.name })
    .from(dataTables)
    .leftJoin(dataColumns, eq(dataColumns.tableId, dataTables.id))
    .where(eq(dataTables.projectId, projectId));
  const tables = new Map<number, FlowTableInfo>();
  for (const r of rows) {
    const table = tables.get(r.tableId) ?? { id: r.tableId, name: r.table, columns: [] };
    tables.set(r.tableId, table);
    if (r.columnId !== null && r.column !== null) table.columns.push({ id: r.columnId, name: r.column, type: '' });
  }
  return [...tables.values()];
}

export const carriesIds = (definition: FlowDefinition) =>
  definition.graph.nodes.some((n) => typeof (n.config as Record<string, unknown> | undefined)?.tableId === 'number');

/** The definition with today's table and column names (unchanged when nothing it uses was renamed). */
export async function resolveStoredBindings(
  db: Executor,
  projectId: number,
  definition: FlowDefinition,
): Promise<FlowDefinition> {
  if (!carriesIds(definition)) return definition;
  // Cached with the project's table metadata (re-read once a DDL has changed its version).
  const tables = await cachedWithMetadata(db, projectId, 'flow-bindings', () => bindingTables(db, projectId));
  // A definition resolved against these tables is the same every run: kept while both are.
  let byDefinition = resolvedWith.get(tables);
  if (!byDefinition) {
    byDefinition = new WeakMap();
    resolvedWith.set(tables, byDefinition);
  }
  let resolved = byDefinition.get(definition);
  if (!resolved) {
    resolved = resolveBindings(definition as Definition, tables) as FlowDefinition;
    byDefinition.set(definition, resolved);
  }
  return resolved;
}

/** Resolved definitions by the table list (cached per metadata version) and the stored definition. */
const resolvedWith = new WeakMap<FlowTableInfo[], WeakMap<FlowDefinition, FlowDefinition>>();

/**
 * Names as saved → ids: what the store keeps, so later renames are followed. A name that exists wins (the
 * editor always shows today's names, so a table chosen anew is taken as chosen); one that no longer exists
 * (a definition saved before a rename, e.g. a version rolled back to) is resolved by the id it carries.
 */
export async function stampStoredBindings(
  db: Executor,
  projectId: number,
  definition: FlowDefinition,
): Promise<FlowDefinition> {
  const tables = await bindingTables(db, projectId);
  return resolveBindings(stampBindings(definition as Definition, tables), tables) as FlowDefinition;
}

/**
 * Flows saved before bindings carried ids get them (drafts and published versions, in place: the ids
 * only record which table each name meant). Idempotent; run at start-up. Returns how many were stamped.
 */
export async function stampExistingFlowBindings(db: Executor): Promise<number> {
  const all = await db
    .select({ id: flows.id, projectId: flows.projectId, draft: flows.draft, versionId: flows.publishedVersionId })
    .from(flows);
  const tablesByProject = new Map<number, FlowTableInfo[]>();
  let stamped = 0;
  for (const flow of all) {
    const tables = tablesByProject.get(flow.projectId) ?? (await bindingTables(db, flow.projectId));
    tablesByProject.set(flow.projectId, tables);
    const draft = flow.draft as FlowDefinition;
    const next = stampBindings(draft as Definition, tables) as FlowDefinition;
    if (next !== draft) {
      await db.update(flows).set({ draft: next }).where(eq(flows.id, flow.id));
      stamped++;
    }
    if (!flow.versionId) continue;
    const [version] = await db.select().from(flowVersions).where(eq(flowVersions.id, flow.versionId));
    const published = version?.definition as FlowDefinition | undefined;
    if (!published) continue;
    const stampedVersion = stampBindings(published as Definition, tables) as FlowDefinition;
    if (stampedVersion !== published) {
      await db.update(flowVersions).set({ definition: stampedVersion }).where(eq(flowVersions.id, version.id));
      stamped++;
    }
  }
  return stamped;
}
