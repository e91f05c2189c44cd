import { randomBytes } from 'node:crypto';
import {
  type Logger,
  maskSecret,
  openSecret,
  SecretBoxError,
  type SecretOwner,
  sealSecret,
  TillflowError,
} from '@tillflow/core';
import { type Executor, webhookEndpoints } from '@tillflow/db';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { invalidateRoutingCache } from './routing-cache';

export const createWebhookEndpointInput = z.object({
  projectId: z.number().int().positive(),
  purpose: z.string().min(1),
  flowId: z.string().uuid().nullish(),
  stripeEndpointId: z.string().nullish(),
  url: z.string().nullish(),
  enabledEvents: z.array(z.string()).default([]),
  /** whsec_… from Stripe; generated when omitted (sandbox, tests). */
  secret: z.string().min(8).optional(),
});

/** Whom a webhook signing secret is sealed for. */
export const webhookSecretOwner = (projectId: number): SecretOwner => ({
  projectId,
  purpose: 'webhook.signing_secret',
});

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

export async function createWebhookEndpoint(db: Executor, input: z.input<typeof createWebhookEndpointInput>) {
  const parsed = createWebhookEndpointInput.parse(input);
  const secret = parsed.secret ?? generateWebhookSecret();
  const [row] = await db
    .insert(webhookEndpoints)
    .values({
      projectId: parsed.projectId,
      purpose: parsed.purpose,
      flowId: parsed.flowId ?? null,
      stripeEndpointId: parsed.stripeEndpointId ?? null,
      url: parsed.url ?? null,
      enabledEvents: parsed.enabledEvents,
      secretEncrypted: sealSecret(secret, webhookSecretOwner(parsed.projectId)),
    })
    .returning();
  return { endpoint: publicEndpoint(row), secret };
}

/** An endpoint as the studio may show it: the secret only masked. */
export function publicEndpoint(row: typeof webhookEndpoints.$inferSelect) {
  const { secretEncrypted, previousSecretEncrypted, ...rest } = row;
  return { ...rest, secretMasked: maskSecret(openSecret(secretEncrypted, webhookSecretOwner(row.projectId))) };
}

export async function listWebhookEndpoints(db: Executor, projectId: number) {
  const rows = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.projectId, projectId));
  return rows.map(publicEndpoint);
}

/**
 * Install a new signing secret; the old one stays accepted for `overlapSeconds`
 * (Stripe's roll lets both sign during the overlap).
 */
export async function rotateWebhookEndpointSecret(
  db: Executor,
  projectId: number,
  endpointId: string,
  newSecret: string = generateWebhookSecret(),
  overlapSeconds = 24 * 3600,
) {
  const [current] = await db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.projectId, projectId)));
  if (!current) throw new TillflowError('NOT_FOUND', 'This webhook endpoint no longer exists.');
  await db
    .update(webhookEndpoints)
    .set({
      secretEncrypted: sealSecret(newSecret, webhookSecretOwner(projectId)),
      previousSecretEncrypted: current.secretEncrypted,
      previousSecretExpiresAt: new Date(Date.now() + overlapSeconds * 1000),
    })
    .where(eq(webhookEndpoints.id, endpointId));
  invalidateRoutingCache();
  return { secret: newSecret };
}

export async function deleteWebhookEndpoint(db: Executor, projectId: number, endpointId: string): Promise<void> {
  await db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.id, endpointId), eq(webhookEndpoints.projectId, projectId)));
  invalidateRoutingCache();
}

// Decrypting on every delivery is cheap but not free; the owner and the sealed value are the cache key,
// so a rotation is seen at once and a value copied to another project's row still has to open there.
const plainCache = new Map<string, string>();
function openCached(sealed: string, projectId: number): string {
  const key = `${projectId}:${sealed}`;
  let plain = plainCache.get(key);
  if (plain === undefined) {
    plain = openSecret(sealed, webhookSecretOwner(projectId));
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the cache's 1000-entry bound only limits memory: decrypting again gives the same secrets
    if (plainCache.size > 1000) plainCache.clear();
    plainCache.set(key, plain);
  }
  return plain;
}

/**
 * The secrets a delivery may be signed with right now (current, plus the previous one during the overlap).
 * A sealed value that does not open for this endpoint's project (copied from another row) verifies nothing.
 */
export function acceptedSecrets(
  endpoint: typeof webhookEndpoints.$inferSelect,
  now = new Date(),
  logger?: Logger,
): string[] {
  const sealed = [endpoint.secretEncrypted];
  if (
    endpoint.previousSecretEncrypted &&
    endpoint.previousSecretExpiresAt &&
    endpoint.previousSecretExpiresAt.getTime() > now.getTime()
  )
    sealed.push(endpoint.previousSecretEncrypted);
  return sealed.flatMap((value) => {
    try {
      return [openCached(value, endpoint.projectId)];
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      logger?.warn({ endpointId: endpoint.id, err: error }, 'a stored webhook secret does not open for its endpoint');
      return [];
    }
  });
}
