import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects';

// One Stripe webhook endpoint per purpose (a system flow kind or a custom
// flow). Its id is the unguessable part of the URL Stripe posts to; its
// signing secret is stored only encrypted (runtime's secret box).
export const webhookEndpoints = pgTable(
  'webhook_endpoint',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    // 'payment' | 'refund' | 'recurring' | ... (system flow kind) or 'custom'.
    purpose: text('purpose').notNull(),
    flowId: uuid('flow_id'),
    stripeEndpointId: text('stripe_endpoint_id'),
    url: text('url'),
    enabledEvents: text('enabled_events').array().notNull().default([]),
    secretEncrypted: text('secret_encrypted').notNull(),
    // After a rotation the old secret stays valid until it expires (Stripe's overlap window).
    previousSecretEncrypted: text('previous_secret_encrypted'),
    previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastDeliveryAt: timestamp('last_delivery_at', { withTimezone: true }),
    failureCount: integer('failure_count').notNull().default(0),
  },
  (t) => [index('webhook_endpoint_project_idx').on(t.projectId)],
);

// A refused request: why and when, never its body or signature.
export const webhookRejections = pgTable(
  'webhook_rejection',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    // Text, not a foreign key: a request can name an endpoint that does not exist.
    endpointId: text('endpoint_id').notNull(),
    projectId: integer('project_id'),
    reason: text('reason').notNull(),
    bodyBytes: integer('body_bytes').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('webhook_rejection_endpoint_idx').on(t.endpointId, t.receivedAt)],
);

export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
