import { dataColumns, dataTables, type Executor, executeRows } from '@tillflow/db';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import {
  addColumnSql,
  convertibleSql,
  convertSql,
  dropConstraintSql,
  enumCheckSql,
  foreignKeySql,
  id,
  qualified,
  sortIndexSql,
  uniqueSql,
} from './ddl';
import { DataAccessError, pgErrorInfo } from './errors';
import { findColumn, findTable, loadTable, loadTableById } from './metadata';
import { assertValidName, plural } from './names';
import {
  type ColumnChange,
  type ColumnDef,
  type ColumnInfo,
  type ColumnType,
  columnChangeSchema,
  columnDefSchema,
  type TableInfo,
} from './types';
import { coerceValue, PG_TYPES, valueParam } from './values';

export interface ColumnOptions {
  confirm?: boolean;
  /** Module-created system tables may add columns; builders may not. */
  allowSystem?: boolean;
  /** A fixed physical name (the end-user table's email/role); otherwise c_<id>. */
  physicalName?: string;
}

export function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fieldErrors: Record<string, string> = {};
  for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0] ?? 'input')] ??= issue.message;
  throw new DataAccessError('VALIDATION', z.prettifyError(parsed.error), fieldErrors);
}

export function assertChangeable(table: TableInfo, allowSystem = false) {
  if (table.isSystem && !allowSystem)
    throw new DataAccessError('FORBIDDEN', `"${table.name}" is a system table: its columns cannot be changed.`);
}

async function rowCount(tx: Executor, table: TableInfo, where = sql`true`): Promise<number> {
  const [row] = await executeRows<{ n: number | string }>(
    tx,
    sql`select count(*) as n from ${qualified(table)} where ${where}`,
  );
  return Number(row?.n ?? 0);
}

function coerceDefault(def: { type: ColumnType; enumOptions?: string[] | null; default?: unknown }) {
  if (def.default === undefined || def.default === null) return null;
  const result = coerceValue({ type: def.type, enumOptions: def.enumOptions ?? null }, def.default);
  if (!result.ok) throw new DataAccessError('VALIDATION', `Default value: ${result.error}`, { default: result.error });
  return result.value;
}

function keptDefault(column: ColumnInfo, type: ColumnType, enumOptions: string[] | null) {
  if (column.default === undefined || column.default === null) return null;
  const result = coerceValue({ type, enumOptions }, column.default);
  return result.ok ? result.value : null;
}

async function resolveRelationTarget(tx: Executor, table: TableInfo, relationTable: string | undefined) {
  if (!relationTable)
    throw new DataAccessError('VALIDATION', 'A relation needs the table it points at.', { relationTable: 'Required.' });
  const target = relationTable === table.name ? table : await findTable(tx, table.projectId, relationTable);
  if (!target)
    throw new DataAccessError('VALIDATION', `There is no table "${relationTable}".`, {
      relationTable: 'No such table.',
    });
  return target;
}

function checkEnumOptions(type: ColumnType, options: string[] | undefined | null) {
  if (type !== 'enum') return;
  if (!options?.length)
    throw new DataAccessError('VALIDATION', 'An enum needs at least one option.', {
      enumOptions: 'Add at least one option.',
    });
  if (new Set(options).size !== options.length)
    throw new DataAccessError('VALIDATION', 'Enum options must be different from each other.', {
      enumOptions: 'Duplicate option.',
    });
}

function assertNameFree(table: TableInfo, name: string, exceptId?: number) {
  const clash = table.columns.find((c) => c.name.toLowerCase() === name.toLowerCase() && c.id !== exceptId);
  if (clash)
    throw new DataAccessError('CONFLICT', `Table "${table.name}" already has a column "${clash.name}".`, {
      name: 'Taken.',
    });
}

/** Runs DDL and turns constraint failures into errors a builder understands. */
async function runDdl(tx: Executor, statement: ReturnType<typeof sql>, what: string) {
  try {
    await tx.execute(statement);
  } catch (error) {
    const info = pgErrorInfo(error);
    if (info?.code === '23505') throw new DataAccessError('CONFLICT', `${what}: some rows have the same value.`);
    if (info?.code === '23503')
      throw new DataAccessError('CONFLICT', `${what}: some values point at rows that do not exist.`);
    if (info?.code === '23502') throw new DataAccessError('VALIDATION', `${what}: some rows have no value.`);
    if (info?.code === '23514') throw new DataAccessError('VALIDATION', `${what}: some values are not allowed.`);
    if (info?.code?.startsWith('22')) throw new DataAccessError('VALIDATION', `${what}: ${info.message}`);
    throw error;
  }
}

/** Adds one column (metadata + DDL) inside the caller's transaction. */
export async function addColumnIn(tx: Executor, table: TableInfo, input: ColumnDef, options: ColumnOptions = {}) {
  const def = parseInput(columnDefSchema, input);
  assertChangeable(table, options.allowSystem);
  if (!options.physicalName) assertValidName(def.name, 'column');
  assertNameFree(table, def.name);
  checkEnumOptions(def.type, def.enumOptions);
  const target = def.type === 'relation' ? await resolveRelationTarget(tx, table, def.relationTable) : null;
  const defaultValue = coerceDefault(def);
  const rows = await rowCount(tx, table);
  if (def.required && rows > 0 && defaultValue === null)
    throw new DataAccessError(
      'VALIDATION',
      `Table "${table.name}" already has ${rows} rows: give the required column "${def.name}" a default value.`,
      { default: 'Required for a required column on a table with rows.' },
    );

  const [{ next }] = await executeRows<{ next: number }>(
    tx,
    sql`select nextval(pg_get_serial_sequence('data_column', 'id'))::int as next`,
  );
  const physicalName = options.physicalName ?? `c_${next}`;
  const [{ position }] = await executeRows<{ position: number }>(
    tx,
    sql`select coalesce(max(position), 0)::int + 1 as position from data_column where table_id = ${table.id}`,
  );
  await tx.insert(dataColumns).values({
    id: next,
    tableId: table.id,
    name: def.name,
    physicalName,
    type: def.type,
    enumOptions: def.type === 'enum' ? def.enumOptions : null,
    relationTableId: target?.id ?? null,
    required: def.required ?? false,
    isUnique: def.unique ?? false,
    defaultValue,
    position,
  });
  const column = { physicalName, type: def.type, enumOptions: def.enumOptions };
  await tx.execute(addColumnSql(table, column));
  if (defaultValue !== null && rows > 0)
    await tx.execute(sql`update ${qualified(table)} set ${id(physicalName)} = ${valueParam(def.type, defaultValue)}`);
  if (def.required)
    await tx.execute(sql`alter table ${qualified(table)} alter column ${id(physicalName)} set not null`);
  if (def.type === 'enum') await runDdl(tx, enumCheckSql(table, column), `Column "${def.name}"`);
  if (target) await runDdl(tx, foreignKeySql(table, column, target), `Column "${def.name}"`);
  if (def.unique) await runDdl(tx, uniqueSql(table, column), `Column "${def.name}" cannot be unique`);
  const index = sortIndexSql(table, column);
  if (index) await tx.execute(index);
}

export async function addColumn(
  db: Executor,
  projectId: number,
  tableName: string,
  def: ColumnDef,
  options: ColumnOptions = {},
): Promise<TableInfo> {
  return db.transaction(async (tx) => {
    const table = await loadTable(tx, projectId, tableName);
    await addColumnIn(tx, table, def, options);
    return loadTableById(tx, table.id);
  });
}

/** Clears values that cannot survive a change, once confirmed; returns how many there were. */
async function clearUnconvertible(
  tx: Executor,
  table: TableInfo,
  column: ColumnInfo,
  ok: ReturnType<typeof sql>,
  describe: (n: number) => string,
  confirm: boolean | undefined,
) {
  const col = id(column.physicalName);
  const lost = await rowCount(tx, table, sql`${col} is not null and not ${ok}`);
  if (lost === 0) return;
  if (!confirm)
    throw new DataAccessError('CONFLICT', `${describe(lost)} Confirm to go ahead.`, undefined, {
      confirmationRequired: true,
    });
  if (column.required)
    throw new DataAccessError(
      'VALIDATION',
      `${describe(lost)} Make "${column.name}" optional first: a required column cannot be cleared.`,
    );
  await tx.execute(sql`update ${qualified(table)} set ${col} = null where ${col} is not null and not ${ok}`);
}

/** Renames, retypes or reconfigures a column; data-losing changes need `confirm`. */
export async function updateColumn(
  db: Executor,
  projectId: number,
  tableName: string,
  columnName: string,
  input: ColumnChange,
  options: ColumnOptions = {},
): Promise<TableInfo> {
  const change = parseInput(columnChangeSchema, input);
  return db.transaction(async (tx) => {
    const table = await loadTable(tx, projectId, tableName);
    assertChangeable(table, options.allowSystem);
    const column = findColumn(table, columnName);
    const col = sql`${id(column.physicalName)}`;
    const updates: Partial<typeof dataColumns.$inferInsert> = {};
    if (change.name !== undefined && change.name !== column.name) {
      assertValidName(change.name, 'column');
      assertNameFree(table, change.name, column.id);
      updates.name = change.name;
    }
    const label = change.name ?? column.name;

    const type = change.type ?? column.type;
    const enumOptions = type === 'enum' ? (change.enumOptions ?? column.enumOptions) : null;
    checkEnumOptions(type, enumOptions);
    let target: TableInfo | null = null;
    if (type === 'relation') {
      const targetName = change.relationTable ?? (column.type === 'relation' ? column.relationTable : undefined);
      target = await resolveRelationTarget(tx, table, targetName ?? undefined);
    }
    const retarget = type === 'relation' && target?.id !== column.relationTableId;
    const optionsChanged = type === 'enum' && JSON.stringify(enumOptions) !== JSON.stringify(column.enumOptions);
    if (type !== column.type || retarget || optionsChanged) {
      await tx.execute(dropConstraintSql(table, `ck_${column.physicalName}`));
      await tx.execute(dropConstraintSql(table, `fk_${column.physicalName}`));
      const ok = convertibleSql(col, column.type, type, { enumOptions, target: target ?? undefined });
      await clearUnconvertible(
        tx,
        table,
        column,
        ok,
        (n) =>
          type === column.type && type === 'enum'
            ? `Column '${column.name}' has ${plural(n, 'value')} that are no longer options and would be cleared.`
            : `Column '${column.name}' has ${plural(n, 'value')} that cannot become ${type} and would be cleared.`,
        options.confirm,
      );
      if (type !== column.type) {
        if (type === 'json' || column.type === 'json')
          await tx.execute(sql`drop index if exists ${id(table.schemaName)}.${id(`ix_${column.physicalName}`)}`);
        await runDdl(
          tx,
          sql`alter table ${qualified(table)} alter column ${col} type ${sql.raw(PG_TYPES[type])} using ${convertSql(col, column.type, type)}`,
          `Column "${label}" cannot become ${type}`,
        );
        const index = column.type === 'json' ? sortIndexSql(table, { physicalName: column.physicalName, type }) : null;
        if (index) await tx.execute(index);
      }
      const physical = { physicalName: column.physicalName, type, enumOptions };
      if (type === 'enum') await runDdl(tx, enumCheckSql(table, physical), `Column "${label}"`);
      if (target) await runDdl(tx, foreignKeySql(table, physical, target), `Column "${label}"`);
      Object.assign(updates, { type, enumOptions, relationTableId: target?.id ?? null });
      if (column.type === 'relation' && type !== 'relation')
        await tx
          .update(dataTables)
          .set({ ownerColumnId: null })
          .where(and(eq(dataTables.id, table.id), eq(dataTables.ownerColumnId, column.id)));
    }

    // A default that no longer fits the new type is dropped rather than guessed at.
    const defaultValue =
      change.default !== undefined
        ? coerceDefault({ type, enumOptions, default: change.default })
        : keptDefault(column, type, enumOptions);
    if (change.default !== undefined || type !== column.type) updates.defaultValue = defaultValue;

    if (change.required !== undefined && change.required !== column.required) {
      if (change.required) {
        const empty = await rowCount(tx, table, sql`${col} is null`);
        if (empty > 0 && defaultValue === null)
          throw new DataAccessError(
            'VALIDATION',
            `Column '${label}' is empty in ${plural(empty, 'row')}: fill them or give it a default first.`,
            {
              required: 'Some rows have no value.',
            },
          );
        if (empty > 0)
          await tx.execute(
            sql`update ${qualified(table)} set ${col} = ${valueParam(type, defaultValue)} where ${col} is null`,
          );
        await tx.execute(sql`alter table ${qualified(table)} alter column ${col} set not null`);
      } else {
        await tx.execute(sql`alter table ${qualified(table)} alter column ${col} drop not null`);
      }
      updates.required = change.required;
    }
    if (change.unique !== undefined && change.unique !== column.unique) {
      if (change.unique) await runDdl(tx, uniqueSql(table, column), `Column "${label}" cannot be unique`);
      else await tx.execute(dropConstraintSql(table, `uq_${column.physicalName}`));
      updates.isUnique = change.unique;
    }
    if (Object.keys(updates).length > 0) await tx.update(dataColumns).set(updates).where(eq(dataColumns.id, column.id));
    return loadTableById(tx, table.id);
  });
}

/** Drops a column; if it holds values, only with `confirm`. */
export async function removeColumn(
  db: Executor,
  projectId: number,
  tableName: string,
  columnName: string,
  options: ColumnOptions = {},
): Promise<TableInfo> {
  return db.transaction(async (tx) => {
    const table = await loadTable(tx, projectId, tableName);
    assertChangeable(table, options.allowSystem);
    const column = findColumn(table, columnName);
    const values = await rowCount(tx, table, sql`${id(column.physicalName)} is not null`);
    if (values > 0 && !options.confirm)
      throw new DataAccessError(
        'CONFLICT',
        `Column '${column.name}' has ${plural(values, 'value')} that would be deleted. Confirm to go ahead.`,
        undefined,
        {
          confirmationRequired: true,
        },
      );
    await tx.execute(sql`alter table ${qualified(table)} drop column ${id(column.physicalName)}`);
    await tx
      .update(dataTables)
      .set({ ownerColumnId: null })
      .where(and(eq(dataTables.id, table.id), eq(dataTables.ownerColumnId, column.id)));
    await tx.delete(dataColumns).where(eq(dataColumns.id, column.id));
    return loadTableById(tx, table.id);
  });
}

/**
 * Marks columns as written by the server only (or no longer): end users and visitors may then not set or
 * change them (payments mark the bound order table's amount, currency and status). Column ids, so a rename
 * keeps the mark.
 */
export async function setSystemManagedColumns(
  tx: Executor,
  projectId: number,
  tableName: string,
  columnIds: number[],
  managed = true,
): Promise<TableInfo> {
  const table = await loadTable(tx, projectId, tableName);
  const ids = columnIds.filter((columnId) => table.columns.some((c) => c.id === columnId));
  for (const columnId of ids)
    await tx
      .update(dataColumns)
      .set({ systemManaged: managed })
      .where(and(eq(dataColumns.id, columnId), eq(dataColumns.tableId, table.id)));
  return ids.length > 0 ? loadTableById(tx, table.id) : table;
}
