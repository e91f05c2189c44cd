// What an outbound call through the egress guard can fail with, worded for the
// person who configured it. `permanent` says whether retrying could help (a flow
// step retries only errors that are not permanent).

import { type ErrorCode, TillflowError } from './errors';

export type EgressErrorCode = Extract<ErrorCode, `EGRESS_${string}`>;

/** A TillflowError: its code is in core's table (status, tRPC code); `permanent` is `!retryable`. */
export class EgressError extends TillflowError {
  declare readonly code: EgressErrorCode;
  readonly permanent: boolean;
  constructor(code: EgressErrorCode, message: string, options: { permanent: boolean; cause?: unknown }) {
    super(code, message, { cause: options.cause, retryable: !options.permanent });
    this.name = 'EgressError';
    this.permanent = options.permanent;
  }
}

/** The destination is not allowed (scheme, address range, credentials in the URL): retrying never helps. */
export class EgressRefusedError extends EgressError {
  constructor(message: string) {
    super('EGRESS_REFUSED', message, { permanent: true });
    this.name = 'EgressRefusedError';
  }
}
