import { randomBytes } from 'node:crypto';

// Unexpected errors (bugs, a lost database, a library's surprise) never show their
// message to a client: it can carry SQL, hostnames or internal state. The client
// gets a generic message and a request id; the log gets the detail under that id.

export const INTERNAL_MESSAGE = 'Something went wrong on our side.';

export function newRequestId(): string {
  return randomBytes(8).toString('hex');
}

/** Logs `error` in full under a new request id; returns the id. */
export function logInternalError(error: unknown, where: string, requestId = newRequestId()): string {
  const detail = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `\n  cause: ${error.cause.message}` : '';
  console.error(`[request ${requestId}] ${where} failed: ${detail}${cause}`);
  return requestId;
}

/** The body a client receives for an unexpected error. */
export function internalErrorBody(error: unknown, where: string) {
  const requestId = logInternalError(error, where);
  return {
    error: {
      code: 'INTERNAL',
      message: `${INTERNAL_MESSAGE} Quote request id ${requestId} if you report it.`,
      requestId,
    },
  };
}

/** Wraps a route handler so an unexpected throw becomes a JSON 500 with a request id. */
export function guardRoute<A extends unknown[]>(
  where: string,
  handler: (...args: A) => Promise<Response>,
): (...args: A) => Promise<Response> {
  return async (...args: A) => {
    try {
      return await handler(...args);
    } catch (error) {
      return Response.json(internalErrorBody(error, where), { status: 500 });
    }
  };
}
