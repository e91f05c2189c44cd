import { DataAccessError } from './errors';

// PostgreSQL reserved key words (SQL:2016 reserved ones PostgreSQL refuses as
// bare identifiers) plus the names every table already has.
const RESERVED = new Set(
  `all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation
  column concurrently constraint create cross current_catalog current_date current_role current_schema current_time
  current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze
  from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit
  localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references
  returning right select session_user similar some symmetric system_user table tablesample then to trailing true union
  unique user using variadic verbose when where window with oid ctid xmin xmax cmin cmax tableoid`.split(/\s+/),
);

export const BUILTIN_COLUMNS = ['id', 'created_at', 'updated_at'] as const;

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;

/** Why a builder-chosen table or column name is not acceptable, or null. */
export function nameProblem(name: string, kind: 'table' | 'column' | 'role'): string | null {
  if (!NAME_PATTERN.test(name))
    return `A ${kind} name must start with a letter and use only letters, digits and underscores (at most 63 characters).`;
  const lower = name.toLowerCase();
  if (RESERVED.has(lower)) return `"${name}" is a reserved word; choose another ${kind} name.`;
  if (lower.startsWith('pg_')) return `A ${kind} name cannot start with "pg_".`;
  if (kind === 'column' && (BUILTIN_COLUMNS as readonly string[]).includes(lower))
    return `Every table already has a column "${lower}".`;
  return null;
}

export function assertValidName(name: string, kind: 'table' | 'column' | 'role'): void {
  const problem = nameProblem(name, kind);
  if (problem) throw new DataAccessError('VALIDATION', problem, { name: problem });
}

/**
 * A string literal for the few DDL spots that cannot take parameters (enum
 * CHECK constraints). Control characters are refused and quotes doubled;
 * standard_conforming_strings (on by default) keeps backslashes literal.
 */
export function quoteLiteral(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new DataAccessError('VALIDATION', 'Control characters are not allowed here.');
  return `'${value.replace(/'/g, "''")}'`;
}
