import { type ErrorCode, TillflowError } from '@tillflow/core';

/** Stripe's HTTP statuses as the domain codes they mean (for anything reading it as a TillflowError). */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION',
  401: 'UNAUTHORIZED',
  402: 'PAYMENT_PROVIDER',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  429: 'RATE_LIMITED',
};

/**
 * A Stripe API error: rendered as Stripe's `{ error: {...} }` envelope with Stripe's own status code (kept
 * exactly, whatever the domain code's default status), and a TillflowError like every domain error.
 */
export class StripeApiError extends TillflowError {
  readonly stripeStatus: number;
  constructor(
    status: number,
    readonly type: string,
    message: string,
    readonly extra: { code?: string; param?: string; decline_code?: string; [key: string]: unknown } = {},
  ) {
    super(CODE_OF_STATUS[status] ?? 'INTERNAL', message);
    this.name = 'StripeApiError';
    this.stripeStatus = status;
  }

  override get status(): number {
    return this.stripeStatus;
  }

  toBody(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { type: this.type, message: this.message };
    for (const [k, v] of Object.entries(this.extra)) if (v !== undefined) error[k] = v;
    if (this.extra.code) error.doc_url = `https://stripe.com/docs/error-codes/${this.extra.code.replace(/_/g, '-')}`;
    return { error };
  }
}

export function invalidRequest(message: string, param?: string, code?: string): StripeApiError {
  return new StripeApiError(400, 'invalid_request_error', message, { param, code });
}

export function missingParam(param: string): StripeApiError {
  return invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
}

export function invalidParam(param: string, message?: string): StripeApiError {
  return invalidRequest(message ?? `Invalid value for ${param}.`, param, 'parameter_invalid_string');
}

export function unknownParam(param: string): StripeApiError {
  return invalidRequest(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
}

/**
 * Stripe answers 404 for a missing object named in the URL (`param: 'id'`) and 400 for one named in the
 * request's parameters, with the parameter's full bracketed name (`items[0][price]`).
 */
export function resourceMissing(noun: string, id: string, param = 'id'): StripeApiError {
  return new StripeApiError(param === 'id' ? 404 : 400, 'invalid_request_error', `No such ${noun}: '${id}'`, {
    code: 'resource_missing',
    param,
  });
}

export function authenticationError(key: string | null): StripeApiError {
  const message = key
    ? `Invalid API Key provided: ${maskKey(key)}`
    : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').";
  return new StripeApiError(401, 'invalid_request_error', message, {});
}

export function expiredKeyError(key: string): StripeApiError {
  return new StripeApiError(401, 'invalid_request_error', `Expired API Key provided: ${maskKey(key)}`, {
    code: 'api_key_expired',
  });
}

export function idempotencyError(key: string): StripeApiError {
  return new StripeApiError(
    400,
    'idempotency_error',
    `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  );
}

export function unexpectedState(message: string, code = 'resource_invalid_state'): StripeApiError {
  return invalidRequest(message, undefined, code);
}

export function routeMissing(method: string, path: string): StripeApiError {
  return new StripeApiError(
    404,
    'invalid_request_error',
    `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
  );
}

/** Keys are secrets: error messages show only the start and the last four characters, like Stripe. */
export function maskKey(key: string): string {
  if (key.length <= 12) return `${key.slice(0, 3)}*****`;
  return `${key.slice(0, 8)}${'*'.repeat(Math.max(4, key.length - 12))}${key.slice(-4)}`;
}
