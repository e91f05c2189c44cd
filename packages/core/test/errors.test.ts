import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  httpStatusOf,
  isRetryable,
  isTillflowError,
  NonRetriableError,
  RetryAfterError,
  retryAfterMs,
  TillflowError,
} from '../src/errors';

describe('TillflowError', () => {
  it('carries its code, field errors, cause and the status of its code', () => {
    const cause = new Error('driver said no');
    const error = new TillflowError('VALIDATION', 'Amount must be a whole number of cents.', {
      fieldErrors: { amount: 'Use a whole number.' },
      cause,
    });
    expect(error).toMatchObject({ code: 'VALIDATION', fieldErrors: { amount: 'Use a whole number.' }, cause });
    expect(error.status).toBe(400);
    expect(httpStatusOf(error)).toBe(400);
    expect(httpStatusOf(new Error('boom'))).toBe(500);
  });

  it('takes retryable from its code unless told otherwise', () => {
    expect(new TillflowError('VALIDATION', 'x').retryable).toBe(false);
    expect(new TillflowError('UNAVAILABLE', 'x').retryable).toBe(true);
    expect(new TillflowError('PAYMENT_PROVIDER', 'declined', { retryable: false }).retryable).toBe(false);
  });

  it('is recognised across copies of the module (Next can bundle a package twice)', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('tillflow.error')]: true, code: 'CONFLICT' });
    expect(isTillflowError(foreign)).toBe(true);
    expect(isTillflowError(new Error('x'))).toBe(false);
  });

  it('maps every code to an HTTP status and a tRPC code', () => {
    for (const entry of Object.values(ERROR_CODES)) {
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.trpc).toMatch(/^[A-Z_]+$/);
    }
  });
});

describe('retry steering for node executors', () => {
  it('NonRetriableError ends a run at once', () => {
    expect(isRetryable(new NonRetriableError('Update rows needs at least one filter.'))).toBe(false);
  });

  it('RetryAfterError asks for a retry after the given wait', () => {
    const error = new RetryAfterError('Rate limited by the API.', 30_000);
    expect(isRetryable(error)).toBe(true);
    expect(retryAfterMs(error)).toBe(30_000);
    const at = new RetryAfterError('Try later.', new Date(Date.now() + 60_000));
    expect(retryAfterMs(at)).toBeGreaterThan(58_000);
  });

  it('retries errors that are not domain errors (network, driver)', () => {
    expect(isRetryable(new Error('ECONNRESET'))).toBe(true);
    expect(retryAfterMs(new Error('ECONNRESET'))).toBeNull();
  });
});

describe('every domain error that crosses an API is a TillflowError', () => {
  it('a bad setting names the variable, travels as CONFIGURATION (hidden from browsers as an internal error)', async () => {
    const { SettingsError, loadSettings } = await import('../src/settings');
    const error = (() => {
      try {
        loadSettings({ PORT: 'eighty' });
      } catch (e) {
        return e;
      }
    })() as InstanceType<typeof SettingsError>;
    expect(error).toBeInstanceOf(SettingsError);
    expect(isTillflowError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'CONFIGURATION', status: 500 });
    expect(error.message).toMatch(/PORT/);
    expect(ERROR_CODES[error.code].trpc).toBe('INTERNAL_SERVER_ERROR');
  });
});
