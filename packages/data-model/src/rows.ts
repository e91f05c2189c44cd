import { type Executor, executeRows, preparedRows } from '@tillflow/db';
import { type SQL, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { id, qualified } from './ddl';
import { DataAccessError, pgErrorInfo } from './errors';
import { cachedTableUnchecked, loadTable, metadataVersionOf } from './metadata';
import { tableAccess } from './permissions';
import {
  afterCursorSql,
  andAll,
  decodeCursor,
  encodeCursor,
  filterSql,
  orderBySql,
  scopeSql,
  searchSql,
  sortKeys,
} from './query';
import type { Actor, Filter, QueryOptions, Row, TableInfo } from './types';
import { coerceValue, type Field, fieldsOf, readRow, valueParam } from './values';

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

function selectList(fields: Field[]): SQL {
  return sql.join(
    fields.map((f) => id(f.physicalName)),
    sql`, `,
  );
}

/** Constraint names carry the column's physical name (uq_c_12, fk_c_12), so errors land on the right field. */
async function translateWriteError(tx: Executor, table: TableInfo, error: unknown): Promise<never> {
  const info = pgErrorInfo(error);
  if (!info) throw error;
  const physical = info.constraint?.replace(/^(uq|fk|ck)_/, '');
  const column = table.columns.find((c) => c.physicalName === physical);
  const field = column?.name ?? 'row';
  switch (info.code) {
    case '23505':
      throw new DataAccessError('CONFLICT', `Another row already has this ${field}.`, {
        [field]: 'Must be unique; another row has this value.',
      });
    case '23001': // restrict_violation (ON DELETE RESTRICT)
    case '23503': {
      if (column) {
        const message = `There is no row with this id in table "${column.relationTable}".`;
        throw new DataAccessError('VALIDATION', message, { [field]: message });
      }
      // A delete blocked by a relation from another table: name it.
      const [ref] = await executeRows<{ table_name: string; column_name: string }>(
        tx,
        sql`select t.name as table_name, c.name as column_name from data_column c join data_table t on t.id = c.table_id
            where t.project_id = ${table.projectId} and c.physical_name = ${physical ?? ''}`,
      );
      throw new DataAccessError(
        'CONFLICT',
        ref
          ? `These rows are still referenced by "${ref.table_name}.${ref.column_name}".`
          : 'These rows are still referenced by another table.',
      );
    }
    case '23502':
      throw new DataAccessError('VALIDATION', `"${field}" is required.`, { [field]: 'Required.' });
    case '23514':
      throw new DataAccessError('VALIDATION', `"${field}" has a value that is not allowed.`, {
        [field]: 'Not an allowed value.',
      });
    default:
      if (info.code?.startsWith('22')) throw new DataAccessError('VALIDATION', `A value is not valid: ${info.message}`);
      throw error;
  }
}

/**
 * A write's rows: a prepared statement when the table's description carries its metadata version (named
 * in the text as a comment, so after any DDL of the project the statement is a new one, planned for
 * today's columns), else a plain one.
 */
function writeRows(tx: Executor, table: TableInfo, query: SQL): Promise<Record<string, unknown>[]> {
  const version = metadataVersionOf(table);
  if (!version || !/^\d+$/.test(version)) return executeRows<Record<string, unknown>>(tx, query);
  return preparedRows<Record<string, unknown>>(tx, sql`${query} /* metadata ${sql.raw(version)} */`);
}

/** A read's rows: prepared like a write's when the caller asks (QueryOptions.prepare), else a plain statement. */
function readRows(tx: Executor, table: TableInfo, prepare: boolean, query: SQL): Promise<Record<string, unknown>[]> {
  return prepare ? writeRows(tx, table, query) : executeRows<Record<string, unknown>>(tx, query);
}

async function guarded<T>(tx: Executor, table: TableInfo, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DataAccessError) throw error;
    return translateWriteError(tx, table, error);
  }
}

function whereFor(
  table: TableInfo,
  fields: Field[],
  actor: Actor,
  scope: 'all' | 'own',
  filters: Filter[] | undefined,
  search?: string,
): SQL[] {
  if (filters !== undefined && !Array.isArray(filters))
    throw new DataAccessError('VALIDATION', 'Filters must be a list.');
  const parts = (filters ?? []).map((f) => filterSql(fields, f));
  if (typeof search === 'string' && search.trim() !== '') parts.push(searchSql(fields, search.trim()));
  if (scope === 'own') parts.push(scopeSql(table, actor, scope));
  return parts;
}

/** A page of rows the actor may read, in keyset order; pass nextCursor back as `after` for the next page. */
export async function queryRows(
  tx: Executor,
  projectId: number,
  actor: Actor,
  tableName: string,
  options: QueryOptions = {},
): Promise<{ rows: Row[]; nextCursor: string | null }> {
  const table = await loadTable(tx, projectId, tableName);
  const scope = await tableAccess(tx, table, actor, 'read');
  const fields = fieldsOf(table);
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw new DataAccessError('VALIDATION', `limit must be a whole number from 1 to ${MAX_LIMIT}.`);
  const keys = sortKeys(fields, options.sort);
  const base = whereFor(table, fields, actor, scope, options.filters, options.search);
  const phases = options.after ? afterCursorSql(keys, decodeCursor(keys, options.after)) : [sql`true`];
  const keyList = sql.join(
    keys.map((k, i) => sql`${id(k.field.physicalName)}::text as ${id(`__k${i}`)}`),
    sql`, `,
  );

  const raw: Record<string, unknown>[] = [];
  await guarded(tx, table, async () => {
    for (const phase of phases) {
      const want = limit + 1 - raw.length;
      if (want <= 0) break;
      raw.push(
        ...(await readRows(
          tx,
          table,
          options.prepare === true,
          sql`select ${selectList(fields)}, ${keyList} from ${qualified(table)}
              where ${andAll([...base, phase])} order by ${orderBySql(keys)} limit ${want}`,
        )),
      );
    }
  });
  const page = raw.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor =
    raw.length > limit && last ? encodeCursor(keys.map((_, i) => (last[`__k${i}`] as string | null) ?? null)) : null;
  return { rows: page.map((r) => readRow(fields, r) as Row), nextCursor };
}

export async function getRow(
  tx: Executor,
  projectId: number,
  actor: Actor,
  tableName: string,
  rowId: number,
): Promise<Row | null> {
  const { rows } = await queryRows(tx, projectId, actor, tableName, {
    filters: [{ column: 'id', op: 'eq', value: rowId }],
    limit: 1,
  });
  return rows[0] ?? null;
}

/** Checks every value against its column; collects all problems before failing. */
function validateValues(table: TableInfo, values: unknown, mode: 'insert' | 'update'): Map<Field, unknown> {
  if (!values || typeof values !== 'object' || Array.isArray(values))
    throw new DataAccessError('VALIDATION', 'Values must be an object.');
  const fields = fieldsOf(table);
  const errors: Record<string, string> = {};
  const out = new Map<Field, unknown>();
  for (const key of Object.keys(values)) {
    const field = fields.find((f) => f.name === key);
    if (!field) errors[key] = 'No such column.';
    else if (field.builtin) errors[key] = 'Set automatically; cannot be written.';
  }
  for (const field of fields) {
    if (field.builtin) continue;
    const column = field.column;
    let value = (values as Record<string, unknown>)[field.name];
    if (value === undefined && mode === 'update') continue;
    if (value === undefined) value = column?.default ?? null;
    if (value === null || value === '') {
      if (value === '' && field.type === 'text') {
        if (column?.required) errors[field.name] = 'Required.';
        else out.set(field, value);
        continue;
      }
      if (column?.required) errors[field.name] = 'Required.';
      else out.set(field, null);
      continue;
    }
    const coerced = coerceValue(field, value);
    if (!coerced.ok) errors[field.name] = coerced.error;
    else out.set(field, coerced.value);
  }
  if (Object.keys(errors).length > 0) {
    const summary = Object.entries(errors)
      .map(([k, v]) => `${k}: ${v}`)
      .join(' ');
    throw new DataAccessError('VALIDATION', `Some values are not valid. ${summary}`, errors);
  }
  return out;
}

/**
 * A system-managed column (e.g. an order's amount, currency and status once payments are bound) is written by
 * the server only: the builder, flows and API keys. An end user or visitor naming one, with any value, is
 * refused before anything is written, whatever path the write came by (app pages, page actions, REST).
 */
function refuseSystemManaged(table: TableInfo, actor: Actor, values: unknown, mode: 'insert' | 'update') {
  if (actor.kind === 'builder' || actor.kind === 'backend') return;
  if (!values || typeof values !== 'object' || Array.isArray(values)) return;
  const sent = table.columns.filter(
    (c) =>
      c.systemManaged && Object.hasOwn(values, c.name) && (values as Record<string, unknown>)[c.name] !== undefined,
  );
  if (sent.length === 0) return;
  const names = sent.map((c) => `"${c.name}"`).join(', ');
  const fieldErrors = Object.fromEntries(
    sent.map((c) => [c.name, 'Set by the shop, not by the person using the app; remove this field.']),
  );
  throw new DataAccessError(
    'FORBIDDEN',
    `${names} of "${table.name}" ${sent.length === 1 ? 'is' : 'are'} set by the shop (payments decide ${
      sent.length === 1 ? 'it' : 'them'
    }), so ${sent.length === 1 ? 'it' : 'they'} cannot be ${mode === 'insert' ? 'filled in' : 'changed'} here. ` +
      'Remove the field from the form or the request.',
    fieldErrors,
  );
}

/** End users create rows as themselves: the owner column defaults to them and cannot name someone else. */
function applyOwner(
  table: TableInfo,
  actor: Actor,
  scope: 'all' | 'own',
  values: Map<Field, unknown>,
  mode: 'insert' | 'update',
) {
  if (!table.ownerColumn || table.isEndUserTable) return;
  // The map's own Field object: insert validation puts every column in it.
  const owner =
    [...values.keys()].find((f) => f.name === table.ownerColumn) ??
    fieldsOf(table).find((f) => f.name === table.ownerColumn);
  if (!owner) return;
  if (actor.kind === 'endUser' && mode === 'insert' && (values.get(owner) ?? null) === null)
    values.set(owner, actor.userId);
  if (scope !== 'own' || !values.has(owner)) return;
  if (actor.kind !== 'endUser' || values.get(owner) !== actor.userId)
    throw new DataAccessError('FORBIDDEN', `You can only ${mode} rows you own.`, { [owner.name]: 'Must be you.' });
}

export async function insertRow(
  tx: Executor,
  projectId: number,
  actor: Actor,
  tableName: string,
  values: Record<string, unknown>,
  options: {
    /**
     * Values the server decides, written even into system-managed columns after the actor's own rights are
     * checked (the app's Buy writes the catalog's price into the order it creates for the shopper).
     */
    serverValues?: Record<string, unknown>;
  } = {},
): Promise<Row> {
  // Outside a transaction, with the table cached: one statement that checks the metadata version itself.
  if (!(tx instanceof PgTransaction)) {
    const row = await insertAtCachedVersion(tx, projectId, actor, tableName, values, options.serverValues);
    if (row) return row;
  }
  const table = await loadTable(tx, projectId, tableName);
  const scope = await tableAccess(tx, table, actor, 'insert');
  refuseSystemManaged(table, actor, values, 'insert');
  const checked = validateValues(
    table,
    options.serverValues && values && typeof values === 'object' ? { ...values, ...options.serverValues } : values,
    'insert',
  );
  applyOwner(table, actor, scope, checked, 'insert');
  if (scope === 'own' && actor.kind !== 'endUser')
    throw new DataAccessError('FORBIDDEN', 'Sign in to create rows here.');
  const fields = fieldsOf(table);
  const entries = [...checked.entries()];
  const body =
    entries.length === 0
      ? sql`default values`
      : sql`(${sql.join(
          entries.map(([f]) => id(f.physicalName)),
          sql`, `,
        )}) values (${sql.join(
          entries.map(([f, v]) => valueParam(f.type, v)),
          sql`, `,
        )})`;
  const [raw] = await guarded(tx, table, () =>
    writeRows(tx, table, sql`insert into ${qualified(table)} ${body} returning ${selectList(fields)}`),
  );
  return readRow(fields, raw) as Row;
}

/**
 * insertRow in one round trip: the checks run on the cached table description, and the INSERT itself adds the
 * row only while the project's metadata version is the one that description was read at. Null when it is
 * not cached, when the version moved on (nothing was written), when the statement no longer fits the
 * table's columns (a parse error: nothing was written either), or when a check refused: the caller then
 * decides everything again on fresh metadata. Only outside a transaction: there a failed statement would
 * abort the caller's transaction.
 */
async function insertAtCachedVersion(
  tx: Executor,
  projectId: number,
  actor: Actor,
  tableName: string,
  values: Record<string, unknown>,
  serverValues: Record<string, unknown> | undefined,
): Promise<Row | null> {
  const cached = typeof tableName === 'string' ? cachedTableUnchecked(projectId, tableName) : null;
  if (!cached || !metadataVersionOf(cached.table)) return null;
  const { table, guard } = cached;
  let entries: [Field, unknown][];
  try {
    const scope = await tableAccess(tx, table, actor, 'insert');
    refuseSystemManaged(table, actor, values, 'insert');
    const checked = validateValues(
      table,
      serverValues && values && typeof values === 'object' ? { ...values, ...serverValues } : values,
      'insert',
    );
    applyOwner(table, actor, scope, checked, 'insert');
    if (scope === 'own' && actor.kind !== 'endUser') return null;
    entries = [...checked.entries()];
  } catch {
    return null;
  }
  if (entries.length === 0) return null;
  const fields = fieldsOf(table);
  const query = sql`with v as (${guard})
    insert into ${qualified(table)} (${sql.join(
      entries.map(([f]) => id(f.physicalName)),
      sql`, `,
    )}) select ${sql.join(
      entries.map(([f, v]) => valueParam(f.type, v)),
      sql`, `,
    )} from v returning ${selectList(fields)}`;
  let raw: Record<string, unknown> | undefined;
  try {
    [raw] = await writeRows(tx, table, query);
  } catch (error) {
    // Syntax or access-rule class (a column or table that is gone, a type that changed), or a prepared
    // statement whose result type changed under it: decide afresh.
    const code = pgErrorInfo(error)?.code;
    if (code?.startsWith('42') || code === '0A000') return null;
    return translateWriteError(tx, table, error);
  }
  return raw ? (readRow(fields, raw) as Row) : null;
}

export async function updateRows(
  tx: Executor,
  projectId: number,
  actor: Actor,
  tableName: string,
  filters: Filter[],
  values: Record<string, unknown>,
): Promise<Row[]> {
  const table = await loadTable(tx, projectId, tableName);
  const scope = await tableAccess(tx, table, actor, 'update');
  refuseSystemManaged(table, actor, values, 'update');
  const checked = validateValues(table, values, 'update');
  if (checked.size === 0) throw new DataAccessError('VALIDATION', 'Nothing to update.');
  applyOwner(table, actor, scope, checked, 'update');
  const fields = fieldsOf(table);
  const sets = [...checked.entries()].map(([f, v]) => sql`${id(f.physicalName)} = ${valueParam(f.type, v)}`);
  sets.push(sql`updated_at = now()`);
  const where = andAll(whereFor(table, fields, actor, scope, filters));
  const raw = await guarded(tx, table, () =>
    writeRows(
      tx,
      table,
      sql`update ${qualified(table)} set ${sql.join(sets, sql`, `)} where ${where} returning ${selectList(fields)}`,
    ),
  );
  return raw.map((r) => readRow(fields, r) as Row);
}

export async function deleteRows(
  tx: Executor,
  projectId: number,
  actor: Actor,
  tableName: string,
  filters: Filter[],
): Promise<number> {
  const table = await loadTable(tx, projectId, tableName);
  const scope = await tableAccess(tx, table, actor, 'delete');
  const where = andAll(whereFor(table, fieldsOf(table), actor, scope, filters));
  // A savepoint, so a delete blocked by a relation can still look up (and name) the referencing column.
  try {
    const raw = await tx.transaction((sp) =>
      executeRows(sp, sql`delete from ${qualified(table)} where ${where} returning id`),
    );
    return raw.length;
  } catch (error) {
    if (error instanceof DataAccessError) throw error;
    return translateWriteError(tx, table, error);
  }
}
