import { readBodyCapped } from '@tillflow/core';
import type { Services } from '@tillflow/payments';
import { receiveStripeWebhook } from '@tillflow/runtime';

/**
 * Stripe → us. The endpoint is looked up before the body is read; the raw body
 * (signature checks need the exact bytes) is then read as a stream with the
 * 1 MB cap, Content-Length or not. The runtime verifies, stores and queues in
 * one transaction and answers at once: flows never run inside this request.
 */
export async function handleStripeWebhookRequest(
  services: Pick<Services, 'database' | 'logger'>,
  request: Request,
  endpointId: string,
): Promise<Response> {
  const result = await receiveStripeWebhook(services.database, {
    endpointId,
    signatureHeader: request.headers.get('stripe-signature'),
    contentType: request.headers.get('content-type'),
    readBody: (maxBytes) => readBodyCapped(request.body, maxBytes, request.headers.get('content-length')),
    logger: services.logger,
  });
  // A refused body is left unread on the wire: close the connection rather than drain it.
  const headers = result.status === 413 ? { connection: 'close' } : undefined;
  return Response.json(result.body, { status: result.status, headers });
}
