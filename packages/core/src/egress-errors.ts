// What an outbound call through the egress guard can fail with, worded for the
// person who configured it. `permanent` says whether retrying could help (a flow
// step retries only errors that are not permanent).

export type EgressErrorCode =
  | 'EGRESS_REFUSED'
  | 'EGRESS_TOO_MANY_REDIRECTS'
  | 'EGRESS_TOO_LARGE'
  | 'EGRESS_TIMEOUT'
  | 'EGRESS_UNREACHABLE';

export class EgressError extends Error {
  readonly code: EgressErrorCode;
  readonly permanent: boolean;
  constructor(code: EgressErrorCode, message: string, options: { permanent: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EgressError';
    this.code = code;
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
