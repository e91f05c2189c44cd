import { DataAccessError } from '@tillflow/data-model';

export type PaymentErrorCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'VALIDATION'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYMENT_PROVIDER';

/** Errors of payment actions, mapped by the tRPC routers and the REST API to HTTP statuses. */
export class PaymentError extends Error {
  readonly code: PaymentErrorCode;
  readonly fieldErrors?: Record<string, string>;

  constructor(code: PaymentErrorCode, message: string, fieldErrors?: Record<string, string>) {
    super(message);
    this.name = 'PaymentError';
    this.code = code;
    if (fieldErrors) this.fieldErrors = fieldErrors;
  }
}

export const HTTP_STATUS: Record<PaymentErrorCode, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  VALIDATION: 400,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYMENT_PROVIDER: 402,
};

/** Stripe's error, said so the person paying or the builder can act on it. */
export function fromStripeError(error: unknown): PaymentError {
  const e = error as { type?: string; message?: string; code?: string; decline_code?: string; statusCode?: number };
  if (e?.type === 'StripeCardError') return new PaymentError('PAYMENT_PROVIDER', e.message ?? 'The card was declined.');
  if (e?.type === 'StripeInvalidRequestError')
    return new PaymentError('VALIDATION', `Stripe refused the request: ${e.message ?? 'invalid request'}`);
  if (e?.type === 'StripeAuthenticationError')
    return new PaymentError(
      'PRECONDITION_FAILED',
      'The project’s Stripe secret key was rejected. Update it in Payments → Settings.',
    );
  return new PaymentError(
    'PAYMENT_PROVIDER',
    `Stripe is not reachable right now (${e?.message ?? 'unknown error'}). Try again.`,
  );
}

export function asPaymentError(error: unknown): PaymentError | null {
  if (error instanceof PaymentError) return error;
  if (error instanceof DataAccessError) return new PaymentError(error.code, error.message, error.fieldErrors);
  return null;
}
