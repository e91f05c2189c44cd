import { newRequestId, withLogContext } from '@tillflow/core';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createTRPCContext } from '~/server/api/context';
import { studioRouter } from '~/server/api/root';
import { handleSubscriptionRequest } from '~/server/api/sse';
import { STUDIO_API_BODY_LIMIT_BYTES, withCappedBody } from '~/server/http/body-cap';
import { withRequestId } from '~/server/http/internal-error';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

async function handler(request: Request) {
  const req = await withCappedBody(request, STUDIO_API_BODY_LIMIT_BYTES);
  if (req instanceof Response) return req;
  const options = {
    endpoint: '/api/trpc',
    req,
    router: studioRouter,
    createContext: () => createTRPCContext({ headers: req.headers }),
  };
  // Subscriptions (the live change streams) take the fan-out SSE writer; everything else tRPC's handler.
  return (await handleSubscriptionRequest(options)) ?? fetchRequestHandler(options);
}

// Every log line written for the request (an internal error's too) carries its id, and so does the response.
const traced = (request: Request) => {
  const requestId = newRequestId();
  return withLogContext({ requestId }, async () => withRequestId(await handler(request), requestId));
};

export { traced as GET, traced as POST };
