import { webhookEndpoints } from '@tillflow/db';
import { and, eq } from 'drizzle-orm';
import { createStripeEndpoint, endpointUrl, insertEndpointRow, STRIPE_ENDPOINT_LIMIT } from './endpoints';
import { fromStripeError, PaymentError } from './errors';
import { ensureSandboxAccount } from './sandbox-account';
import type { PaymentServices } from './stripe-accounts';

/**
 * A custom flow with a Stripe webhook trigger gets an endpoint of its own with
 * only its chosen events (never events added to a system endpoint). Called on
 * publish: an existing endpoint is updated in place (same URL, same secret),
 * so publishing again never adds an endpoint.
 */
export async function ensureFlowEndpoint(
  services: PaymentServices,
  projectId: number,
  flow: { id: string; events: string[] },
) {
  if (flow.events.length === 0)
    throw new PaymentError('VALIDATION', 'Choose at least one Stripe event for the trigger.');
  // Without keys, the project's own sandbox account (never the shared default one).
  await ensureSandboxAccount(services, projectId);
  const { stripe } = await services.stripeAccounts.forProject(services.database.db, projectId);
  const [existing] = await services.database.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.projectId, projectId), eq(webhookEndpoints.flowId, flow.id)));
  try {
    const row =
      existing ??
      (await insertEndpointRow(services, projectId, {
        purpose: 'custom',
        flowId: flow.id,
        enabledEvents: flow.events,
      }));
    const url = endpointUrl(row);
    const remote = row.stripeEndpointId
      ? await stripe.webhookEndpoints.retrieve(row.stripeEndpointId).catch(() => null)
      : null;
    if (remote && !('deleted' in remote && remote.deleted)) {
      await stripe.webhookEndpoints.update(remote.id, { url, enabled_events: flow.events as never, disabled: false });
      await services.database.db
        .update(webhookEndpoints)
        .set({ url, enabledEvents: flow.events })
        .where(eq(webhookEndpoints.id, row.id));
      return { endpointId: row.id, created: false };
    }
    let count = 0;
    for await (const _ of stripe.webhookEndpoints.list({ limit: 100 })) count++;
    if (count >= STRIPE_ENDPOINT_LIMIT)
      throw new PaymentError(
        'PRECONDITION_FAILED',
        `This Stripe account already has ${count} webhook endpoints (Stripe's limit is ${STRIPE_ENDPOINT_LIMIT}); delete unused ones in the Stripe Dashboard first.`,
      );
    await createStripeEndpoint(services, stripe, row, {
      url,
      events: flow.events,
      description: `Tillflow custom flow ${flow.id}`,
      metadata: { tillflow_project_id: String(projectId), tillflow_flow_id: flow.id },
    });
    return { endpointId: row.id, created: true };
  } catch (error) {
    if (error instanceof PaymentError) throw error;
    throw fromStripeError(error);
  }
}

/** When a custom flow is deleted: its endpoint goes from Stripe and from us. */
export async function removeFlowEndpoint(services: PaymentServices, projectId: number, flowId: string): Promise<void> {
  const [row] = await services.database.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.projectId, projectId), eq(webhookEndpoints.flowId, flowId)));
  if (!row) return;
  if (row.stripeEndpointId) {
    const { stripe } = await services.stripeAccounts.forProject(services.database.db, projectId);
    await stripe.webhookEndpoints.del(row.stripeEndpointId).catch(() => undefined); // already gone is fine
  }
  await services.database.db.delete(webhookEndpoints).where(eq(webhookEndpoints.id, row.id));
}
