import type { DbHandle } from '@tillflow/db';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { handleSubscriptionRequest } from '../api/sse';
import { createTRPCRouter } from '../api/trpc';
import { generatedAppRouter } from './router';

// Only the app router is mounted at /app/<slug>/api/trpc, and no builder
// session is resolved: it would grant nothing here anyway.
export const generatedAppApi = createTRPCRouter({ app: generatedAppRouter });
export type GeneratedAppApi = typeof generatedAppApi;

export function generatedAppEndpoint(slug: string): string {
  return `/app/${slug}/api/trpc`;
}

/** The generated app's API for one request (Next route, tests and the realtime bench share it). */
export async function handleGeneratedAppRequest(handle: DbHandle, req: Request, slug: string): Promise<Response> {
  const options = {
    endpoint: generatedAppEndpoint(slug),
    req,
    router: generatedAppApi,
    createContext: ({ resHeaders }: { resHeaders: Headers }) => ({
      db: handle,
      user: null,
      headers: req.headers,
      resHeaders,
    }),
  };
  return (await handleSubscriptionRequest(options)) ?? fetchRequestHandler(options);
}
