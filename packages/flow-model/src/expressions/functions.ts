import { t, type ValueType } from '../value-type';

export interface ExpressionFunction {
  minArgs: number;
  maxArgs: number;
  /** Expected type of each argument (last one repeats for variadic functions). */
  params: ValueType[];
  returns: (args: ValueType[]) => ValueType;
  call: (...args: unknown[]) => unknown;
}

const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));
const str = (v: unknown) =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
const toDate = (v: unknown) =>
  v instanceof Date ? v : new Date(typeof v === 'number' && v < 1e11 ? v * 1000 : (v as string));
const fixed = (returns: ValueType) => () => returns;

/** The allow-list of functions a binding may call; nothing else is reachable from an expression. */
export const expressionFunctions: Record<string, ExpressionFunction> = {
  round: {
    minArgs: 1,
    maxArgs: 2,
    params: [t.number, t.number],
    returns: fixed(t.number),
    call: (v, d) => {
      const f = 10 ** (d === undefined ? 0 : num(d));
      return Math.round(num(v) * f) / f;
    },
  },
  floor: { minArgs: 1, maxArgs: 1, params: [t.number], returns: fixed(t.number), call: (v) => Math.floor(num(v)) },
  ceil: { minArgs: 1, maxArgs: 1, params: [t.number], returns: fixed(t.number), call: (v) => Math.ceil(num(v)) },
  abs: { minArgs: 1, maxArgs: 1, params: [t.number], returns: fixed(t.number), call: (v) => Math.abs(num(v)) },
  min: {
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    params: [t.number],
    returns: fixed(t.number),
    call: (...a) => Math.min(...a.map(num)),
  },
  max: {
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    params: [t.number],
    returns: fixed(t.number),
    call: (...a) => Math.max(...a.map(num)),
  },
  upper: { minArgs: 1, maxArgs: 1, params: [t.string], returns: fixed(t.string), call: (v) => str(v).toUpperCase() },
  lower: { minArgs: 1, maxArgs: 1, params: [t.string], returns: fixed(t.string), call: (v) => str(v).toLowerCase() },
  trim: { minArgs: 1, maxArgs: 1, params: [t.string], returns: fixed(t.string), call: (v) => str(v).trim() },
  concat: {
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    params: [t.any],
    returns: fixed(t.string),
    call: (...a) => a.map(str).join(''),
  },
  length: {
    minArgs: 1,
    maxArgs: 1,
    params: [t.any],
    returns: fixed(t.number),
    call: (v) => (Array.isArray(v) ? v.length : str(v).length),
  },
  substring: {
    minArgs: 2,
    maxArgs: 3,
    params: [t.string, t.number, t.number],
    returns: fixed(t.string),
    call: (v, s, e) => str(v).substring(num(s), e === undefined ? undefined : num(e)),
  },
  contains: {
    minArgs: 2,
    maxArgs: 2,
    params: [t.any, t.any],
    returns: fixed(t.boolean),
    call: (v, x) => (Array.isArray(v) ? v.includes(x) : str(v).includes(str(x))),
  },
  startsWith: {
    minArgs: 2,
    maxArgs: 2,
    params: [t.string, t.string],
    returns: fixed(t.boolean),
    call: (v, x) => str(v).startsWith(str(x)),
  },
  now: { minArgs: 0, maxArgs: 0, params: [], returns: fixed(t.date), call: () => new Date().toISOString() },
  formatDate: {
    minArgs: 1,
    maxArgs: 2,
    params: [t.date, t.string],
    returns: fixed(t.string),
    call: (v, fmt) => formatDate(toDate(v), fmt === undefined ? 'YYYY-MM-DD' : str(fmt)),
  },
  addDays: {
    minArgs: 2,
    maxArgs: 2,
    params: [t.date, t.number],
    returns: fixed(t.date),
    call: (v, n) => new Date(toDate(v).getTime() + num(n) * 86_400_000).toISOString(),
  },
  toIso: { minArgs: 1, maxArgs: 1, params: [t.date], returns: fixed(t.date), call: (v) => toDate(v).toISOString() },
  coalesce: {
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    params: [t.any],
    returns: (a) => a.find((x) => x.kind !== 'null' && x.kind !== 'any') ?? t.any,
    call: (...a) => a.find((x) => x !== null && x !== undefined) ?? null,
  },
  toNumber: { minArgs: 1, maxArgs: 1, params: [t.any], returns: fixed(t.number), call: (v) => num(v) },
  toString: { minArgs: 1, maxArgs: 1, params: [t.any], returns: fixed(t.string), call: (v) => str(v) },
  isNull: {
    minArgs: 1,
    maxArgs: 1,
    params: [t.any],
    returns: fixed(t.boolean),
    call: (v) => v === null || v === undefined,
  },
};

/** Dates are ISO strings at runtime (JSON-safe); formats use YYYY MM DD HH mm ss tokens in UTC. */
function formatDate(d: Date, fmt: string): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return fmt
    .replace('YYYY', String(d.getUTCFullYear()))
    .replace('MM', pad(d.getUTCMonth() + 1))
    .replace('DD', pad(d.getUTCDate()))
    .replace('HH', pad(d.getUTCHours()))
    .replace('mm', pad(d.getUTCMinutes()))
    .replace('ss', pad(d.getUTCSeconds()));
}

export const expressionFunctionNames = Object.keys(expressionFunctions);
