import { type Executor, executeRows, preparedRows } from '@tillflow/db';
import { type SQL, sql } from 'drizzle-orm';
import { NOTIFY_AFTER_COMMIT } from './change-notices';
import { DataAccessError } from './errors';
import type { ColumnInfo, ColumnType, TableInfo } from './types';

export const END_USER_PHYSICAL = 'end_user';

interface TableRecord {
  id: number;
  project_id: number;
  name: string;
  physical_name: string;
  is_system: boolean;
  owner_column_id: number | null;
  schema_name: string;
  columns: unknown;
  referenced_by: unknown;
}

interface ColumnRecord {
  id: number;
  name: string;
  physical_name: string;
  type: ColumnType;
  enum_options: string[] | null;
  relation_table_id: number | null;
  relation_table: string | null;
  required: boolean;
  is_unique: boolean;
  default_value: unknown;
  position: number;
  system_managed: boolean;
}

// One round trip per table lookup: the data-access layer does this on every call.
function tableQuery(where: SQL): SQL {
  return sql`select t.id, t.project_id, t.name, t.physical_name, t.is_system, t.owner_column_id, p.schema_name,
    coalesce((select json_agg(json_build_object(
        'id', c.id, 'name', c.name, 'physical_name', c.physical_name, 'type', c.type,
        'enum_options', c.enum_options, 'relation_table_id', c.relation_table_id, 'relation_table', r.name,
        'required', c.required, 'is_unique', c.is_unique, 'default_value', c.default_value, 'position', c.position,
        'system_managed', c.system_managed
      ) order by c.position, c.id)
      from data_column c left join data_table r on r.id = c.relation_table_id where c.table_id = t.id), '[]'::json) as columns,
    coalesce((select json_agg(json_build_object('table', rt.name, 'column', rc.name) order by rt.name, rc.name)
      from data_column rc join data_table rt on rt.id = rc.table_id where rc.relation_table_id = t.id), '[]'::json) as referenced_by
    from data_table t join project p on p.id = t.project_id where ${where} order by t.name`;
}

function toTableInfo(record: TableRecord): TableInfo {
  const raw = typeof record.columns === 'string' ? JSON.parse(record.columns) : record.columns;
  const columns: ColumnInfo[] = (raw as ColumnRecord[]).map((c) => ({
    id: c.id,
    name: c.name,
    physicalName: c.physical_name,
    type: c.type,
    enumOptions: c.enum_options,
    relationTableId: c.relation_table_id,
    relationTable: c.relation_table,
    required: c.required,
    unique: c.is_unique,
    default: c.default_value ?? undefined,
    position: c.position,
    systemManaged: c.system_managed === true,
  }));
  const owner = columns.find((c) => c.id === record.owner_column_id);
  const isEndUserTable = record.is_system && record.physical_name === END_USER_PHYSICAL;
  return {
    id: record.id,
    projectId: record.project_id,
    name: record.name,
    physicalName: record.physical_name,
    schemaName: record.schema_name,
    isSystem: record.is_system,
    isEndUserTable,
    ownerColumn: isEndUserTable ? 'id' : (owner?.name ?? null),
    columns,
    referencedBy: (typeof record.referenced_by === 'string'
      ? JSON.parse(record.referenced_by)
      : record.referenced_by) as TableInfo['referencedBy'],
  };
}

// Every read and write looks its table up; the metadata changes only with DDL. So each project's tables are
// cached with the project's metadata_version, which triggers on data_table and data_column set from a sequence
// in the very transaction that changes them (migration 0017; data_role, table_permission and action_permission
// too since 0020, so the cached permission matrix follows permission changes the same way). A lookup reads that one number (a primary-key
// read) and reuses the cached tables while it is unchanged: a DDL change is seen by the next read or write,
// in its own transaction at once, elsewhere as soon as it commits. A version is never handed out twice, so an
// entry cached from a transaction that rolled back can never match again. Keyed by schema name and creation
// time too, so two databases in one process (tests) never share an entry.
interface ProjectMetadata {
  version: string;
  tables: Map<string, TableInfo | null>;
  /** Other values derived from the project's tables and columns (e.g. the flow runtime's binding names). */
  derived: Map<string, unknown>;
}
const metadataCache = new Map<string, ProjectMetadata>();
// Per project id, the entry its last version check found (with the project's key), for statements that check
// the version themselves (see cachedTableUnchecked).
const lastChecked = new Map<number, { projectKey: string; entry: ProjectMetadata }>();
const METADATA_CACHE_PROJECTS = 2000;
// Transactions that checked a project's version once and reuse it for their later statements (a flow run's
// shared transaction: it does no DDL itself, and a DDL another transaction commits meanwhile is seen by
// the run's next transaction, as if it had committed a moment later). Opt-in: see pinMetadata.
const pinnedVersions = new WeakMap<object, Map<number, ProjectMetadata>>();

/**
 * Within this transaction, check each project's metadata version once instead of at every read and write.
 * Only for a transaction that runs no DDL on data_table/data_column itself (a flow run's database nodes).
 */
export function pinMetadata(tx: Executor, options: { deferChangeNotices?: boolean } = {}): void {
  if (!pinnedVersions.has(tx)) pinnedVersions.set(tx, new Map());
  if (options.deferChangeNotices) deferringNotices.add(tx);
}
// Pinned transactions whose first version check also turns the realtime trigger's NOTIFY off for the rest of the
// transaction (NOTIFY_AFTER_COMMIT, in the same statement: no round trip of its own); the writer announces after commit.
const deferringNotices = new WeakSet<object>();

async function projectMetadata(tx: Executor, projectId: number): Promise<ProjectMetadata | null> {
  const pinned = pinnedVersions.get(tx);
  const seen = pinned?.get(projectId);
  if (seen) return seen;
  const defer = deferringNotices.delete(tx) ? sql`set_config(${NOTIFY_AFTER_COMMIT}, 'on', true) as deferred, ` : sql``;
  const [project] = await preparedRows<{ key: string; version: string }>(
    tx,
    sql`select ${defer}schema_name || '|' || created_at::text as key, metadata_version::text as version
        from project where id = ${projectId}`,
  );
  if (!project) return null;
  const key = `${projectId}|${project.key}`;
  let entry = metadataCache.get(key);
  if (!entry || entry.version !== project.version) {
    if (metadataCache.size >= METADATA_CACHE_PROJECTS) metadataCache.clear();
    entry = { version: project.version, tables: new Map(), derived: new Map() };
    metadataCache.set(key, entry);
  }
  if (lastChecked.size >= METADATA_CACHE_PROJECTS) lastChecked.clear();
  lastChecked.set(projectId, { projectKey: project.key, entry });
  pinned?.set(projectId, entry);
  return entry;
}

/**
 * A value computed from a project's tables and columns, cached with them: recomputed (by `load`, on `tx`)
 * once the project's metadata version has changed. `name` tells the kinds of value apart.
 */
export async function cachedWithMetadata<T>(
  tx: Executor,
  projectId: number,
  name: string,
  load: () => Promise<T>,
): Promise<T> {
  const entry = await projectMetadata(tx, projectId);
  if (entry?.derived.has(name)) return entry.derived.get(name) as T;
  const value = await load();
  entry?.derived.set(name, value);
  return value;
}

// The project's metadata version each cached table description was read at.
const readAtVersion = new WeakMap<TableInfo, string>();

/**
 * The metadata version a table description was read at (those from the cached lookups): statements built
 * from it may carry it in their text, so a prepared statement never outlives the columns it returns.
 */
export function metadataVersionOf(table: TableInfo): string | undefined {
  return readAtVersion.get(table);
}

export async function findTable(tx: Executor, projectId: number, name: string): Promise<TableInfo | null> {
  if (typeof name !== 'string') return null;
  const cached = await projectMetadata(tx, projectId);
  if (cached?.tables.has(name)) return cached.tables.get(name) ?? null;
  const [record] = await executeRows<TableRecord>(
    tx,
    tableQuery(sql`t.project_id = ${projectId} and t.name = ${name}`),
  );
  const table = record ? toTableInfo(record) : null;
  if (table && cached) readAtVersion.set(table, cached.version);
  // Only names that exist are kept: a miss is cheap to repeat and must not grow the cache without bound.
  if (cached && table) cached.tables.set(name, table);
  return table;
}

/**
 * A table as cached at the project's last checked metadata version, without asking the database, and the
 * query that yields one row only while that version (and project) still stands. For a statement that
 * checks the version itself (`with v as (guard) insert … select … from v`): one round trip instead of two.
 * Null when nothing is cached. Whatever is decided from the table must be decided again on fresh metadata
 * when the statement finds the version moved on (no row) or fails to parse against today's columns.
 */
export function cachedTableUnchecked(projectId: number, name: string): { table: TableInfo; guard: SQL } | null {
  const last = lastChecked.get(projectId);
  const table = last?.entry.tables.get(name);
  if (!last || !table) return null;
  return {
    table,
    guard: sql`select 1 from project where id = ${projectId} and metadata_version = ${last.entry.version}::bigint
        and schema_name || '|' || created_at::text = ${last.projectKey}`,
  };
}

export async function loadTable(tx: Executor, projectId: number, name: string): Promise<TableInfo> {
  const table = await findTable(tx, projectId, name);
  if (!table) throw new DataAccessError('NOT_FOUND', `There is no table "${String(name)}" in this project.`);
  return table;
}

export async function loadTableById(tx: Executor, tableId: number): Promise<TableInfo> {
  const [record] = await executeRows<TableRecord>(tx, tableQuery(sql`t.id = ${tableId}`));
  if (!record) throw new DataAccessError('NOT_FOUND', `There is no table with id ${tableId}.`);
  return toTableInfo(record);
}

/** Every table of a project with its columns, sorted by name. */
export async function listTables(tx: Executor, projectId: number): Promise<TableInfo[]> {
  const records = await executeRows<TableRecord>(tx, tableQuery(sql`t.project_id = ${projectId}`));
  return records.map(toTableInfo);
}

export async function projectSchemaName(tx: Executor, projectId: number): Promise<string> {
  const [row] = await executeRows<{ schema_name: string }>(
    tx,
    sql`select schema_name from project where id = ${projectId}`,
  );
  if (!row) throw new DataAccessError('NOT_FOUND', `There is no project ${projectId}.`);
  return row.schema_name;
}

export function findColumn(table: TableInfo, name: string): ColumnInfo {
  const column = typeof name === 'string' ? table.columns.find((c) => c.name === name) : undefined;
  if (!column)
    throw new DataAccessError('NOT_FOUND', `Table "${table.name}" has no column "${String(name)}".`, {
      [String(name)]: 'No such column.',
    });
  return column;
}

/** The qualified physical table, always quoted. */
export function tableRef(table: Pick<TableInfo, 'schemaName' | 'physicalName'>): SQL {
  return sql`${sql.identifier(table.schemaName)}.${sql.identifier(table.physicalName)}`;
}
