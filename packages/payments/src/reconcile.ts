import { openSecret } from '@tillflow/core';
import { stripeEvents, webhookEndpoints } from '@tillflow/db';
import { ingestStripeWebhook, stripeSignatureHeader, webhookSecretOwner } from '@tillflow/runtime';
import { and, eq, inArray } from 'drizzle-orm';
import type Stripe from 'stripe';
import { fromStripeError } from './errors';
import type { PaymentServices } from './stripe-accounts';

export interface ReconcileResult {
  /** Events Stripe has for this project's endpoints in the window. */
  checked: number;
  /** Of those, events we had never received: now stored and run. */
  recovered: number;
}

/** The project's webhook endpoints (system and custom), as stored. */
export function projectEndpoints(
  services: PaymentServices,
  projectId: number,
): Promise<(typeof webhookEndpoints.$inferSelect)[]> {
  return services.database.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.projectId, projectId));
}

/**
 * Feeds an event Stripe did not deliver (recovered from the Events API, or
 * made by "Check against Stripe") through the same ingestion path as a
 * delivery, signed with the endpoint's own secret. Answers the ingest's status
 * (200 when it was stored or already known).
 */
export async function feedAsDelivered(
  services: PaymentServices,
  endpoint: typeof webhookEndpoints.$inferSelect,
  event: unknown,
): Promise<number> {
  const rawBody = JSON.stringify(event);
  const result = await ingestStripeWebhook(services.database, {
    endpointId: endpoint.id,
    rawBody,
    signatureHeader: stripeSignatureHeader(
      rawBody,
      openSecret(endpoint.secretEncrypted, webhookSecretOwner(endpoint.projectId)),
    ),
    contentType: 'application/json',
    logger: services.logger,
  });
  return result.status;
}

/**
 * The cure for missed webhooks: Stripe keeps 30 days of events. Every event
 * for a system endpoint that we never received is fetched from the Events API
 * and fed through the same ingestion path as a delivery (signed with the
 * endpoint's own secret), so it is stored once and runs its flows; events we
 * already have are left alone.
 */
export async function reconcileFromStripe(
  services: PaymentServices,
  projectId: number,
  options: { sinceSeconds?: number } = {},
): Promise<ReconcileResult> {
  const { stripe } = await services.stripeAccounts.forProject(services.database.db, projectId);
  const endpoints = await projectEndpoints(services, projectId);
  const since = options.sinceSeconds ?? Math.floor(Date.now() / 1000) - 30 * 86_400;
  let fetched: Stripe.Event[] = [];
  try {
    for await (const event of stripe.events.list({ created: { gte: since }, limit: 100 })) fetched.push(event);
  } catch (error) {
    throw fromStripeError(error);
  }
  const relevant = (event: Stripe.Event) => endpoints.find((e) => e.enabledEvents.includes(event.type));
  fetched = fetched.filter(relevant);
  if (fetched.length === 0) return { checked: 0, recovered: 0 };
  const known = new Set(
    (
      await services.database.db
        .select({ eventId: stripeEvents.eventId })
        .from(stripeEvents)
        .where(
          and(
            eq(stripeEvents.projectId, projectId),
            inArray(
              stripeEvents.eventId,
              fetched.map((e) => e.id),
            ),
          ),
        )
    ).map((r) => r.eventId),
  );
  let recovered = 0;
  // Oldest first, as Stripe would have delivered them.
  for (const event of [...fetched].reverse()) {
    if (known.has(event.id)) continue;
    const endpoint = relevant(event);
    if (!endpoint) continue;
    if ((await feedAsDelivered(services, endpoint, event)) === 200) recovered++;
  }
  return { checked: fetched.length, recovered };
}
