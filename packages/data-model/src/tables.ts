import { dataTables, type Executor, executeRows, tableDependencies } from '@tillflow/db';
import { and, eq, sql } from 'drizzle-orm';
import { addColumnIn, parseInput } from './columns';
import { createdAtIndexSql, createTableSql, qualified } from './ddl';
import { DataAccessError } from './errors';
import { findColumn, loadTable, loadTableById, projectSchemaName } from './metadata';
import { assertValidName, plural } from './names';
import { type ColumnDef, columnDefSchema, type TableInfo } from './types';

export interface TableDef {
  name: string;
  columns?: ColumnDef[];
  /** Builder-visible name of a relation column (to the end-user table) that marks a row's owner. */
  ownerColumn?: string;
}

/**
 * Something outside the data model that may use a table (e.g. flow nodes).
 * Returns a description of each dependent ("flow 'Refund' node 'Update order'"); empty if none.
 */
export type TableDependencyCheck = (
  tx: Executor,
  table: { projectId: number; id: number; name: string },
) => Promise<string[]>;

async function assertTableNameFree(tx: Executor, projectId: number, name: string, exceptId?: number) {
  const [clash] = await executeRows<{ id: number; name: string }>(
    tx,
    sql`select id, name from data_table where project_id = ${projectId} and lower(name) = lower(${name})`,
  );
  if (clash && clash.id !== exceptId)
    throw new DataAccessError('CONFLICT', `There is already a table "${clash.name}".`, { name: 'Taken.' });
}

async function createTableIn(tx: Executor, projectId: number, def: TableDef, isSystem: boolean): Promise<TableInfo> {
  if (typeof def?.name !== 'string')
    throw new DataAccessError('VALIDATION', 'A table needs a name.', { name: 'Required.' });
  assertValidName(def.name, 'table');
  for (const column of def.columns ?? []) parseInput(columnDefSchema, column);
  const schemaName = await projectSchemaName(tx, projectId);
  await assertTableNameFree(tx, projectId, def.name);
  const [{ next }] = await executeRows<{ next: number }>(
    tx,
    sql`select nextval(pg_get_serial_sequence('data_table', 'id'))::int as next`,
  );
  const physicalName = `t_${next}`;
  await tx.insert(dataTables).values({ id: next, projectId, name: def.name, physicalName, isSystem });
  await tx.execute(createTableSql({ schemaName, physicalName }));
  await tx.execute(createdAtIndexSql({ schemaName, physicalName }));
  for (const column of def.columns ?? [])
    await addColumnIn(tx, await loadTableById(tx, next), column, { allowSystem: true });
  if (def.ownerColumn) await setOwnerIn(tx, await loadTableById(tx, next), def.ownerColumn);
  return loadTableById(tx, next);
}

/** Creates a builder table (a real table in the project's schema) with optional columns. */
export function createTable(db: Executor, projectId: number, def: TableDef): Promise<TableInfo> {
  return db.transaction((tx) => createTableIn(tx, projectId, def, false));
}

/** For modules (payments): a table builders can read but not change or delete. */
export function createSystemTable(db: Executor, projectId: number, def: TableDef): Promise<TableInfo> {
  return db.transaction((tx) => createTableIn(tx, projectId, def, true));
}

export function renameTable(db: Executor, projectId: number, name: string, newName: string): Promise<TableInfo> {
  return db.transaction(async (tx) => {
    const table = await loadTable(tx, projectId, name);
    if (table.isSystem)
      throw new DataAccessError('FORBIDDEN', `"${table.name}" is a system table: it cannot be renamed.`);
    assertValidName(newName, 'table');
    await assertTableNameFree(tx, projectId, newName, table.id);
    await tx.update(dataTables).set({ name: newName, updatedAt: new Date() }).where(eq(dataTables.id, table.id));
    return loadTableById(tx, table.id);
  });
}

/** What would stop this table from being deleted, each as a phrase naming the dependent. */
export async function tableDependents(tx: Executor, table: TableInfo, check?: TableDependencyCheck): Promise<string[]> {
  const relations = await executeRows<{ table_name: string; column_name: string }>(
    tx,
    sql`select t.name as table_name, c.name as column_name from data_column c join data_table t on t.id = c.table_id
        where c.relation_table_id = ${table.id} and c.table_id <> ${table.id} order by t.name, c.name`,
  );
  const registered = await tx.select().from(tableDependencies).where(eq(tableDependencies.tableId, table.id));
  const found = [
    ...relations.map((r) => `relation "${r.table_name}.${r.column_name}"`),
    ...registered.map((d) => `${d.kind} (${d.description})`),
  ];
  if (check) found.push(...(await check(tx, { projectId: table.projectId, id: table.id, name: table.name })));
  return found;
}

/** Drops a table; refused for system tables and tables something depends on; rows need `confirm`. */
export function deleteTable(
  db: Executor,
  projectId: number,
  name: string,
  options: {
    confirm?: boolean;
    /** What else may use the table (the runtime's flowTableDependents: flow nodes naming it); asked before the drop. */
    dependents?: TableDependencyCheck;
  } = {},
): Promise<void> {
  return db.transaction(async (tx) => {
    const table = await loadTable(tx, projectId, name);
    if (table.isSystem)
      throw new DataAccessError('FORBIDDEN', `"${table.name}" is a system table: it cannot be deleted.`);
    const dependents = await tableDependents(tx, table, options.dependents);
    if (dependents.length > 0)
      throw new DataAccessError(
        'CONFLICT',
        `Table "${table.name}" cannot be deleted: it is used by ${dependents.join(', ')}.`,
      );
    const [{ n }] = await executeRows<{ n: number | string }>(tx, sql`select count(*) as n from ${qualified(table)}`);
    if (Number(n) > 0 && !options.confirm)
      throw new DataAccessError(
        'CONFLICT',
        `Table '${table.name}' has ${plural(Number(n), 'row')} that would be deleted. Confirm to go ahead.`,
        undefined,
        {
          confirmationRequired: true,
        },
      );
    await tx.execute(sql`drop table ${qualified(table)}`);
    await tx.delete(dataTables).where(eq(dataTables.id, table.id));
  });
}

async function setOwnerIn(tx: Executor, table: TableInfo, columnName: string | null) {
  if (table.isEndUserTable) throw new DataAccessError('VALIDATION', 'End users own their own row already.');
  let ownerColumnId: number | null = null;
  if (columnName !== null) {
    const column = findColumn(table, columnName);
    const [endUser] = await executeRows<{ id: number }>(
      tx,
      sql`select id from data_table where project_id = ${table.projectId} and is_system and physical_name = 'end_user'`,
    );
    if (column.type !== 'relation' || column.relationTableId !== endUser?.id)
      throw new DataAccessError(
        'VALIDATION',
        `The owner column must be a relation to the end-user table; "${column.name}" is not.`,
        {
          ownerColumn: 'Not a relation to the end-user table.',
        },
      );
    ownerColumnId = column.id;
  }
  await tx.update(dataTables).set({ ownerColumnId, updatedAt: new Date() }).where(eq(dataTables.id, table.id));
}

/** Marks (or with null, unmarks) the relation to the end-user table that says who owns a row. */
export function setOwnerColumn(
  db: Executor,
  projectId: number,
  tableName: string,
  columnName: string | null,
): Promise<TableInfo> {
  return db.transaction(async (tx) => {
    const table = await loadTable(tx, projectId, tableName);
    await setOwnerIn(tx, table, columnName);
    return loadTableById(tx, table.id);
  });
}

/** A module (e.g. payments binding the order table) records that it needs a table; deletion names it. */
export async function addTableDependency(
  tx: Executor,
  projectId: number,
  tableName: string,
  dependency: { kind: string; description: string },
): Promise<void> {
  const table = await loadTable(tx, projectId, tableName);
  await tx
    .insert(tableDependencies)
    .values({ tableId: table.id, kind: dependency.kind, description: dependency.description })
    .onConflictDoUpdate({
      target: [tableDependencies.tableId, tableDependencies.kind],
      set: { description: dependency.description },
    });
}

export async function removeTableDependency(
  tx: Executor,
  projectId: number,
  tableName: string,
  kind: string,
): Promise<void> {
  const table = await loadTable(tx, projectId, tableName);
  await tx
    .delete(tableDependencies)
    .where(and(eq(tableDependencies.tableId, table.id), eq(tableDependencies.kind, kind)));
}
