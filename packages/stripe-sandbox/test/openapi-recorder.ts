import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv, { type ValidateFunction } from 'ajv';
import Stripe from 'stripe';
import type { Sandbox } from '../src/index';
import { ROUTES } from '../src/server';

export interface Exchange {
  method: string;
  path: string;
  status: number;
  body: any;
}

/**
 * An HTTP proxy in front of the sandbox that keeps every `/v1` answer, so a test can drive the sandbox with
 * the official SDK and then check each body it received.
 */
export async function startRecorder(
  sandbox: Sandbox,
): Promise<{ port: number; seen: Exchange[]; close(): Promise<void> }> {
  const seen: Exchange[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const upstream = request(
        { host: '127.0.0.1', port: sandbox.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            const text = Buffer.concat(parts).toString('utf8');
            const path = (req.url ?? '').split('?')[0];
            if (path.startsWith('/v1/')) {
              seen.push({ method: req.method ?? 'GET', path, status: answer.statusCode ?? 0, body: JSON.parse(text) });
            }
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            res.end(text);
          });
        },
      );
      upstream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

export function recordedClient(port: number, key: string): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
}

const SPEC_PATH = new URL('../openapi/stripe-openapi.json', import.meta.url);

/**
 * Where the sandbox follows the installed SDK's newer API version and the pinned 2023-08-16 description
 * disagrees: fields Stripe has since removed or moved (the SDK's types win, see openapi/README.md).
 * Each entry drops `required` fields from one schema; nothing else is relaxed.
 */
export const VERSION_DRIFT: Record<string, string[]> = {
  // 2025-03-31.basil moved the current period onto subscription items.
  subscription: ['current_period_end', 'current_period_start', 'plan', 'quantity'],
  // Invoices lost `paid`, `charge`, `payment_intent`, `subscription` and friends to `payments` / `parent`.
  invoice: [
    'paid',
    'paid_out_of_band',
    'charge',
    'payment_intent',
    'subscription',
    'subscription_details',
    'subscription_proration_date',
    'application_fee_amount',
    'tax',
    'total_tax_amounts',
    'discount',
    'quote',
    'rendering_options',
    'transfer_data',
    'on_behalf_of',
    'from_invoice',
    'latest_revision',
    'account_tax_ids',
  ],
  line_item: [
    'price',
    'plan',
    'proration',
    'proration_details',
    'subscription_item',
    'type',
    'unit_amount_excluding_tax',
    'tax_amounts',
    'tax_rates',
    'amount_excluding_tax',
    'discount_amounts',
    'invoice_item',
  ],
  subscription_item: ['plan'],
  // 2024-04-10 renamed product `features` to `marketing_features`.
  product: ['features'],
  // 2025-09-30 moved a promotion code's coupon under `promotion`.
  promotion_code: ['coupon'],
  discount: ['coupon'],
  checkout_session: ['shipping_address_collection', 'shipping_options'],
};

export function specValidator(): {
  validate(method: string, routePath: string, status: number, body: unknown): string[];
  /** Checks a body against one component schema (for routes newer than the description, e.g. `invoice`). */
  validateComponent(name: string, body: unknown): string[];
} {
  const spec = JSON.parse(readFileSync(SPEC_PATH, 'utf8'));
  for (const [schema, fields] of Object.entries(VERSION_DRIFT)) {
    const s = spec.components.schemas[schema];
    if (s?.required) s.required = s.required.filter((f: string) => !fields.includes(f));
  }
  denullable(spec);
  relink(spec);
  // Each component is its own schema, compiled once however many responses reach it.
  const ajv = new Ajv({
    strict: false,
    allErrors: false,
    validateFormats: false,
    inlineRefs: false,
    code: { optimize: false },
  });
  for (const [name, schema] of Object.entries<any>(spec.components.schemas)) ajv.addSchema(schema, name);
  const cache = new Map<string, ValidateFunction>();
  const compiled = (pointer: string) => {
    if (!cache.has(pointer)) {
      const schema = pointer
        .split('/')
        .slice(1)
        .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce((node: any, key) => node[key], spec);
      cache.set(pointer, ajv.compile(schema));
    }
    return cache.get(pointer)!;
  };
  const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
  const specPathOf = (routePath: string) =>
    Object.keys(spec.paths).find((p) => p.replace(/\{[^}]+\}/g, '{}') === routePath.replace(/:[a-z_]+/g, '{}'));
  return {
    validateComponent(name, body) {
      const validate = compiled(`/components/schemas/${name}`);
      if (validate(body)) return [];
      return (validate.errors ?? []).map((e) => `${name} ${e.instancePath} ${e.message}`);
    },
    validate(method, routePath, status, body) {
      let pointer: string;
      if (status >= 400) pointer = '/components/schemas/error';
      else {
        const p = specPathOf(routePath);
        if (!p) return [`${method} ${routePath} is not in the pinned description`];
        const responses = spec.paths[p][method.toLowerCase()]?.responses;
        if (!responses?.['200']) return [`${method} ${routePath} has no 200 response in the pinned description`];
        pointer = `/paths/${esc(p)}/${method.toLowerCase()}/responses/200/content/application~1json/schema`;
      }
      const validate = compiled(pointer)!;
      if (validate(body)) return [];
      return (validate.errors ?? []).map((e) => `${method} ${routePath} ${e.instancePath} ${e.message}`);
    },
  };
}

/** `#/components/schemas/customer` → `customer` (each component is added to Ajv under its name). */
function relink(node: any): void {
  if (Array.isArray(node)) {
    for (const item of node) relink(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') node.$ref = value.replace('#/components/schemas/', '');
    else relink(value);
  }
}

/** OpenAPI 3.0's `nullable: true` as JSON Schema (`null` allowed), in place. */
function denullable(node: any): void {
  if (Array.isArray(node)) {
    for (const item of node) denullable(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  for (const value of Object.values(node)) denullable(value);
  if (node.nullable !== true) return;
  delete node.nullable;
  if (typeof node.type === 'string') {
    node.type = [node.type, 'null'];
    if (Array.isArray(node.enum)) node.enum = [...node.enum, null];
  } else {
    const inner = { ...node };
    for (const key of Object.keys(node)) delete node[key];
    node.anyOf = [inner, { type: 'null' }];
  }
}

/** The route a request path was served by (`/v1/customers/cus_1` → `/v1/customers/:id`). */
export function routeOf(method: string, path: string): string | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const pattern = new RegExp(`^${route.path.replace(/:[a-z_]+/g, '[^/]+')}$`);
    if (pattern.test(path)) return route.path;
  }
  return undefined;
}
