import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { passesLuhn } from './card-number';

export type { Logger };

// Structured JSON logs (pino), one logger per process made at start from the settings and
// handed to whoever logs (workers, dispatcher, webhook server, the studio's routes): never a
// module-level global. Two things hold for every line:
//
// 1. Context: code running for a request or a flow run is wrapped in `withLogContext` (an
//    AsyncLocalStorage), and the logger's mixin adds those fields (requestId, runId, projectId,
//    flowId) to every line logged inside it, by whatever code, however deep.
// 2. No secrets: values under secret-looking keys are replaced, and secrets inside any string
//    (Stripe secret and restricted keys, webhook signing secrets, bearer/basic credentials,
//    passwords in URLs, card numbers that pass the Luhn check, and this install's own secret
//    settings) are masked, in messages, fields and serialized errors alike.

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LogSettings {
  TILLFLOW_LOG_LEVEL: LogLevel;
  /** This install's secret settings, masked wherever their values appear (from loadSettings()). */
  TILLFLOW_SECRET_KEY?: string;
  BETTER_AUTH_SECRET?: string;
  TILLFLOW_METRICS_TOKEN?: string;
  TILLFLOW_SANDBOX_TOKEN?: string;
}

const context = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `fn` with these fields on every log line written inside it (nested contexts add up). */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** The fields the current request or run adds to log lines. */
/**
 * A request's id for its log lines and error answers: 16 hex characters. From `randomUUID` (Node draws its random
 * bytes for many at once) rather than `randomBytes(8)`, a call into the system's random source per request (7 µs
 * against under 2 on these machines; a webhook acknowledgement costs ~150 µs in all).
 */
export function newRequestId(): string {
  return randomUUID().replaceAll('-', '').slice(0, 16);
}

export function currentLogContext(): Record<string, unknown> {
  return context.getStore() ?? {};
}

export const REDACTED = '[redacted]';
const SECRET_KEY =
  /pass(word|wd)?$|secret|token|authorization|cookie|api[-_]?key|signature|^card$|card[-_]?number|^cvc$|^cvv$|private[-_]?key|credential/i;

const PATTERNS: [RegExp, (match: string, ...groups: string[]) => string][] = [
  [/\b((?:sk|rk)_(?:test|live))_[A-Za-z0-9]{6,}/g, (_m, prefix) => `${prefix}_${REDACTED}`],
  [/\bwhsec_[A-Za-z0-9+/=]{6,}/g, () => `whsec_${REDACTED}`],
  // Stripe client secrets (PaymentIntent, SetupIntent, Checkout Session), e.g. inside a logged payload.
  [/\b((?:pi|seti|cs_test|cs_live|cs)_[A-Za-z0-9]+_secret)_[A-Za-z0-9]+/g, (_m, head) => `${head}_${REDACTED}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, (_m, scheme) => `${scheme} ${REDACTED}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, (_m, head) => `${head}${REDACTED}@`],
  [
    /\b(pass(?:word|wd)?|pwd|secret|token|api[-_]?key)(\s*[=:]\s*)[^\s&;,)'"]+/gi,
    (_m, key, sep) => `${key}${sep}${REDACTED}`,
  ],
  [/\b\d(?:[ -]?\d){12,18}\b/g, (match) => (passesLuhn(match.replace(/[ -]/g, '')) ? '[card number redacted]' : match)],
];

/** Masks every secret this module knows how to recognise in a string. */
export function scrubString(text: string, known: readonly string[] = []): string {
  let out = text;
  for (const value of known) if (value.length >= 8) out = out.split(value).join(REDACTED);
  for (const [pattern, replace] of PATTERNS) out = out.replace(pattern, replace as never);
  return out;
}

/**
 * An error as a log field (pino's serializer), without the values of a failed SQL statement: drizzle's query
 * errors carry them in `params` and in their message ("Failed query: …\nparams: …"), and those are rows being
 * written (a webhook's whole payload with its client secret, a customer's data). The statement text stays.
 */
export function serializeError(error: Error): Record<string, unknown> {
  const out = pino.stdSerializers.err(error) as unknown as Record<string, unknown>;
  const params = (error as { params?: unknown }).params;
  if (!Array.isArray(params)) return out;
  const written = `\nparams: ${String(params)}`;
  const omitted = `\nparams: [${params.length} values not logged]`;
  for (const key of ['message', 'stack'] as const)
    if (typeof out[key] === 'string') out[key] = (out[key] as string).split(written).join(omitted);
  delete out.params;
  return out;
}

/** A copy of `value` with secret-looking keys replaced and secrets inside strings masked. */
export function scrubSecrets(value: unknown, known: readonly string[] = [], depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value, known);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) return scrubSecrets(serializeError(value), known, depth + 1);
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, known, depth + 1));
  if (value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      SECRET_KEY.test(key) && v !== null && v !== undefined && typeof v !== 'boolean' && typeof v !== 'number'
        ? REDACTED
        : scrubSecrets(v, known, depth + 1);
  }
  return out;
}

export interface CreateLoggerOptions {
  /** Where lines go (tests capture them); stdout by default, written synchronously. */
  destination?: DestinationStream;
  /** Fields on every line of this logger (e.g. `{ process: 'worker' }`). */
  base?: Record<string, unknown>;
  /** Exact values to mask wherever they appear (this install's secret settings). */
  secrets?: readonly (string | undefined)[];
}

/** The process's logger, from the settings (TILLFLOW_LOG_LEVEL). */
export function createLogger(settings: LogSettings, options: CreateLoggerOptions = {}): Logger {
  const known = [
    ...(options.secrets ?? []),
    settings.TILLFLOW_SECRET_KEY,
    settings.BETTER_AUTH_SECRET,
    settings.TILLFLOW_METRICS_TOKEN,
    settings.TILLFLOW_SANDBOX_TOKEN,
  ].filter((s): s is string => typeof s === 'string' && s.length >= 8);
  const config: LoggerOptions = {
    level: settings.TILLFLOW_LOG_LEVEL,
    base: { pid: process.pid, ...options.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    mixin: () => currentLogContext(),
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => scrubSecrets(object, known) as Record<string, unknown>,
    },
    serializers: { err: (error: Error) => scrubSecrets(serializeError(error), known) },
    hooks: {
      // The message string (and printf-style arguments) are scrubbed as well.
      logMethod(args, method) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === 'string' ? scrubString(arg, known) : arg)) as Parameters<typeof method>,
        );
      },
    },
  };
  return pino(config, options.destination ?? pino.destination({ sync: true }));
}
