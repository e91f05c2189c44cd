import { type SQL, sql } from 'drizzle-orm';
import type { ColumnInfo, ColumnType, TableInfo } from './types';

/** A column as the data-access layer sees it: user columns plus id/created_at/updated_at. */
export interface Field {
  name: string;
  physicalName: string;
  type: ColumnType | 'id';
  enumOptions: string[] | null;
  builtin: boolean;
  column?: ColumnInfo;
}

export function fieldsOf(table: TableInfo): Field[] {
  return [
    { name: 'id', physicalName: 'id', type: 'id', enumOptions: null, builtin: true },
    { name: 'created_at', physicalName: 'created_at', type: 'timestamp', enumOptions: null, builtin: true },
    { name: 'updated_at', physicalName: 'updated_at', type: 'timestamp', enumOptions: null, builtin: true },
    ...table.columns.map((c) => ({
      name: c.name,
      physicalName: c.physicalName,
      type: c.type,
      enumOptions: c.enumOptions,
      builtin: false,
      column: c,
    })),
  ];
}

export const PG_TYPES: Record<ColumnType | 'id', string> = {
  text: 'text',
  integer: 'bigint',
  decimal: 'numeric',
  boolean: 'boolean',
  timestamp: 'timestamptz',
  json: 'jsonb',
  enum: 'text',
  relation: 'integer',
  id: 'integer',
};

export type Coerced = { ok: true; value: unknown } | { ok: false; error: string };

const DECIMAL = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
const INTEGER = /^[-+]?\d+$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

function coerceInteger(value: unknown, min: number): Coerced {
  const n = typeof value === 'string' && INTEGER.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) return { ok: false, error: 'Must be a whole number.' };
  if (n < min) return { ok: false, error: `Must be at least ${min}.` };
  return { ok: true, value: n };
}

/** Checks one non-null value against a type and returns the normalised value (never throws). */
export function coerceValue(field: Pick<Field, 'type' | 'enumOptions'>, value: unknown): Coerced {
  switch (field.type) {
    case 'text':
      return typeof value === 'string' ? { ok: true, value } : { ok: false, error: 'Must be text.' };
    case 'integer':
      return coerceInteger(value, Number.MIN_SAFE_INTEGER);
    case 'id':
    case 'relation': {
      const r = coerceInteger(value, 1);
      return r.ok ? r : { ok: false, error: 'Must be the id of a row (a positive whole number).' };
    }
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value: String(value) };
      if (typeof value === 'string' && value.length <= 200 && DECIMAL.test(value.trim()))
        return { ok: true, value: value.trim() };
      return { ok: false, error: 'Must be a number.' };
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return { ok: false, error: 'Must be true or false.' };
    case 'timestamp': {
      const date =
        value instanceof Date
          ? value
          : typeof value === 'string' && ISO_TIMESTAMP.test(value.trim())
            ? new Date(value.trim())
            : null;
      if (!date || Number.isNaN(date.getTime())) return { ok: false, error: 'Must be a date and time (ISO 8601).' };
      return { ok: true, value: date.toISOString() };
    }
    case 'json':
      try {
        const text = JSON.stringify(value);
        return text === undefined ? { ok: false, error: 'Must be JSON.' } : { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, error: 'Must be JSON.' };
      }
    case 'enum':
      if (typeof value === 'string' && (field.enumOptions ?? []).includes(value)) return { ok: true, value };
      return { ok: false, error: `Must be one of: ${(field.enumOptions ?? []).join(', ')}.` };
  }
}

/** A normalised value as a typed parameter (values never become SQL text). */
export function valueParam(type: ColumnType | 'id', value: unknown): SQL {
  if (value === null || value === undefined) return sql`null::${sql.raw(PG_TYPES[type])}`;
  // postgres.js serialises by the server-inferred type: booleans must stay booleans.
  if (type === 'boolean') return sql`${value === true || value === 'true' || value === 't'}::boolean`;
  const text = type === 'json' ? JSON.stringify(value) : String(value);
  return sql`${text}::${sql.raw(PG_TYPES[type])}`;
}

/** A stored value as the caller sees it (bigint and numeric arrive as strings; both drivers parse jsonb). */
export function readValue(type: ColumnType | 'id', raw: unknown): unknown {
  if (raw === null || raw === undefined) return null;
  switch (type) {
    case 'integer':
    case 'relation':
    case 'id':
      return Number(raw);
    case 'decimal':
      return String(raw);
    case 'timestamp':
      return raw instanceof Date ? raw : new Date(String(raw));
    case 'boolean':
      return raw === true || raw === 't' || raw === 'true';
    default:
      return raw;
  }
}

export function readRow(fields: Field[], raw: Record<string, unknown>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const f of fields) row[f.name] = readValue(f.type, raw[f.physicalName]);
  return row;
}
