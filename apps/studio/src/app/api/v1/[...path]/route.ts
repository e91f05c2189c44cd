import { guardRoute } from '~/server/http/internal-error';
import { handleRestRequest } from '~/server/rest/handler';
import { getServices } from '~/server/services';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const handle = guardRoute('REST', async (request: Request, { params }: { params: Promise<{ path: string[] }> }) => {
  const { path } = await params;
  return handleRestRequest(await getServices(), request, path);
});

export { handle as GET, handle as POST };
