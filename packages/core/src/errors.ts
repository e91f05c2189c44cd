// The one domain error model. Every package throws a TillflowError (or a subclass)
// with a code from ERROR_CODES; the studio's tRPC error mapping and the REST API
// both read the HTTP status and tRPC code from that same table, and the flow
// runtime reads `retryable` (NonRetriableError / RetryAfterError steer it).

/** code → how it travels: HTTP status, tRPC code name, and whether retrying the same call can help. */
export const ERROR_CODES = {
  VALIDATION: { status: 400, trpc: 'BAD_REQUEST', retryable: false },
  UNAUTHORIZED: { status: 401, trpc: 'UNAUTHORIZED', retryable: false },
  PAYMENT_PROVIDER: { status: 402, trpc: 'PAYMENT_REQUIRED', retryable: true },
  FORBIDDEN: { status: 403, trpc: 'FORBIDDEN', retryable: false },
  NOT_FOUND: { status: 404, trpc: 'NOT_FOUND', retryable: false },
  CONFLICT: { status: 409, trpc: 'CONFLICT', retryable: false },
  PRECONDITION_FAILED: { status: 412, trpc: 'PRECONDITION_FAILED', retryable: false },
  /** A flow node that cannot succeed as configured (bad config, user code failing, a fail node). */
  NODE_FAILED: { status: 422, trpc: 'UNPROCESSABLE_CONTENT', retryable: false },
  RATE_LIMITED: { status: 429, trpc: 'TOO_MANY_REQUESTS', retryable: true },
  INTERNAL: { status: 500, trpc: 'INTERNAL_SERVER_ERROR', retryable: true },
  /** An environment variable the operator must fix (SettingsError); a run is retried (it succeeds once fixed). */
  CONFIGURATION: { status: 500, trpc: 'INTERNAL_SERVER_ERROR', retryable: true },
  UNAVAILABLE: { status: 503, trpc: 'SERVICE_UNAVAILABLE', retryable: true },
  // A builder-controlled outbound call through the egress guard (HTTP node, SMTP host, Stripe API base).
  EGRESS_REFUSED: { status: 400, trpc: 'BAD_REQUEST', retryable: false },
  EGRESS_TOO_MANY_REDIRECTS: { status: 502, trpc: 'BAD_GATEWAY', retryable: false },
  EGRESS_TOO_LARGE: { status: 502, trpc: 'BAD_GATEWAY', retryable: false },
  EGRESS_TIMEOUT: { status: 504, trpc: 'GATEWAY_TIMEOUT', retryable: true },
  EGRESS_UNREACHABLE: { status: 502, trpc: 'BAD_GATEWAY', retryable: true },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type TrpcErrorCodeName = (typeof ERROR_CODES)[ErrorCode]['trpc'];

export interface TillflowErrorOptions {
  /** One message per input field, for forms to show in place. */
  fieldErrors?: Record<string, string>;
  cause?: unknown;
  /** Overrides the code's default (ERROR_CODES[code].retryable). */
  retryable?: boolean;
}

const BRAND = Symbol.for('tillflow.error');

/**
 * A domain error: `code` from ERROR_CODES, a message the person reading it can act
 * on (what went wrong and what to do), optional per-field messages, the cause, and
 * whether the same call may succeed later.
 */
export class TillflowError extends Error {
  readonly code: ErrorCode;
  readonly fieldErrors?: Record<string, string>;
  readonly retryable: boolean;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options: TillflowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TillflowError';
    this.code = code;
    if (options.fieldErrors && Object.keys(options.fieldErrors).length > 0) this.fieldErrors = options.fieldErrors;
    this.retryable = options.retryable ?? ERROR_CODES[code].retryable;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/**
 * True for any TillflowError, also one built by another copy of this module
 * (Next.js can bundle a package twice: server components and route handlers).
 */
export function isTillflowError(error: unknown): error is TillflowError {
  return (
    error instanceof TillflowError ||
    (typeof error === 'object' && error !== null && (error as { [BRAND]?: boolean })[BRAND] === true)
  );
}

/** A node failure retrying cannot fix: the run fails at once. */
export class NonRetriableError extends TillflowError {
  constructor(message: string, options: Omit<TillflowErrorOptions, 'retryable'> & { code?: ErrorCode } = {}) {
    super(options.code ?? 'NODE_FAILED', message, { ...options, retryable: false });
    this.name = 'NonRetriableError';
  }
}

/** A temporary failure with a known wait (a rate limit, a Retry-After header): the run is retried after it. */
export class RetryAfterError extends TillflowError {
  readonly retryAfterMs: number;
  constructor(
    message: string,
    retryAfter: number | Date,
    options: Omit<TillflowErrorOptions, 'retryable'> & { code?: ErrorCode } = {},
  ) {
    super(options.code ?? 'UNAVAILABLE', message, { ...options, retryable: true });
    this.name = 'RetryAfterError';
    this.retryAfterMs = Math.max(
      0,
      Math.round(retryAfter instanceof Date ? retryAfter.getTime() - Date.now() : retryAfter),
    );
  }
}

/**
 * Whether a flow step that threw `error` should be retried. Domain errors say so
 * themselves; anything else (network resets, driver errors) is assumed temporary.
 */
export function isRetryable(error: unknown): boolean {
  if (isTillflowError(error)) return error.retryable;
  if (typeof error === 'object' && error !== null && (error as { permanent?: unknown }).permanent === true)
    return false;
  return true;
}

/** The wait a RetryAfterError asked for, if any. */
export function retryAfterMs(error: unknown): number | null {
  if (isTillflowError(error) && typeof (error as { retryAfterMs?: unknown }).retryAfterMs === 'number')
    return (error as RetryAfterError).retryAfterMs;
  return null;
}

/** The HTTP status a thrown error answers with (500 for anything that is not a domain error). */
export function httpStatusOf(error: unknown): number {
  return isTillflowError(error) ? ERROR_CODES[error.code].status : 500;
}
