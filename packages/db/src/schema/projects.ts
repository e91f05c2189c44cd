import { bigint, boolean, index, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { authUser } from './auth';

// A project is one app being built. Its slug names the generated app's URL,
// so it is unique across the whole studio, not per owner.
export const projects = pgTable(
  'project',
  {
    id: serial('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => authUser.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    slug: text('slug').notNull().unique(),
    // The PostgreSQL schema that holds this project's own tables (data model issue).
    schemaName: text('schema_name').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    // Set from a sequence by triggers on data_table and data_column in the transaction that changes them, so
    // the data-access layer's per-project metadata cache sees any DDL at its next read (never reused after a
    // rollback: a sequence value is never handed out twice).
    metadataVersion: bigint('metadata_version', { mode: 'number' }).notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    // Teams: payment flows go live only once a second member approves (flow_review); the owners' choice.
    reviewPaymentPublish: boolean('review_payment_publish').notNull().default(false),
  },
  (t) => [index('project_owner_idx').on(t.ownerId)],
);

export type Project = typeof projects.$inferSelect;
