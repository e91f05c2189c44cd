import { ingestStripeWebhook, MAX_WEBHOOK_BODY_BYTES } from '@tillflow/runtime';
import { getDb } from '~/server/db';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// Stripe → us. The raw body is read untouched (signature checks need the exact
// bytes) and capped; the runtime verifies, stores and queues in one transaction
// and answers at once: flows never run inside this request.
export async function POST(request: Request, { params }: { params: Promise<{ endpointId: string }> }) {
  const { endpointId } = await params;
  const declared = Number(request.headers.get('content-length') ?? 0);
  const rawBody = declared > MAX_WEBHOOK_BODY_BYTES ? '' : Buffer.from(await request.arrayBuffer());
  const result = await ingestStripeWebhook(await getDb(), {
    endpointId,
    rawBody,
    bodyBytes: declared,
    signatureHeader: request.headers.get('stripe-signature'),
    contentType: request.headers.get('content-type'),
  });
  return Response.json(result.body, { status: result.status });
}
