import { webhookEndpoints } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { ensureFlowEndpoint } from './custom-endpoints';
import { ensureSystemEndpoints } from './endpoints';
import type { PaymentServices } from './stripe-accounts';

export interface EndpointOutcome {
  /** A system flow's kind, or "custom" for a builder's webhook-trigger flow. */
  purpose: string;
  flowId: string | null;
  ok: boolean;
  /** Stripe's own message when registration failed. */
  error?: string;
}

export interface KeySwitchReport {
  endpoints: EndpointOutcome[];
  /** Our endpoints removed from the previous account (never anyone else's), or why one could not be. */
  retired: { stripeEndpointId: string; ok: boolean; error?: string }[];
}

// Domain errors (TillflowError) carry a message a builder can act on; others say what failed.
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Our endpoints' Stripe ids as stored now (before the keys change). */
export async function currentEndpointIds(services: PaymentServices, projectId: number): Promise<string[]> {
  const rows = await services.database.db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.projectId, projectId));
  return rows.map((r) => r.stripeEndpointId).filter((id): id is string => Boolean(id));
}

/**
 * New keys redo what setup did, in the same user action: the system and custom
 * endpoints are registered on the account the keys belong to (reused if they
 * are already there), each reported with Stripe's own error if it failed; then
 * the endpoints we had on the previous account, and only those, are deleted
 * there so it stops posting to us.
 */
export async function followKeysToAccount(
  services: PaymentServices,
  projectId: number,
  previous: { stripe: Stripe; endpointIds: string[] },
  activated: boolean,
): Promise<KeySwitchReport> {
  const endpoints: EndpointOutcome[] = [];
  const rows = await services.database.db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.projectId, projectId));
  if (activated) {
    try {
      for (const e of await ensureSystemEndpoints(services, projectId))
        endpoints.push({ purpose: e.purpose, flowId: null, ok: e.registered !== false });
    } catch (error) {
      for (const row of rows.filter((r) => r.purpose !== 'custom'))
        endpoints.push({ purpose: row.purpose, flowId: null, ok: false, error: message(error) });
    }
  }
  for (const row of rows.filter((r) => r.flowId)) {
    try {
      await ensureFlowEndpoint(services, projectId, { id: String(row.flowId), events: row.enabledEvents });
      endpoints.push({ purpose: 'custom', flowId: row.flowId, ok: true });
    } catch (error) {
      endpoints.push({ purpose: 'custom', flowId: row.flowId, ok: false, error: message(error) });
    }
  }
  const kept = new Set(await currentEndpointIds(services, projectId));
  const retired: KeySwitchReport['retired'] = [];
  for (const id of previous.endpointIds) {
    if (kept.has(id)) continue; // the same account (a rotated key): the endpoint was reused
    try {
      await previous.stripe.webhookEndpoints.del(id);
      retired.push({ stripeEndpointId: id, ok: true });
    } catch (error) {
      retired.push({ stripeEndpointId: id, ok: false, error: message(error) });
    }
  }
  return { endpoints, retired };
}
