import { getDb } from '~/server/db';
import { handleRestRequest } from '~/server/rest/handler';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

async function handle(request: Request, { params }: { params: Promise<{ path: string[] }> }) {
  const { path } = await params;
  return handleRestRequest(await getDb(), request, path);
}

export { handle as GET, handle as POST };
