import { invalidRequest, resourceMissing, unknownParam } from './errors';
import { type FormObject, paramName } from './form-decode';
import { bool, int, str, strArray } from './params';
import { type Account, collectionOfId, objectsOf } from './store';

/** A stored object as the API shows it: internal `_fields` dropped, deep-copied. */
export function publicView(object: any): any {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) if (!k.startsWith('_')) out[k] = v;
  return JSON.parse(JSON.stringify(out));
}

/** Stripe's cursor pagination over newest-first objects. */
export function listObject(items: any[], query: FormObject, url: string) {
  const limit = int(query, 'limit', { min: 1 }) ?? 10;
  if (limit > 100) throw invalidRequest('This value must be less than or equal to 100.', 'limit');
  const startingAfter = str(query, 'starting_after');
  const endingBefore = str(query, 'ending_before');
  const newestFirst = [...items].reverse();
  let page: any[];
  let hasMore: boolean;
  if (startingAfter) {
    const at = newestFirst.findIndex((o) => o.id === startingAfter);
    if (at === -1) throw resourceMissing('object', startingAfter, 'starting_after');
    page = newestFirst.slice(at + 1, at + 1 + limit);
    hasMore = at + 1 + limit < newestFirst.length;
  } else if (endingBefore) {
    const at = newestFirst.findIndex((o) => o.id === endingBefore);
    if (at === -1) throw resourceMissing('object', endingBefore, 'ending_before');
    page = newestFirst.slice(Math.max(0, at - limit), at);
    hasMore = at - limit > 0;
  } else {
    page = newestFirst.slice(0, limit);
    hasMore = newestFirst.length > limit;
  }
  return { object: 'list', data: page.map(publicView), has_more: hasMore, url };
}

/** `created[gte]=…` style filters. */
export function matchesCreated(object: any, query: FormObject): boolean {
  const created = query.created;
  if (created === undefined) return true;
  if (typeof created === 'string') return object.created === Number(created);
  if (typeof created !== 'object' || Array.isArray(created)) return true;
  const c = object.created as number;
  const bound = (k: string) => (typeof created[k] === 'string' ? Number(created[k]) : undefined);
  const [gt, gte, lt, lte] = [bound('gt'), bound('gte'), bound('lt'), bound('lte')];
  return (
    (gt === undefined || c > gt) &&
    (gte === undefined || c >= gte) &&
    (lt === undefined || c < lt) &&
    (lte === undefined || c <= lte)
  );
}

/** Applies `expand[]` paths (`customer`, `latest_invoice.payments`, `data.customer`) to a rendered response. */
export function expandResponse(account: Account, response: any, params: FormObject): any {
  const paths = strArray(params, 'expand') ?? [];
  for (const path of paths) expandPath(account, response, path.split('.'), path);
  return response;
}

function expandPath(account: Account, node: any, segments: string[], full: string): void {
  if (!node || typeof node !== 'object' || segments.length === 0) return;
  const [head, ...rest] = segments;
  if (head === 'data' && node.object === 'list' && Array.isArray(node.data)) {
    for (const item of node.data) expandPath(account, item, rest, full);
    return;
  }
  if (node.object === 'checkout.session' && head === 'line_items') {
    node.line_items = lineItemsList(account, node.id);
  } else if (node.object === 'charge' && head === 'refunds') {
    const refunds = objectsOf(account, 'refunds').filter((r: any) => r.charge === node.id);
    node.refunds = {
      object: 'list',
      data: refunds.reverse().map(publicView),
      has_more: false,
      url: `/v1/charges/${node.id}/refunds`,
    };
  } else if (typeof node[head] === 'string') {
    node[head] = lookupPublic(account, node[head], full);
  } else if (Array.isArray(node[head])) {
    node[head] = node[head].map((v: unknown) => (typeof v === 'string' ? lookupPublic(account, v, full) : v));
  } else if (!(head in node)) {
    throw invalidRequest(`This property cannot be expanded (${head}).`, 'expand');
  }
  if (rest.length) {
    const next = node[head];
    if (Array.isArray(next)) for (const item of next) expandPath(account, item, rest, full);
    else expandPath(account, next, rest, full);
  }
}

function lookupPublic(account: Account, id: string, path: string): any {
  const collection = collectionOfId(id);
  const found = collection ? account.data[collection][id] : undefined;
  if (!found) throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
  return publicView(found);
}

export function lineItemsList(account: Account, sessionId: string) {
  const session = account.data.checkout_sessions[sessionId];
  const items = (session?._line_items ?? []) as any[];
  return {
    object: 'list',
    data: structuredClone(items),
    has_more: false,
    url: `/v1/checkout/sessions/${sessionId}/line_items`,
  };
}

/** A list filter: reads its parameter once, then tests each object. */
export type ListFilter = (query: FormObject, name: string) => (object: any) => boolean;
export type ListFilters = Record<string, ListFilter>;
const PAGINATION = ['limit', 'starting_after', 'ending_before', 'expand'];

/**
 * A list endpoint's answer with its filters applied. A parameter that is neither pagination nor one of
 * `filters` is refused (`parameter_unknown`), so no filter is ever silently ignored.
 */
export function filteredList(query: FormObject, items: any[], url: string, filters: ListFilters) {
  const tests: ((object: any) => boolean)[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (PAGINATION.includes(name)) continue;
    const filter = filters[name];
    if (!filter) throw unknownParam(paramName(query, name));
    if (value === '') continue;
    tests.push(filter(query, name));
  }
  return listObject(
    items.filter((o) => tests.every((t) => t(o))),
    query,
    url,
  );
}

/** `field=value`: the object's value (read by `get`) equals the parameter. */
export const equals =
  (get: (o: any) => unknown): ListFilter =>
  (query, name) => {
    const want = str(query, name);
    return (o) => get(o) === want;
  };

/** `field=true|false`. */
export const flag =
  (get: (o: any) => unknown): ListFilter =>
  (query, name) => {
    const want = bool(query, name);
    return (o) => Boolean(get(o)) === want;
  };

/** `ids[]=a&ids[]=b`: the object's value is one of the given. */
export const oneOfList =
  (get: (o: any) => unknown): ListFilter =>
  (query, name) => {
    const want = strArray(query, name) ?? [];
    return (o) => want.includes(get(o) as string);
  };

/** `created=123` or `created[gte]=…&created[lt]=…` on a timestamp. */
export const range =
  (get: (o: any) => number | null | undefined): ListFilter =>
  (query, name) => {
    const value = query[name];
    if (typeof value === 'string') {
      const at = int(query, name);
      return (o) => get(o) === at;
    }
    if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest(`Invalid ${name}`, name);
    const [gt, gte, lt, lte] = ['gt', 'gte', 'lt', 'lte'].map((k) => int(value, k));
    return (o) => {
      const t = get(o);
      if (typeof t !== 'number') return false;
      return (
        (gt === undefined || t > gt) &&
        (gte === undefined || t >= gte) &&
        (lt === undefined || t < lt) &&
        (lte === undefined || t <= lte)
      );
    };
  };

/** The `created` filter every Stripe list has. */
export const created = range((o) => o.created);
