import { index, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
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
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('project_owner_idx').on(t.ownerId)],
);

export type Project = typeof projects.$inferSelect;
