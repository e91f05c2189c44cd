import { toNextJsHandler } from 'better-auth/next-js';
import { getAuth } from '~/server/auth';
import { AUTH_BODY_LIMIT_BYTES, withCappedBody } from '~/server/http/body-cap';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

async function handle(request: Request) {
  const req = await withCappedBody(request, AUTH_BODY_LIMIT_BYTES);
  if (req instanceof Response) return req;
  const auth = await getAuth();
  const { GET, POST } = toNextJsHandler(auth);
  return req.method === 'GET' ? GET(req) : POST(req);
}

export { handle as GET, handle as POST };
