import { guardRoute } from '~/server/http/internal-error';
import { handleStripeWebhookRequest } from '~/server/http/webhooks';
import { getServices } from '~/server/services';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export const POST = guardRoute(
  'webhook',
  async (request: Request, { params }: { params: Promise<{ endpointId: string }> }) => {
    const { endpointId } = await params;
    return handleStripeWebhookRequest(await getServices(), request, endpointId);
  },
);
