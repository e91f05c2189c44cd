// The operations the Stripe API step may call, generated from Stripe's description (generated/stripe-api.ts), and
// the check of a step's parameters against them: the validator, the config form and the executor all read this.
import { STRIPE_API_OPERATIONS } from './generated/stripe-api';
import { STRIPE_OBJECT_TYPES } from './generated/stripe-objects';
import { t, type ValueType } from './value-type';

export interface StripeApiParam {
  name: string;
  /** `path`: the object's id in the address (always named `id`); `query` for reads; `body` for writes. */
  in: 'path' | 'query' | 'body';
  required: boolean;
  type: ValueType;
  /** Stripe's own first sentence about it. */
  description: string;
}

export interface StripeApiOperation {
  /** `customers.create`, `paymentIntents.retrieve`, `checkout.sessions.list`, … */
  id: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Stripe's path, e.g. `/v1/customers/{customer}`. */
  path: string;
  /** The resource in words: "Payment intents". */
  resource: string;
  description: string;
  params: StripeApiParam[];
  /** What it answers: one object of this schema, or a list of them. */
  returns: { list: boolean; object: string | null };
}

export const stripeApiOperations: readonly StripeApiOperation[] = STRIPE_API_OPERATIONS;
const byId = new Map(stripeApiOperations.map((op) => [op.id, op]));

export function stripeApiOperation(id: string): StripeApiOperation | undefined {
  return byId.get(id);
}

const VERB_WORDS: Record<string, string> = {
  create: 'create',
  retrieve: 'get one',
  update: 'update',
  list: 'list',
  search: 'search',
  del: 'delete',
};

/** An operation as a person reads it: "Customers: create", "Payment intents: confirm", "Invoices: list lines". */
export function stripeOperationTitle(op: StripeApiOperation): string {
  const verb = op.id.split('.').at(-1) ?? '';
  const words = VERB_WORDS[verb] ?? verb.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `${op.resource}: ${words}`;
}

/** What the step gives back for bindings: the object's fields, or a list of them. */
export function stripeOperationOutput(id: string): ValueType {
  const op = byId.get(id);
  const object =
    (op?.returns.object ? STRIPE_OBJECT_TYPES[op.returns.object] : undefined) ??
    t.object({ id: t.string, object: t.string, metadata: t.object({}, true) }, true);
  if (!op?.returns.list) return object;
  return t.object({ object: t.string, data: t.array(object), has_more: t.boolean, url: t.string }, true);
}

const isBinding = (v: unknown) => typeof v === 'string' && v.includes('{{');

/** Why a value does not fit a parameter's type, in words, or null when it fits (bindings are checked when run). */
function misfit(value: unknown, type: ValueType, name: string, resolved: boolean): string | null {
  if (value === undefined || value === null || (!resolved && isBinding(value))) return null;
  switch (type.kind) {
    case 'number':
      return typeof value === 'number' ||
        (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        ? null
        : `"${name}" must be a number, not ${JSON.stringify(value)}.`;
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false'
        ? null
        : `"${name}" must be true or false, not ${JSON.stringify(value)}.`;
    case 'enum':
      return type.values.includes(String(value))
        ? null
        : `"${name}" must be one of ${type.values.map((v) => `"${v}"`).join(', ')}; ${JSON.stringify(value)} is not.`;
    case 'string':
      return typeof value === 'object' ? `"${name}" must be text.` : null;
    case 'array':
      if (!Array.isArray(value)) return `"${name}" must be a list.`;
      for (const [i, item] of value.entries()) {
        const wrong = misfit(item, type.items, `${name}[${i}]`, resolved);
        if (wrong) return wrong;
      }
      return null;
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return `"${name}" must be an object of fields.`;
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        const field = type.fields[key];
        if (!field) {
          if (type.open) continue;
          const known = Object.keys(type.fields);
          return `"${name}" has no field "${key}". Its fields are ${known.join(', ')}.`;
        }
        const wrong = misfit(inner, field, `${name}[${key}]`, resolved);
        if (wrong) return wrong;
      }
      return null;
    }
    default:
      return null;
  }
}

export interface StripeParamProblem {
  /** The parameter the problem is about (`params.<name>`), or `operation`. */
  field: string;
  message: string;
}

/**
 * A step's parameters checked against its operation: the operation exists, required ones are there, none is
 * unknown, and each literal value fits its type. `resolved`: the bindings were already evaluated (at run time), so
 * their values are checked too.
 */
export function checkStripeParams(
  operationId: string,
  params: Record<string, unknown>,
  resolved = false,
): StripeParamProblem[] {
  const op = byId.get(operationId);
  if (!op) return [{ field: 'operation', message: `"${operationId}" is not a Stripe operation this step can call.` }];
  const title = stripeOperationTitle(op);
  const problems: StripeParamProblem[] = [];
  const known = new Map(op.params.map((p) => [p.name, p]));
  for (const [name, value] of Object.entries(params)) {
    const param = known.get(name);
    if (!param) {
      const names = op.params.map((p) => p.name);
      problems.push({
        field: `params.${name}`,
        message: `${title} has no parameter "${name}". ${
          names.length
            ? `It takes ${names.slice(0, 15).join(', ')}${names.length > 15 ? ', …' : ''}.`
            : 'It takes none.'
        }`,
      });
      continue;
    }
    const wrong = misfit(value, param.type, name, resolved);
    if (wrong) problems.push({ field: `params.${name}`, message: wrong });
  }
  for (const param of op.params)
    if (param.required && (params[param.name] === undefined || params[param.name] === ''))
      problems.push({
        field: `params.${param.name}`,
        message: `${title} needs "${param.name}"${param.description ? ` (${param.description.replace(/\.$/, '')})` : ''}.`,
      });
  return problems;
}
