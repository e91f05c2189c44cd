import { newRequestId, withLogContext } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import type { Services } from '@tillflow/payments';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { handleSubscriptionRequest } from '../api/sse';
import { createTRPCRouter } from '../api/trpc';
import { withRequestId } from '../http/internal-error';
import { generatedAppRouter } from './router';

// Only the app router is mounted at /app/<slug>/api/trpc, and no builder
// session is resolved: it would grant nothing here anyway.
export const generatedAppApi = createTRPCRouter({ app: generatedAppRouter });
export type GeneratedAppApi = typeof generatedAppApi;

export function generatedAppEndpoint(slug: string): string {
  return `/app/${slug}/api/trpc`;
}

/**
 * The generated app's API for one request (Next route, tests and the realtime bench share it). Each request gets
 * an id: every log line written while it is handled carries it (the logger's context), an unexpected error's
 * answer quotes it, and the response says it in `X-Request-Id`, so a shop owner's report can be found in the log.
 * `services` are the process's for `handle` unless given (tests hand in their own logger).
 */
export async function handleGeneratedAppRequest(
  handle: DbHandle,
  req: Request,
  slug: string,
  services?: Services,
): Promise<Response> {
  const requestId = newRequestId();
  return withLogContext({ requestId }, async () => {
    const options = {
      endpoint: generatedAppEndpoint(slug),
      req,
      router: generatedAppApi,
      createContext: ({ resHeaders }: { resHeaders: Headers }) => ({
        db: handle,
        ...(services ? { services } : {}),
        user: null,
        headers: req.headers,
        resHeaders,
      }),
    };
    const response = (await handleSubscriptionRequest(options)) ?? (await fetchRequestHandler(options));
    return withRequestId(response, requestId);
  });
}
