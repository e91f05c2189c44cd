import { currentLogContext, type Logger, newRequestId, withLogContext } from '@tillflow/core';
import { fallbackLogger } from '../logger';
import { getServices } from '../services';

// Unexpected errors (bugs, a lost database, a library's surprise) never show their
// message to a client: it can carry SQL, hostnames or internal state. The client
// gets a generic message and a request id; the log gets the detail under that id.

export const INTERNAL_MESSAGE = 'Something went wrong on our side.';

/** Logs `error` in full (secrets masked) under the request's id, or a new one; returns the id. */
export function logInternalError(logger: Logger, error: unknown, where: string, requestId?: string): string {
  const id = requestId ?? (currentLogContext().requestId as string | undefined) ?? newRequestId();
  logger.error({ err: error, where, requestId: id }, `${where} failed`);
  return id;
}

/** The body a client receives for an unexpected error. */
export function internalErrorBody(logger: Logger, error: unknown, where: string, id?: string) {
  const requestId = logInternalError(logger, error, where, id);
  return {
    error: {
      code: 'INTERNAL',
      message: `${INTERNAL_MESSAGE} Quote request id ${requestId} if you report it.`,
      requestId,
    },
  };
}

/**
 * Wraps a route handler: every log line written while it runs carries the request's id, and an
 * unexpected throw becomes a JSON 500 quoting that id.
 */
export function guardRoute<A extends unknown[]>(
  where: string,
  handler: (...args: A) => Promise<Response>,
): (...args: A) => Promise<Response> {
  return (...args: A) => {
    const requestId = newRequestId();
    return withLogContext({ requestId }, async () => {
      try {
        return await handler(...args);
      } catch (error) {
        // The handlers log their own errors with their services' logger; this is for what fails before (no services).
        const logger = await getServices().then((services) => services.logger, fallbackLogger);
        return Response.json(internalErrorBody(logger, error, where, requestId), { status: 500 });
      }
    });
  };
}

/** The response with an `X-Request-Id` header (copied into a new response when its headers are immutable). */
export function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set('x-request-id', requestId);
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set('x-request-id', requestId);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
