import { type ErrorCode, TillflowError, type TillflowErrorOptions } from '@tillflow/core';
import type { z } from 'zod';

export type PaymentErrorCode = Extract<
  ErrorCode,
  'NOT_FOUND' | 'FORBIDDEN' | 'VALIDATION' | 'CONFLICT' | 'PRECONDITION_FAILED' | 'PAYMENT_PROVIDER'
>;

/** Errors of payment actions; tRPC and REST map `code` through core's one status table. */
export class PaymentError extends TillflowError {
  declare readonly code: PaymentErrorCode;

  constructor(
    code: PaymentErrorCode,
    message: string,
    fieldErrors?: Record<string, string>,
    options: Omit<TillflowErrorOptions, 'fieldErrors'> = {},
  ) {
    super(code, message, { ...options, fieldErrors });
    this.name = 'PaymentError';
  }
}

/**
 * A payment input parsed with its schema; a refusal is a VALIDATION PaymentError with one message per field
 * (the first one as the error's message, `fallback` when zod names none).
 */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown, fallback = 'Invalid input.'): z.output<T> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fieldErrors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
  throw new PaymentError('VALIDATION', Object.values(fieldErrors)[0] ?? fallback, fieldErrors);
}

/** Stripe's error, said so the person paying or the builder can act on it. */
export function fromStripeError(error: unknown): PaymentError {
  const e = error as { type?: string; message?: string; code?: string; decline_code?: string; statusCode?: number };
  if (e?.type === 'StripeCardError')
    return new PaymentError('PAYMENT_PROVIDER', e.message ?? 'The card was declined.', undefined, {
      cause: error,
      retryable: false,
    });
  if (e?.type === 'StripeInvalidRequestError')
    return new PaymentError('VALIDATION', `Stripe refused the request: ${e.message ?? 'invalid request'}`, undefined, {
      cause: error,
    });
  if (e?.type === 'StripeAuthenticationError')
    return new PaymentError(
      'PRECONDITION_FAILED',
      'The project’s Stripe secret key was rejected. Update it in Payments → Settings.',
      undefined,
      { cause: error },
    );
  return new PaymentError(
    'PAYMENT_PROVIDER',
    `Stripe is not reachable right now (${e?.message ?? 'unknown error'}). Try again.`,
    undefined,
    { cause: error, retryable: true },
  );
}
