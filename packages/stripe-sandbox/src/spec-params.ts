import PARAMS from '../openapi/params.json' with { type: 'json' };
import { unknownParam } from './errors';
import type { FormObject, FormValue } from './form-decode';

/** A parameter's nesting, from Stripe's description: 0 any value; {p} only these keys; {o} any keys; {a} array of. */
type Shape = 0 | { p?: Record<string, Shape>; o?: 1; a?: Shape };
const INDEX = PARAMS as unknown as Record<string, Record<string, Shape>>;

/**
 * Parameters the sandbox serves that Stripe added after the pinned description's version (the installed SDK's
 * API version has them); each is checked by its handler.
 */
const NEWER_THAN_SPEC: Record<string, string[]> = {
  'GET /v1/checkout/sessions': ['status', 'created'],
  'POST /v1/checkout/sessions': [
    'branding_settings',
    'return_url',
    'saved_payment_method_options',
    'permissions',
    'ui_mode',
    'wallet_options',
  ],
  'POST /v1/payment_methods': ['allow_redisplay'],
  'POST /v1/promotion_codes': ['promotion'],
  'POST /v1/billing_portal/configurations': ['name'],
  'POST /v1/billing_portal/configurations/{}': ['name'],
  'POST /v1/payment_methods/{}': ['allow_redisplay'],
  'POST /v1/subscriptions': ['billing_mode', 'discounts'],
  'POST /v1/subscriptions/{}': ['billing_mode', 'discounts'],
  'POST /v1/invoiceitems': ['pricing'],
  'POST /v1/payment_intents': ['excluded_payment_method_types', 'hooks'],
  'POST /v1/payment_intents/{}': ['excluded_payment_method_types', 'hooks'],
};

/** The operation's key in the index: `POST /v1/prices/{}` for the route `/v1/prices/:id`. */
export function operationKey(method: string, routePath: string): string {
  return `${method} ${routePath.replace(/:[a-z_]+/g, '{}')}`;
}

/** Whether the pinned description documents this operation (sandbox-only and newer routes are not). */
export function documented(method: string, routePath: string): boolean {
  return operationKey(method, routePath) in INDEX;
}

/** The documented top-level parameter names of an operation (list filters, create fields). */
export function documentedParams(method: string, routePath: string): string[] {
  return Object.keys(INDEX[operationKey(method, routePath)] ?? {});
}

/**
 * Refuses any parameter Stripe's description does not give the operation, at any depth, with Stripe's
 * `parameter_unknown` and the parameter's full bracketed name (`recurring[intervall]`).
 */
export function checkKnownParams(method: string, routePath: string, params: FormObject): void {
  const key = operationKey(method, routePath);
  const known = INDEX[key];
  if (!known) return;
  const extra = NEWER_THAN_SPEC[key] ?? [];
  for (const [name, value] of Object.entries(params)) {
    if (name === 'expand') continue;
    if (!(name in known)) {
      if (extra.includes(name)) continue;
      throw unknownParam(name);
    }
    checkValue(known[name], value, name);
  }
}

function checkValue(shape: Shape, value: FormValue, name: string): void {
  if (shape === 0 || typeof value === 'string') return;
  if (Array.isArray(value)) {
    if (shape.a !== undefined) for (const [i, item] of value.entries()) checkValue(shape.a, item, `${name}[${i}]`);
    return;
  }
  if (shape.o) return;
  if (shape.p) {
    for (const [k, v] of Object.entries(value)) {
      if (!(k in shape.p)) throw unknownParam(`${name}[${k}]`);
      checkValue(shape.p[k], v, `${name}[${k}]`);
    }
    return;
  }
  // An array sent with explicit indexes decodes as an array; an object where the description wants one is
  // left to the handler.
  if (shape.a !== undefined) {
    for (const [k, v] of Object.entries(value)) checkValue(shape.a, v, `${name}[${k}]`);
  }
}
