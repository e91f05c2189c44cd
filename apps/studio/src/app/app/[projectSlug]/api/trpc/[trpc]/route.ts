import { getDb } from '~/server/db';
import { handleGeneratedAppRequest } from '~/server/generated-app/http';
import { APP_API_BODY_LIMIT_BYTES, withCappedBody } from '~/server/http/body-cap';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// Under the app's own path, so its session cookie (Path=/app/<slug>) reaches
// this endpoint and never the studio's.
async function handler(request: Request, context: { params: Promise<{ projectSlug: string }> }) {
  const { projectSlug } = await context.params;
  const req = await withCappedBody(request, APP_API_BODY_LIMIT_BYTES);
  if (req instanceof Response) return req;
  return handleGeneratedAppRequest(await getDb(), req, projectSlug);
}

export { handler as GET, handler as POST };
