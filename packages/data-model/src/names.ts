import { DataAccessError } from './errors';

// Physical names are generated (t_<id>, c_<id>), so builder names never reach
// SQL; still, names that read as SQL statements or literals, PostgreSQL system
// columns and JavaScript object internals are refused so generated code and
// the REST API stay unambiguous. Domain nouns like "order" or "user" are fine.
const RESERVED = new Set(
  `all alter and as asc between by case cast constraint create cross default delete desc distinct drop else except
  exists false from grant having in inner insert intersect into is join like not null or outer primary returning revoke
  select set some table then true truncate union unique update using values when where with
  oid ctid xmin xmax cmin cmax tableoid constructor prototype hasownproperty isprototypeof tostring valueof tolocalestring`.split(
    /\s+/,
  ),
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

export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
