import { entityKind, Name, Param, SQL, StringChunk } from 'drizzle-orm';

/**
 * A drizzle `sql` template's PostgreSQL text and parameters, as drizzle's `dialect.sqlToQuery` gives them, for the
 * hot statements (`preparedRows`): those are built from strings, nested `sql`, `sql.join`, `sql.identifier`,
 * `sql.raw`, lists and plain values. drizzle's own builder tests every chunk against nine entity classes by walking
 * prototype chains and merges one object per chunk: 7-9 % of the webhook bench server's busy time. Anything else (a
 * table or column object, a placeholder, inlined parameters, an encoder returning SQL) returns null and the caller
 * uses drizzle's builder, so the text is always drizzle's.
 */
export function queryText(query: SQL): { sql: string; params: unknown[] } | null {
  const text: string[] = [];
  const params: unknown[] = [];
  return walk(query.queryChunks, text, params) ? { sql: text.join(''), params } : null;
}

function walk(chunks: readonly unknown[], text: string[], params: unknown[]): boolean {
  for (const chunk of chunks) {
    if (chunk === undefined) continue;
    if (typeof chunk === 'function') return false; // a pgEnum
    if (chunk === null || typeof chunk !== 'object') {
      params.push(chunk);
      text.push(`$${params.length}`);
    } else if (chunk instanceof StringChunk) {
      text.push(chunk.value.join(''));
    } else if (chunk instanceof SQL) {
      if ((chunk as unknown as { shouldInlineParams: boolean }).shouldInlineParams) return false;
      if (!walk(chunk.queryChunks, text, params)) return false;
    } else if (chunk instanceof Name) {
      text.push(`"${chunk.value.replace(/"/g, '""')}"`);
    } else if (Array.isArray(chunk)) {
      text.push('(');
      for (let i = 0; i < chunk.length; i++) {
        if (i > 0) text.push(', ');
        if (!walk([chunk[i]], text, params)) return false;
      }
      text.push(')');
    } else if (chunk instanceof Param) {
      const raw = chunk.value as unknown;
      if (raw !== null && typeof raw === 'object' && isDrizzleObject(raw)) return false; // a placeholder
      const value = raw === null ? null : chunk.encoder.mapToDriverValue(raw);
      if (value !== null && typeof value === 'object' && isDrizzleObject(value)) return false;
      params.push(value);
      text.push(`$${params.length}`);
    } else if (isDrizzleObject(chunk)) {
      return false; // a table, column, view, placeholder, subquery…: drizzle's builder knows them
    } else {
      params.push(chunk); // a plain object value (a Date, a Buffer…), a parameter as drizzle makes it
      text.push(`$${params.length}`);
    }
  }
  return true;
}

/** drizzle's entities and SQL wrappers (anything `sql` would not send as a plain parameter). */
function isDrizzleObject(value: object): boolean {
  const kind = (value as { constructor?: unknown }).constructor;
  return (
    (typeof kind === 'function' && entityKind in kind) || typeof (value as { getSQL?: unknown }).getSQL === 'function'
  );
}
