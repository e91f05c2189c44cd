import { handleGeneratedAppRequest } from '~/server/app/http';
import { getDb } from '~/server/db';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// Under the app's own path, so its session cookie (Path=/app/<slug>) reaches
// this endpoint and never the studio's.
async function handler(req: Request, context: { params: Promise<{ projectSlug: string }> }) {
  const { projectSlug } = await context.params;
  return handleGeneratedAppRequest(await getDb(), req, projectSlug);
}

export { handler as GET, handler as POST };
