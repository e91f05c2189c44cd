import { type SQL, sql } from 'drizzle-orm';
import { id } from './ddl';
import { DataAccessError } from './errors';
import type { Actor, Filter, PermissionScope, Sort, TableInfo } from './types';
import { FILTER_OPS } from './types';
import { coerceValue, type Field, valueParam } from './values';

// WHERE / ORDER BY building for the data-access layer. Names from callers are
// only ever looked up in the table's metadata; SQL sees physical names, quoted.

export function fieldByName(fields: Field[], name: unknown, purpose: string): Field {
  const field = typeof name === 'string' ? fields.find((f) => f.name === name) : undefined;
  if (!field)
    throw new DataAccessError('VALIDATION', `Cannot ${purpose} by "${String(name)}": there is no such column.`, {
      [String(name)]: 'No such column.',
    });
  return field;
}

function typedValue(field: Field, value: unknown): SQL {
  const coerced = coerceValue(field, value);
  if (!coerced.ok)
    throw new DataAccessError('VALIDATION', `Filter on "${field.name}": ${coerced.error}`, {
      [field.name]: coerced.error,
    });
  return valueParam(field.type, coerced.value);
}

export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

// "≠ x" includes empty values, as a person reads it (SQL's <> would silently drop rows whose value is null).
const COMPARE: Record<string, string> = { eq: '=', neq: 'is distinct from', lt: '<', lte: '<=', gt: '>', gte: '>=' };

export function filterSql(fields: Field[], filter: Filter): SQL {
  if (!filter || typeof filter !== 'object') throw new DataAccessError('VALIDATION', 'A filter must be an object.');
  const field = fieldByName(fields, filter.column, 'filter');
  if (!(FILTER_OPS as readonly string[]).includes(filter.op))
    throw new DataAccessError('VALIDATION', `Unknown filter operator "${String(filter.op)}".`);
  const col = id(field.physicalName);
  switch (filter.op) {
    case 'is_null':
      return sql`${col} is null`;
    case 'not_null':
      return sql`${col} is not null`;
    case 'contains':
      if (field.type !== 'text' && field.type !== 'enum')
        throw new DataAccessError('VALIDATION', `"contains" works on text columns; "${field.name}" is ${field.type}.`);
      if (typeof filter.value !== 'string')
        throw new DataAccessError('VALIDATION', '"contains" needs text.', { [field.name]: 'Must be text.' });
      return sql`${col} ilike ${`%${escapeLike(filter.value)}%`}`;
    case 'in': {
      if (!Array.isArray(filter.value) || filter.value.length > 1000)
        throw new DataAccessError('VALIDATION', '"in" needs a list of at most 1000 values.', {
          [field.name]: 'Must be a list.',
        });
      if (filter.value.length === 0) return sql`false`;
      return sql`${col} in (${sql.join(
        filter.value.map((v) => typedValue(field, v)),
        sql`, `,
      )})`;
    }
    default:
      if (field.type === 'json' && filter.op !== 'eq' && filter.op !== 'neq')
        throw new DataAccessError('VALIDATION', `JSON column "${field.name}" can only be compared for equality.`);
      if (filter.value === null || filter.value === undefined)
        throw new DataAccessError('VALIDATION', `Filter on "${field.name}" needs a value (use is_null for empty).`, {
          [field.name]: 'Needs a value.',
        });
      return sql`${col} ${sql.raw(COMPARE[filter.op])} ${typedValue(field, filter.value)}`;
  }
}

/** Text and enum columns, case-insensitively. */
export function searchSql(fields: Field[], search: string): SQL {
  const pattern = `%${escapeLike(search)}%`;
  const searchable = fields.filter((f) => f.type === 'text' || f.type === 'enum');
  if (searchable.length === 0) return sql`false`;
  return sql`(${sql.join(
    searchable.map((f) => sql`${id(f.physicalName)} ilike ${pattern}`),
    sql` or `,
  )})`;
}

/** Row scope: "own" means the owner column (or, on the end-user table, the id) is the signed-in end user. */
export function scopeSql(table: TableInfo, actor: Actor, scope: PermissionScope): SQL {
  if (scope === 'all') return sql`true`;
  if (actor.kind !== 'endUser' || !table.ownerColumn) return sql`false`;
  const owner = table.isEndUserTable ? 'id' : table.columns.find((c) => c.name === table.ownerColumn)?.physicalName;
  return owner ? sql`${id(owner)} = ${actor.userId}::integer` : sql`false`;
}

export function andAll(parts: SQL[]): SQL {
  return parts.length === 0
    ? sql`true`
    : sql.join(
        parts.map((p) => sql`(${p})`),
        sql` and `,
      );
}

export interface SortKey {
  field: Field;
  direction: 'asc' | 'desc';
  /** Never null (built-in or required): lets the single-key path skip its null phase. */
  notNull: boolean;
}

export function sortKeys(fields: Field[], sort: Sort[] | undefined): SortKey[] {
  if (sort !== undefined && (!Array.isArray(sort) || sort.length > 5))
    throw new DataAccessError('VALIDATION', 'Sort by at most five columns.');
  const keys: SortKey[] = [];
  for (const s of sort ?? []) {
    const field = fieldByName(fields, s?.column, 'sort');
    if (field.type === 'json') throw new DataAccessError('VALIDATION', `JSON column "${field.name}" cannot be sorted.`);
    if (s.direction !== 'asc' && s.direction !== 'desc')
      throw new DataAccessError('VALIDATION', 'Sort direction is asc or desc.');
    if (keys.some((k) => k.field === field)) continue;
    keys.push({ field, direction: s.direction, notNull: field.builtin || Boolean(field.column?.required) });
    if (field.name === 'id') return keys;
  }
  // id breaks ties, in the first key's direction so one (column, id) index serves the whole order.
  const idField = fields.find((f) => f.name === 'id') as Field;
  keys.push({ field: idField, direction: keys[0]?.direction ?? 'asc', notNull: true });
  return keys;
}

export function orderBySql(keys: SortKey[]): SQL {
  return sql.join(
    keys.map(
      (k) => sql`${id(k.field.physicalName)} ${sql.raw(k.direction === 'asc' ? 'asc nulls last' : 'desc nulls first')}`,
    ),
    sql`, `,
  );
}

// Cursor: the sort keys' values as PostgreSQL text (full timestamp precision), base64url JSON.
export function encodeCursor(values: (string | null)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(keys: SortKey[], cursor: string): (string | null)[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    values = null;
  }
  const valid =
    Array.isArray(values) &&
    values.length === keys.length &&
    values.every((v, i) => (v === null ? !keys[i].notNull : typeof v === 'string' && v.length < 1000)) &&
    values[values.length - 1] !== null;
  if (!valid) throw new DataAccessError('VALIDATION', 'This page cursor is not valid for this query.');
  return values as (string | null)[];
}

function cursorParam(key: SortKey, value: string): SQL {
  const type = key.field.type === 'enum' ? 'text' : key.field.type;
  // Decimal/integer/timestamp text is checked so a forged cursor fails with a clear error, not a cast error.
  if (
    type !== 'text' &&
    type !== 'timestamp' &&
    type !== 'boolean' &&
    !coerceValue({ type, enumOptions: null }, value).ok
  )
    throw new DataAccessError('VALIDATION', 'This page cursor is not valid for this query.');
  return valueParam(type, value);
}

/**
 * Keyset condition(s) for "rows after the cursor". Nulls sort last ascending
 * and first descending (PostgreSQL's defaults, which (column, id) indexes serve).
 * The common single-column case is split in index-friendly phases: a row
 * comparison, then (if the page is not full) the null block.
 */
export function afterCursorSql(keys: SortKey[], values: (string | null)[]): SQL[] {
  const cols = keys.map((k) => id(k.field.physicalName));
  if (keys.length === 2) {
    const [key, idKey] = keys;
    const [col, idCol] = cols;
    const [v, lastId] = values as [string | null, string];
    const idParam = cursorParam(idKey, lastId);
    const op = sql.raw(key.direction === 'asc' ? '>' : '<');
    if (v !== null) {
      const rowCompare = sql`(${col}, ${idCol}) ${op} (${cursorParam(key, v)}, ${idParam})`;
      if (key.direction === 'desc' || key.notNull) return [rowCompare];
      return [rowCompare, sql`${col} is null`];
    }
    const inNulls = sql`${col} is null and ${idCol} ${op} ${idParam}`;
    return key.direction === 'asc' ? [inNulls] : [inNulls, sql`${col} is not null`];
  }
  const params = keys.map((k, i) => (values[i] === null ? null : cursorParam(k, values[i] as string)));
  const ors: SQL[] = [];
  keys.forEach((key, i) => {
    const equal = keys
      .slice(0, i)
      .map((_, j) => (params[j] === null ? sql`${cols[j]} is null` : sql`${cols[j]} = ${params[j]}`));
    const p = params[i];
    let after: SQL;
    if (key.direction === 'asc') after = p === null ? sql`false` : sql`(${cols[i]} > ${p} or ${cols[i]} is null)`;
    else after = p === null ? sql`${cols[i]} is not null` : sql`${cols[i]} < ${p}`;
    ors.push(andAll([...equal, after]));
  });
  return [
    sql.join(
      ors.map((o) => sql`(${o})`),
      sql` or `,
    ),
  ];
}
