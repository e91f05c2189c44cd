import { invalidParam, invalidRequest, missingParam, unknownParam } from './errors';
import { type FormObject, type FormValue, paramName } from './form-decode';

/** Rejects parameters the endpoint does not know, as Stripe does (`parameter_unknown`). */
export function allowOnly(params: FormObject, allowed: string[]): void {
  for (const key of Object.keys(params)) {
    if (key === 'expand' || allowed.includes(key)) continue;
    throw unknownParam(paramName(params, key));
  }
}

export function str(params: FormObject, name: string): string | undefined;
export function str(params: FormObject, name: string, required: true): string;
export function str(params: FormObject, name: string, required = false): string | undefined {
  const v = params[name];
  const full = paramName(params, name);
  if (v === undefined || v === '') {
    if (required) throw missingParam(full);
    return undefined;
  }
  if (typeof v !== 'string') throw invalidParam(full, `Invalid string: ${full} must be a string.`);
  return v;
}

/** Empty string means "unset" on updates; returns null then. */
export function nullableStr(params: FormObject, name: string): string | null | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (v === '') return null;
  if (typeof v !== 'string') throw invalidParam(paramName(params, name));
  return v;
}

export function int(
  params: FormObject,
  name: string,
  opts: { required?: boolean; min?: number } = {},
): number | undefined {
  const v = params[name];
  const full = paramName(params, name);
  if (v === undefined || v === '') {
    if (opts.required) throw missingParam(full);
    return undefined;
  }
  if (typeof v !== 'string' || !/^-?\d+$/.test(v)) {
    throw invalidRequest(`Invalid integer: ${typeof v === 'string' ? v : full}`, full, 'parameter_invalid_integer');
  }
  const n = Number(v);
  if (opts.min !== undefined && n < opts.min) {
    throw invalidRequest(`This value must be greater than or equal to ${opts.min}.`, full, 'parameter_invalid_integer');
  }
  return n;
}

export function bool(params: FormObject, name: string): boolean | undefined {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalidRequest(`Invalid boolean: ${String(v)}`, paramName(params, name), 'parameter_invalid_boolean');
}

export function oneOf<T extends string>(params: FormObject, name: string, values: readonly T[], required = false) {
  const v = required ? str(params, name, true) : str(params, name);
  if (v === undefined) return undefined;
  if (!values.includes(v as T)) {
    const full = paramName(params, name);
    throw invalidRequest(`Invalid ${full}: must be one of ${values.join(', ')}`, full, 'parameter_invalid_string');
  }
  return v as T;
}

export function obj(params: FormObject, name: string): FormObject | undefined {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    const full = paramName(params, name);
    throw invalidParam(full, `Invalid object: ${full}`);
  }
  return v;
}

export function arr(params: FormObject, name: string): FormValue[] | undefined {
  const v = params[name];
  if (v === undefined || v === '') return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') return Object.values(v);
  const full = paramName(params, name);
  throw invalidParam(full, `Invalid array: ${full}`);
}

export function strArray(params: FormObject, name: string): string[] | undefined {
  const list = arr(params, name);
  if (!list) return undefined;
  return list.map((item, i) => {
    if (typeof item !== 'string') throw invalidParam(`${paramName(params, name)}[${i}]`);
    return item;
  });
}

/** Stripe's metadata semantics: merged on update, `key=''` deletes a key, `metadata=''` clears all. */
export function metadata(params: FormObject, existing: Record<string, string> = {}): Record<string, string> {
  const v = params.metadata;
  if (v === undefined) return existing;
  if (v === '') return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidParam('metadata', 'Invalid object: metadata');
  const out = { ...existing };
  const entries = Object.entries(v);
  if (entries.length > 50) throw invalidRequest('Metadata can have at most 50 keys.', 'metadata');
  for (const [k, val] of entries) {
    if (typeof val !== 'string') throw invalidParam(`metadata[${k}]`);
    if (k.length > 40) throw invalidRequest('Metadata keys can be at most 40 characters.', `metadata[${k}]`);
    if (val.length > 500) throw invalidRequest('Metadata values can be at most 500 characters.', `metadata[${k}]`);
    if (val === '') delete out[k];
    else out[k] = val;
  }
  return out;
}

// Stripe's minimum charge amounts in minor units, for the currencies builders use most.
const MINIMUM_AMOUNTS: Record<string, number> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  cad: 50,
  aud: 50,
  chf: 50,
  jpy: 50,
  sgd: 50,
  nzd: 50,
  hkd: 400,
  sek: 300,
  nok: 300,
  dkk: 250,
  mxn: 1000,
  brl: 50,
  inr: 50,
};

/** Stripe's `amount_too_small` check. */
export function checkMinimumAmount(amount: number, cur: string, param = 'amount'): void {
  const minimum = MINIMUM_AMOUNTS[cur];
  if (minimum !== undefined && amount < minimum) {
    throw invalidRequest(`Amount must be at least ${minimum} ${cur} (minor units).`, param, 'amount_too_small');
  }
}

export function currency(params: FormObject, name = 'currency', required = true): string {
  const v = required ? str(params, name, true) : str(params, name);
  if (v === undefined) return 'usd';
  if (!/^[a-zA-Z]{3}$/.test(v))
    throw invalidRequest(`Invalid currency: ${v}`, paramName(params, name), 'parameter_invalid_string');
  return v.toLowerCase();
}
