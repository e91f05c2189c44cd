/**
 * Stripe's form encoding: `metadata[order_id]=7`, `line_items[0][price]=p`, `expand[]=x`.
 * Numeric and empty bracket segments build arrays; everything else builds objects.
 * Values stay strings: each resource coerces what it reads (see params.ts).
 */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
export type FormObject = { [key: string]: FormValue };

export function decodeForm(text: string): FormObject {
  const root: FormObject = {};
  if (!text) return root;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    const value = decodeURIComponent(rawValue.replace(/\+/g, ' '));
    assign(root, parseKey(key), value);
  }
  return compactArrays(root, '') as FormObject;
}

/** Where each decoded nested object sits in the request (`line_items[0][price_data]`), for error params. */
const PATHS = new WeakMap<object, string>();

/** The bracketed path of a decoded nested object ('' at the top level or for objects built in code). */
export function pathOf(params: object): string {
  return PATHS.get(params) ?? '';
}

/** The full parameter name of `name` inside `params`: `recurring[interval]`, `items[0][price]`. */
export function paramName(params: object, name: string): string {
  const base = pathOf(params);
  return base ? `${base}[${name}]` : name;
}

/** Marks `params` as found at `path` (for objects a handler builds from request parts). */
export function setPath<T extends object>(params: T, path: string): T {
  if (path) PATHS.set(params, path);
  return params;
}

function parseKey(key: string): string[] {
  const first = key.indexOf('[');
  if (first === -1) return [key];
  const segments = [key.slice(0, first)];
  const re = /\[([^\]]*)\]/g;
  for (let m = re.exec(key); m; m = re.exec(key)) segments.push(m[1]);
  return segments;
}

// Intermediate containers are objects; `[]` appends under a synthetic increasing index.
function assign(target: Record<string, any>, path: string[], value: string): void {
  let node = target;
  for (let i = 0; i < path.length; i++) {
    let segment = path[i];
    if (segment === '') segment = String(nextIndex(node));
    if (segment === '__proto__' || segment === 'constructor' || segment === 'prototype') return;
    if (i === path.length - 1) {
      node[segment] = value;
      return;
    }
    if (typeof node[segment] !== 'object' || node[segment] === null) node[segment] = {};
    node = node[segment];
  }
}

function nextIndex(node: Record<string, any>): number {
  const numeric = Object.keys(node)
    .filter((k) => /^\d+$/.test(k))
    .map(Number);
  return numeric.length ? Math.max(...numeric) + 1 : 0;
}

function compactArrays(value: unknown, path: string): FormValue {
  if (typeof value !== 'object' || value === null) return value as string;
  const entries = Object.entries(value as Record<string, unknown>);
  const child = (k: string) => (path ? `${path}[${k}]` : k);
  if (entries.length > 0 && entries.every(([k]) => /^\d+$/.test(k))) {
    // Array elements are named by their position after compaction, as Stripe names them.
    return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v], i) => compactArrays(v, child(String(i))));
  }
  const out: FormObject = {};
  for (const [k, v] of entries) out[k] = compactArrays(v, child(k));
  return setPath(out, path);
}
