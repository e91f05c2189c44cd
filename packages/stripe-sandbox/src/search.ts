import type { Ctx, Route } from './context';
import { invalidRequest } from './errors';
import { int, str } from './params';
import { publicView } from './render';
import { type Collection, objectsOf } from './store';

/**
 * Stripe's search query language (`/v1/<resource>/search?query=…`): clauses `field:value` (equality),
 * `field~"val"` (substring, 3 characters at least, on the fields Stripe allows it), `field>n`, `<`, `>=`, `<=`
 * (numbers), `metadata['key']:'value'`, `-` before a clause negates it, `null` for a missing value; clauses
 * joined by `AND` or by `OR` (not both in one query), at most 10. String values are quoted (' or ").
 */
type Kind = 'string' | 'number' | 'boolean' | 'substring';
interface FieldSpec {
  kind: Kind;
  get: (o: any) => unknown;
}

interface Clause {
  negate: boolean;
  field: string;
  metadataKey: string | null;
  op: ':' | '~' | '>' | '<' | '>=' | '<=';
  value: string | number | null;
}

const text = (get: (o: any) => unknown): FieldSpec => ({ kind: 'string', get });
const sub = (get: (o: any) => unknown): FieldSpec => ({ kind: 'substring', get });
const num = (get: (o: any) => unknown): FieldSpec => ({ kind: 'number', get });
const flag = (get: (o: any) => unknown): FieldSpec => ({ kind: 'boolean', get });

/** The query fields Stripe documents per resource. */
export const SEARCH_FIELDS: Record<string, { collection: Collection; fields: Record<string, FieldSpec> }> = {
  customers: {
    collection: 'customers',
    fields: {
      created: num((o) => o.created),
      email: sub((o) => o.email),
      name: sub((o) => o.name),
      phone: sub((o) => o.phone),
    },
  },
  payment_intents: {
    collection: 'payment_intents',
    fields: {
      amount: num((o) => o.amount),
      created: num((o) => o.created),
      currency: text((o) => o.currency),
      customer: text((o) => o.customer),
      status: text((o) => o.status),
    },
  },
  subscriptions: {
    collection: 'subscriptions',
    fields: { created: num((o) => o.created), status: text((o) => o.status) },
  },
  prices: {
    collection: 'prices',
    fields: {
      active: flag((o) => o.active),
      currency: text((o) => o.currency),
      lookup_key: text((o) => o.lookup_key),
      product: text((o) => o.product),
      type: text((o) => o.type),
    },
  },
  products: {
    collection: 'products',
    fields: {
      active: flag((o) => o.active),
      description: sub((o) => o.description),
      name: sub((o) => o.name),
      shippable: flag((o) => o.shippable),
      url: text((o) => o.url),
    },
  },
  invoices: {
    collection: 'invoices',
    fields: {
      created: num((o) => o.created),
      currency: text((o) => o.currency),
      customer: text((o) => o.customer),
      last_finalization_error_code: text((o) => o.last_finalization_error?.code ?? null),
      number: text((o) => o.number),
      receipt_number: text((o) => o.receipt_number),
      status: text((o) => o.status),
      subscription: text((o) => o.parent?.subscription_details?.subscription ?? null),
      total: num((o) => o.total),
    },
  },
};

function queryError(message: string): never {
  throw invalidRequest(message, 'query', 'parameter_invalid_string');
}

/** Parses a query into clauses and the one combinator joining them. */
export function parseQuery(query: string): { clauses: Clause[]; join: 'AND' | 'OR' } {
  let i = 0;
  const clauses: Clause[] = [];
  const joins = new Set<'AND' | 'OR'>();
  const skipSpace = () => {
    while (i < query.length && /\s/.test(query[i])) i++;
  };
  const quoted = (): string => {
    const quote = query[i];
    let out = '';
    i++;
    while (i < query.length && query[i] !== quote) {
      if (query[i] === '\\' && i + 1 < query.length) i++;
      out += query[i++];
    }
    if (i >= query.length) queryError(`Unterminated string in the search query at position ${i}.`);
    i++;
    return out;
  };
  for (;;) {
    skipSpace();
    if (i >= query.length) queryError('The search query is empty or ends with a combinator.');
    const negate = query[i] === '-';
    if (negate) i++;
    const fieldMatch = /^[a-z_]+/.exec(query.slice(i));
    if (!fieldMatch) queryError(`Expected a field name at position ${i} of the search query.`);
    const field = fieldMatch[0];
    i += field.length;
    let metadataKey: string | null = null;
    if (query[i] === '[') {
      if (field !== 'metadata') queryError(`Only metadata takes a key in brackets (at position ${i}).`);
      i++;
      if (query[i] !== "'" && query[i] !== '"') queryError(`Expected a quoted metadata key at position ${i}.`);
      metadataKey = quoted();
      if (query[i] !== ']') queryError(`Expected ] at position ${i} of the search query.`);
      i++;
    } else if (field === 'metadata') queryError("metadata needs a key: metadata['key']:'value'.");
    const opMatch = /^(>=|<=|:|~|>|<)/.exec(query.slice(i));
    if (!opMatch) queryError(`Expected :, ~, >, <, >= or <= after ${field} at position ${i}.`);
    const op = opMatch[0] as Clause['op'];
    i += op.length;
    let value: string | number | null;
    if (query[i] === "'" || query[i] === '"') value = quoted();
    else {
      const raw = /^[^\s]+/.exec(query.slice(i))?.[0] ?? '';
      if (!raw) queryError(`Expected a value after ${field}${op} at position ${i}.`);
      i += raw.length;
      if (raw === 'null') value = null;
      else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
      else value = raw;
    }
    clauses.push({ negate, field, metadataKey, op, value });
    skipSpace();
    if (i >= query.length) break;
    const joinMatch = /^(AND|OR)\s/i.exec(query.slice(i));
    if (!joinMatch) queryError(`Expected AND or OR at position ${i} of the search query.`);
    joins.add(joinMatch[1].toUpperCase() as 'AND' | 'OR');
    i += joinMatch[1].length;
  }
  if (joins.size > 1) queryError('A search query cannot combine AND and OR.');
  if (clauses.length > 10) queryError('A search query can have at most 10 clauses.');
  return { clauses, join: joins.has('OR') ? 'OR' : 'AND' };
}

/** A test for one object, built once per query. */
export function compileQuery(resource: string, query: string): (o: any) => boolean {
  const { fields } = SEARCH_FIELDS[resource];
  const { clauses, join } = parseQuery(query);
  const tests = clauses.map((c) => {
    let get: (o: any) => unknown;
    let kind: Kind;
    if (c.metadataKey !== null) {
      const key = c.metadataKey;
      get = (o) => o.metadata?.[key] ?? null;
      kind = 'string';
    } else {
      const spec = fields[c.field];
      if (!spec)
        queryError(
          `Field '${c.field}' is not supported for search on ${resource}. Supported fields: ${[...Object.keys(fields), 'metadata'].join(', ')}.`,
        );
      ({ get, kind } = spec);
    }
    let test: (o: any) => boolean;
    if (c.op === '~') {
      if (kind !== 'substring') queryError(`Field '${c.field}' does not support ~ (substring) matching.`);
      if (typeof c.value !== 'string' || c.value.length < 3)
        queryError('A ~ (substring) value needs at least 3 characters.');
      const needle = String(c.value).toLowerCase();
      test = (o) => {
        const v = get(o);
        return typeof v === 'string' && v.toLowerCase().includes(needle);
      };
    } else if (c.op === ':') {
      const want = c.value;
      if (want === null) test = (o) => get(o) === null || get(o) === undefined || get(o) === '';
      else if (kind === 'number') test = (o) => get(o) === Number(want);
      else if (kind === 'boolean') test = (o) => String(get(o)) === String(want).toLowerCase();
      else {
        // Stripe compares string values without regard to case.
        const w = String(want).toLowerCase();
        test = (o) => {
          const v = get(o);
          if (typeof v !== 'string') return v !== null && v !== undefined && String(v).toLowerCase() === w;
          // Lengths first: most values differ there, and lower-casing 10 000 strings is what a search costs.
          return v.length === w.length && (v === w || v.toLowerCase() === w);
        };
      }
    } else {
      if (kind !== 'number' || typeof c.value !== 'number')
        queryError(`Field '${c.field}' does not support ${c.op}; only numeric fields compare.`);
      const n = c.value as number;
      const cmp = {
        '>': (a: number) => a > n,
        '<': (a: number) => a < n,
        '>=': (a: number) => a >= n,
        '<=': (a: number) => a <= n,
      }[c.op];
      test = (o) => {
        const v = get(o);
        return typeof v === 'number' && cmp(v);
      };
    }
    return c.negate ? (o: any) => !test(o) : test;
  });
  return join === 'AND' ? (o) => tests.every((t) => t(o)) : (o) => tests.some((t) => t(o));
}

/**
 * Equality indexes over search fields: per collection (its creation-ordered list) and field, the objects by
 * lower-cased value, in creation order. Built on the first search that can use one and kept while the store's
 * change count stays the same (searches themselves are pure), so repeated searches cost their matches, not a
 * scan. Candidates are still checked against the whole query.
 */
interface FieldIndex {
  generation: number;
  byValue: Map<string, any[]>;
}
const INDEXES = new WeakMap<any[], Map<string, FieldIndex>>();

function indexKey(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? value : String(value)).toLowerCase();
}

function fieldIndex(objects: any[], name: string, get: (o: any) => unknown, generation: number): FieldIndex {
  let perField = INDEXES.get(objects);
  if (!perField) {
    perField = new Map();
    INDEXES.set(objects, perField);
  }
  const cached = perField.get(name);
  if (cached && cached.generation === generation) return cached;
  const byValue = new Map<string, any[]>();
  for (const o of objects) {
    const key = indexKey(get(o));
    if (key === null) continue;
    const list = byValue.get(key);
    if (list) list.push(o);
    else byValue.set(key, [o]);
  }
  const built = { generation, byValue };
  perField.set(name, built);
  return built;
}

/**
 * The objects a query can match, in creation order: with an AND-joined (or single) plain equality clause on a
 * text field or a metadata key, that value's entries in its index; otherwise every object.
 */
function candidates(ctx: Ctx, resource: string, query: string, objects: any[]): any[] {
  const { clauses, join } = parseQuery(query);
  if (join === 'OR' && clauses.length > 1) return objects;
  const { fields } = SEARCH_FIELDS[resource];
  for (const c of clauses) {
    if (c.negate || c.op !== ':' || c.value === null) continue;
    if (c.metadataKey !== null) {
      const key = c.metadataKey;
      const index = fieldIndex(objects, `metadata[${key}]`, (o) => o.metadata?.[key], ctx.core.store.generation);
      return index.byValue.get(String(c.value).toLowerCase()) ?? [];
    }
    const spec = fields[c.field];
    if (!spec || (spec.kind !== 'string' && spec.kind !== 'substring')) continue;
    const index = fieldIndex(objects, c.field, spec.get, ctx.core.store.generation);
    return index.byValue.get(String(c.value).toLowerCase()) ?? [];
  }
  return objects;
}

/** Runs a search over a resource's objects: newest first, `page` is the cursor `next_page` gave. */
export function search(ctx: Ctx, resource: string) {
  const query = str(ctx.query, 'query', true);
  const limit = int(ctx.query, 'limit', { min: 1 }) ?? 10;
  if (limit > 100) throw invalidRequest('This value must be less than or equal to 100.', 'limit');
  const page = str(ctx.query, 'page');
  let offset = 0;
  if (page) {
    const m = /^page_(\d+)$/.exec(page);
    if (!m) throw invalidRequest(`Invalid page: ${page}`, 'page');
    offset = Number(m[1]);
  }
  const test = compileQuery(resource, query);
  const all = candidates(ctx, resource, query, objectsOf(ctx.account, SEARCH_FIELDS[resource].collection));
  const matched: any[] = [];
  for (let k = all.length - 1; k >= 0; k--) {
    const o = all[k];
    if (!o._deleted && test(o)) matched.push(o);
  }
  const data = matched.slice(offset, offset + limit).map(publicView);
  const hasMore = offset + limit < matched.length;
  const result: Record<string, unknown> = {
    object: 'search_result',
    data,
    has_more: hasMore,
    next_page: hasMore ? `page_${offset + limit}` : null,
    url: `/v1/${resource}/search`,
  };
  const expand = ctx.query.expand;
  if (Array.isArray(expand) && expand.includes('total_count')) result.total_count = matched.length;
  return result;
}

/** `/v1/<resource>/search` routes; listed before `/v1/<resource>/:id` so `search` is never taken as an id. */
export const searchRoutes: Route[] = Object.keys(SEARCH_FIELDS).map((resource) => ({
  method: 'GET',
  path: `/v1/${resource}/search`,
  pure: true,
  handler: (ctx) => search(ctx, resource),
}));
