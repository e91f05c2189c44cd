import { publicUrl, sealSecret } from '@tillflow/core';
import { webhookEndpoints } from '@tillflow/db';
import { type SystemFlowKind, systemFlowEvents, systemFlowKinds } from '@tillflow/flow-model';
import { generateWebhookSecret, publicEndpoint, webhookSecretOwner } from '@tillflow/runtime';
import { and, eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { fromStripeError, PaymentError } from './errors';
import type { PaymentServices } from './stripe-accounts';
import { STRIPE_API_VERSION } from './stripe-client';

export type { SystemFlowKind };

// One endpoint per system flow with exactly the events that flow handles (the
// seeds' rule: never add events to a system endpoint, one endpoint per purpose).
export const SYSTEM_FLOW_EVENTS = systemFlowEvents;
export const SYSTEM_FLOW_KINDS = systemFlowKinds;

/** Stripe allows 16 endpoints per account; activation needs 5, so it refuses above 11. */
export const STRIPE_ENDPOINT_LIMIT = 16;

async function listAllRemote(stripe: Stripe): Promise<Stripe.WebhookEndpoint[]> {
  const all: Stripe.WebhookEndpoint[] = [];
  for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) all.push(endpoint);
  return all;
}

type EndpointRow = typeof webhookEndpoints.$inferSelect;

/**
 * Stores a new endpoint row with a secret of our own (replaced by Stripe's
 * when the endpoint is created there). The row comes first: its id is the
 * unguessable part of the URL Stripe posts to.
 */
export async function insertEndpointRow(
  services: PaymentServices,
  projectId: number,
  values: { purpose: string; flowId?: string; enabledEvents: string[] },
): Promise<EndpointRow> {
  const [row] = await services.database.db
    .insert(webhookEndpoints)
    .values({
      projectId,
      ...values,
      secretEncrypted: sealSecret(generateWebhookSecret(), webhookSecretOwner(projectId)),
    })
    .returning();
  return row;
}

/** The address Stripe posts an endpoint's events to. */
export function endpointUrl(row: { id: string }): string {
  return `${publicUrl()}/api/hooks/stripe/${row.id}`;
}

/**
 * Creates a stored endpoint at Stripe (the idempotency key names the row and
 * the Stripe endpoint it replaces, so a retried call never makes two) and
 * stores Stripe's id, the URL, the events and Stripe's signing secret.
 */
export async function createStripeEndpoint(
  services: PaymentServices,
  stripe: Stripe,
  row: EndpointRow,
  spec: {
    url: string;
    events: string[];
    description: string;
    metadata: Record<string, string>;
    /** A re-created system endpoint starts with no failures counted. */
    resetFailures?: boolean;
  },
): Promise<void> {
  const created = await stripe.webhookEndpoints.create(
    {
      url: spec.url,
      enabled_events: spec.events as never,
      api_version: STRIPE_API_VERSION,
      description: spec.description,
      metadata: spec.metadata,
    },
    { idempotencyKey: `tillflow-endpoint-${row.id}-${row.stripeEndpointId ?? 'new'}` },
  );
  await services.database.db
    .update(webhookEndpoints)
    .set({
      stripeEndpointId: created.id,
      url: spec.url,
      enabledEvents: spec.events,
      secretEncrypted: sealSecret(String(created.secret), webhookSecretOwner(row.projectId)),
      ...(spec.resetFailures ? { failureCount: 0 } : {}),
    })
    .where(and(eq(webhookEndpoints.id, row.id), eq(webhookEndpoints.projectId, row.projectId)));
}

/** Before activating: the account must have room for the system endpoints. */
export async function assertEndpointRoom(services: PaymentServices, projectId: number): Promise<void> {
  const { stripe } = await services.stripeAccounts.forProject(services.database.db, projectId);
  let remote: Stripe.WebhookEndpoint[];
  try {
    remote = await listAllRemote(stripe);
  } catch (error) {
    throw fromStripeError(error);
  }
  const needed = SYSTEM_FLOW_KINDS.length;
  if (remote.length > STRIPE_ENDPOINT_LIMIT - needed)
    throw new PaymentError(
      'PRECONDITION_FAILED',
      `This Stripe account already has ${remote.length} webhook endpoints; Stripe allows ${STRIPE_ENDPOINT_LIMIT} and payments need ${needed}. Delete unused endpoints in the Stripe Dashboard (keep at most ${STRIPE_ENDPOINT_LIMIT - needed}), then activate again.`,
    );
}

/**
 * Registers the system endpoints, or repairs them: an endpoint that still
 * exists in Stripe is reused (and its URL/events restored if someone edited
 * them); one deleted in Stripe is re-created at the same URL with a new
 * secret. Endpoints never pile up across repairs or restarts.
 */
export async function ensureSystemEndpoints(services: PaymentServices, projectId: number) {
  const { stripe } = await services.stripeAccounts.forProject(services.database.db, projectId);
  try {
    const remote = await listAllRemote(stripe);
    const local = await services.database.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.projectId, projectId));
    const missing = SYSTEM_FLOW_KINDS.filter((kind) => {
      const row = local.find((l) => l.purpose === kind);
      return !row?.stripeEndpointId || !remote.some((r) => r.id === row.stripeEndpointId);
    });
    if (remote.length + missing.length > STRIPE_ENDPOINT_LIMIT)
      throw new PaymentError(
        'PRECONDITION_FAILED',
        `Stripe allows ${STRIPE_ENDPOINT_LIMIT} webhook endpoints and this account has ${remote.length}; ${missing.length} more are needed. Delete unused endpoints in the Stripe Dashboard, then repair.`,
      );
    for (const kind of SYSTEM_FLOW_KINDS) {
      const events = SYSTEM_FLOW_EVENTS[kind];
      const row =
        local.find((l) => l.purpose === kind) ??
        (await insertEndpointRow(services, projectId, { purpose: kind, enabledEvents: events }));
      const url = endpointUrl(row);
      const existing = remote.find((r) => r.id === row.stripeEndpointId);
      if (existing) {
        const drifted =
          existing.url !== url ||
          existing.status !== 'enabled' ||
          [...existing.enabled_events].sort().join() !== [...events].sort().join();
        if (drifted)
          await stripe.webhookEndpoints.update(existing.id, { url, enabled_events: events as never, disabled: false });
        await services.database.db
          .update(webhookEndpoints)
          .set({ url, enabledEvents: events })
          .where(eq(webhookEndpoints.id, row.id));
        continue;
      }
      await createStripeEndpoint(services, stripe, row, {
        url,
        events,
        description: `Tillflow ${kind} (project ${projectId})`,
        metadata: { tillflow_project_id: String(projectId), tillflow_purpose: kind },
        resetFailures: true,
      });
    }
  } catch (error) {
    if (error instanceof PaymentError) throw error;
    throw fromStripeError(error);
  }
  return endpointHealth(services, projectId);
}

/** Each endpoint as the studio shows it: purpose, events, last delivery, failures, whether Stripe still has it. */
export async function endpointHealth(services: PaymentServices, projectId: number) {
  const rows = await services.database.db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.projectId, projectId));
  let remoteIds: Set<string> | null = null;
  try {
    const { stripe } = await services.stripeAccounts.forProject(services.database.db, projectId);
    remoteIds = new Set((await listAllRemote(stripe)).filter((r) => r.status === 'enabled').map((r) => r.id));
  } catch {
    remoteIds = null; // Stripe unreachable: show what we know locally
  }
  return rows.map((row) => {
    const registered = remoteIds ? Boolean(row.stripeEndpointId && remoteIds.has(row.stripeEndpointId)) : null;
    return {
      ...publicEndpoint(row),
      registered,
      healthy: registered !== false && row.failureCount === 0,
    };
  });
}
