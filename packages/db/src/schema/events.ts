import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { webhookEndpoints } from './endpoints';
import { projects } from './projects';

// Every Stripe event a project received, once: Stripe delivers at least once,
// so (project, event id) is unique and re-deliveries only add a delivery row.
export const stripeEvents = pgTable(
  'stripe_event',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id').references(() => webhookEndpoints.id, { onDelete: 'set null' }),
    eventId: text('event_id').notNull(),
    type: text('type').notNull(),
    livemode: boolean('livemode').notNull().default(false),
    // data.object.id and the event's own `created` (seconds): ordering per object.
    objectId: text('object_id'),
    eventCreated: bigint('event_created', { mode: 'number' }).notNull(),
    payload: jsonb('payload').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    deliveryCount: integer('delivery_count').notNull().default(1),
  },
  (t) => [
    // Stored once per endpoint: an event both a system flow and a custom flow listen to reaches each
    // through its own endpoint and must run both; re-deliveries to the same endpoint are duplicates.
    unique('stripe_event_endpoint_event_uq').on(t.projectId, t.endpointId, t.eventId).nullsNotDistinct(),
    index('stripe_event_event_idx').on(t.projectId, t.eventId),
    index('stripe_event_object_idx').on(t.projectId, t.objectId),
    index('stripe_event_received_idx').on(t.projectId, t.receivedAt),
  ],
);

// Each accepted delivery attempt, duplicates included.
export const webhookDeliveries = pgTable(
  'webhook_delivery',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventRowId: uuid('event_row_id')
      .notNull()
      .references(() => stripeEvents.id, { onDelete: 'cascade' }),
    duplicate: boolean('duplicate').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('webhook_delivery_event_idx').on(t.eventRowId),
    index('webhook_delivery_received_idx').on(t.receivedAt),
  ],
);

export type StripeEventRow = typeof stripeEvents.$inferSelect;
