import { columnValueType, t, type ValueType } from '@tillflow/flow-model';
import type { FlowIoType, PageTableInfo } from './types';

/** A row of a table as bindings see it: its columns plus id and timestamps. */
export function rowValueType(table: PageTableInfo): ValueType {
  const fields: Record<string, ValueType> = { id: t.number, created_at: t.date, updated_at: t.date };
  for (const c of table.columns)
    fields[c.name] = c.type === 'relation' ? t.number : columnValueType(c.type, c.enumOptions);
  return t.object(fields);
}

export const ioValueType = (type: FlowIoType): ValueType =>
  type === 'number' ? t.number : type === 'boolean' ? t.boolean : t.string;

/** The parameter names of a path (`/orders/:orderId` → ['orderId']). */
export function pathParams(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s.startsWith(':'))
    .map((s) => s.slice(1));
}

/** The params of `actual` when it matches the pattern, else null (`/orders/:orderId` vs `/orders/12`). */
export function matchPath(pattern: string, actual: string): Record<string, string> | null {
  const a = pattern.split('/').filter(Boolean);
  const b = actual.split('/').filter(Boolean);
  if (a.length !== b.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < a.length; i++) {
    if (a[i].startsWith(':')) params[a[i].slice(1)] = decodeURIComponent(b[i]);
    else if (a[i] !== b[i].toLowerCase()) return null;
  }
  return params;
}

/** Fills a path's params (`/orders/:orderId` + { orderId: 12 } → `/orders/12`); missing ones are left as `:name`. */
export function fillPath(pattern: string, params: Record<string, unknown>): string {
  return pattern.replace(/:([a-zA-Z][a-zA-Z0-9_]*)/g, (whole, name: string) =>
    params[name] === undefined || params[name] === null || params[name] === ''
      ? whole
      : encodeURIComponent(String(params[name])),
  );
}

/** The names every binding on a page may read: `page.params.<name>` and `user` (null when signed out). */
export function pageNames(path: string): Record<string, ValueType> {
  // Address parameters arrive as text and are read as numbers where a number is wanted (a row id), so any.
  const params = Object.fromEntries(pathParams(path).map((p) => [p, t.any]));
  return {
    page: t.object({ params: t.object(params), path: t.string }),
    user: t.object({ id: t.number, email: t.string, role: t.string }),
  };
}
