/**
 * Makes `openapi/stripe-openapi.json`: the part of Stripe's public OpenAPI description the sandbox serves
 * (every path one of its routes answers, with the schemas those operations reach), nothing else.
 *
 *   npx tsx packages/stripe-sandbox/scripts/trim-openapi.ts /path/to/spec3.json
 *
 * Re-run it after adding a route; record a new source version in openapi/README.md.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventObjectSchema, stripeEventTypes } from '../../flow-model/scripts/stripe-event-objects';
import { ROUTES } from '../src/server';

const source = process.argv[2];
if (!source) throw new Error('usage: trim-openapi.ts <spec3.json>');
const spec = JSON.parse(readFileSync(source, 'utf8'));

const normalize = (p: string) => p.replace(/\{[^}]+\}/g, '{}').replace(/:[a-z_]+/g, '{}');
const served = new Map<string, Set<string>>();
for (const route of ROUTES) {
  const key = normalize(route.path);
  if (!served.has(key)) served.set(key, new Set());
  served.get(key)!.add(route.method.toLowerCase());
}

const paths: Record<string, any> = {};
for (const [p, item] of Object.entries<any>(spec.paths)) {
  const methods = served.get(normalize(p));
  if (!methods) continue;
  const kept: Record<string, any> = {};
  for (const method of methods) if (item[method]) kept[method] = item[method];
  if (Object.keys(kept).length) paths[p] = kept;
}

const schemas: Record<string, any> = {};
function walk(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') {
      const name = v.replace('#/components/schemas/', '');
      if (!schemas[name]) {
        schemas[name] = spec.components.schemas[name];
        walk(schemas[name]);
      }
    } else walk(v);
  }
}
walk(paths);
// Event payloads carry any object: keep the event schema itself too, and the object of every event type Stripe
// documents (flow-model's event picker, sample payloads and binding types are generated from them).
const eventObjects = stripeEventTypes(spec).map((type) => eventObjectSchema(type, spec.components.schemas));
for (const name of ['event', 'error', ...new Set(eventObjects.filter((n): n is string => n !== null))]) {
  schemas[name] = spec.components.schemas[name];
  walk(schemas[name]);
}

const sorted = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
const trimmed = {
  openapi: spec.openapi,
  info: spec.info,
  servers: spec.servers,
  paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
  components: { schemas: sorted, securitySchemes: spec.components.securitySchemes },
};
const out = path.join(path.dirname(fileURLToPath(import.meta.url)), '../openapi/stripe-openapi.json');
writeFileSync(out, `${JSON.stringify(trimmed)}\n`);
const missing = [...served.keys()].filter((p) => !Object.keys(paths).some((q) => normalize(q) === p));
console.log(
  `${Object.keys(paths).length} paths, ${Object.keys(sorted).length} schemas, ${
    Buffer.byteLength(JSON.stringify(trimmed)) >> 10
  } KiB -> ${out}`,
);
if (missing.length) console.log(`not in the description (newer than it, or sandbox-only): ${missing.join(', ')}`);

/**
 * The parameter index the sandbox checks requests against at run time (`src/spec-params.ts`): per
 * `METHOD /path`, the parameters' names and nesting only. Shapes: 0 any value; {p} an object with only
 * these keys; {o: 1} an object with any keys (metadata); {a} an array of.
 */
type Shape = 0 | { p?: Record<string, Shape>; o?: 1; a?: Shape };
function resolve(schema: any): any {
  return schema?.$ref ? spec.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
}
function shapeOf(raw: any, depth = 0): Shape {
  const schema = resolve(raw);
  if (!schema || depth > 8) return 0;
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    let merged: Shape = 0;
    for (const v of variants) merged = merge(merged, shapeOf(v, depth + 1));
    return merged;
  }
  if (schema.type === 'array') return { a: shapeOf(schema.items, depth + 1) };
  if (schema.type === 'object' || schema.properties) {
    if (!schema.properties || schema.additionalProperties) return { o: 1 };
    const p: Record<string, Shape> = {};
    for (const [k, v] of Object.entries(schema.properties)) p[k] = shapeOf(v, depth + 1);
    return { p };
  }
  return 0;
}
function merge(a: Shape, b: Shape): Shape {
  if (a === 0) return b;
  if (b === 0) return a;
  if (a.o || b.o) return { o: 1 };
  const out: { p?: Record<string, Shape>; a?: Shape } = {};
  if (a.p || b.p) {
    out.p = { ...(a.p ?? {}) };
    for (const [k, v] of Object.entries(b.p ?? {})) out.p[k] = k in out.p ? merge(out.p[k], v) : v;
  }
  if (a.a !== undefined || b.a !== undefined) out.a = merge(a.a ?? 0, b.a ?? 0);
  return out;
}
const index: Record<string, Record<string, Shape>> = {};
for (const [p, item] of Object.entries<any>(paths)) {
  for (const [method, op] of Object.entries<any>(item)) {
    const params: Record<string, Shape> = {};
    for (const param of op.parameters ?? []) if (param.in === 'query') params[param.name] = shapeOf(param.schema);
    const body = op.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
    for (const [k, v] of Object.entries<any>(resolve(body)?.properties ?? {})) params[k] = shapeOf(v);
    index[`${method.toUpperCase()} ${normalize(p)}`] = params;
  }
}
writeFileSync(path.join(path.dirname(out), 'params.json'), `${JSON.stringify(index)}\n`);
// Every event type an endpoint may subscribe to (the sandbox accepts each, as Stripe does, though it sends fewer).
writeFileSync(path.join(path.dirname(out), 'event-types.json'), `${JSON.stringify(stripeEventTypes(spec))}\n`);

// flow-model's Stripe data (event types, objects, API operations) is generated from this file: keep it in step.
console.log(
  execFileSync('npx', ['tsx', 'packages/flow-model/scripts/generate-stripe.ts'], {
    cwd: path.resolve(path.dirname(out), '../../..'),
    encoding: 'utf8',
  }).trim(),
);
