import { TillflowError } from '@tillflow/core';

export type DataAccessErrorCode = 'NOT_FOUND' | 'FORBIDDEN' | 'VALIDATION' | 'CONFLICT';

/**
 * The data model's refusals (bad values, forbidden, missing table, conflicts): a
 * TillflowError, so tRPC and REST map its code through core's one table, and the
 * flow runtime does not retry it (the same call fails the same way).
 */
export class DataAccessError extends TillflowError {
  declare readonly code: DataAccessErrorCode;
  /** Set when the same call with `confirm: true` would go ahead (the message says what would be lost). */
  readonly confirmationRequired?: boolean;

  constructor(
    code: DataAccessErrorCode,
    message: string,
    fieldErrors?: Record<string, string>,
    options: { confirmationRequired?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, { fieldErrors, cause: options.cause, retryable: false });
    this.name = 'DataAccessError';
    if (options.confirmationRequired) this.confirmationRequired = true;
  }
}

export interface PgErrorInfo {
  code?: string;
  constraint?: string;
  detail?: string;
  message: string;
}

/** drizzle wraps driver errors; postgres.js and PGlite name the constraint differently. */
export function pgErrorInfo(error: unknown): PgErrorInfo | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const e = current as {
      code?: unknown;
      constraint?: string;
      constraint_name?: string;
      detail?: string;
      message?: string;
    };
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code))
      return {
        code: e.code,
        constraint: e.constraint_name ?? e.constraint,
        detail: e.detail,
        message: e.message ?? '',
      };
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
