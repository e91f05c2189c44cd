import { index, integer, jsonb, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import { projects } from './projects';

// Sessions of a generated app's end users: separate from builder sessions.
// Only a SHA-256 of the cookie token is stored, so a leaked table grants nothing.
export const appSessions = pgTable(
  'app_session',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    // The row id in the project's end-user table (another schema, so no FK).
    endUserId: integer('end_user_id').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('app_session_project_user_idx').on(t.projectId, t.endUserId)],
);

export interface AppCatalogSettings {
  /** 'table': rows of a builder table; 'prices': Stripe prices listed by id; 'both'. */
  source: 'table' | 'prices' | 'both' | 'none';
  table?: string;
  nameColumn?: string;
  priceColumn?: string;
  currencyColumn?: string;
  /** Stripe price ids offered as subscriptions / one-time prices. */
  priceIds?: string[];
  /** Free trial for subscriptions started from the app (the builder decides, never the buyer). */
  trialDays?: number;
  /** The order table column that names what was bought, if any. */
  orderLabelColumn?: string;
}

/** What the generated app shows, as chosen in studio → App. */
export const appSettings = pgTable('app_settings', {
  projectId: integer('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  title: text('title'),
  catalog: jsonb('catalog').$type<AppCatalogSettings>().notNull().default({ source: 'none' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
