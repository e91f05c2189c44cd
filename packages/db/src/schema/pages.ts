import { boolean, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { projects } from './projects';

// A page of a generated app (packages/page-model): an editable draft plus immutable published versions, as
// flows. The app serves the published version at /app/<slug><published_path>.
export const appPages = pgTable(
  'app_page',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    // The draft's title and path are inside `draft`; these are the published ones (routing reads them).
    draft: jsonb('draft').notNull(),
    // Optimistic concurrency for draft saves: a save names the revision it edited.
    draftRevision: integer('draft_revision').notNull().default(1),
    publishedVersion: integer('published_version'),
    publishedPath: text('published_path'),
    isHome: boolean('is_home').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('app_page_project_idx').on(t.projectId)],
);

export const appPageVersions = pgTable(
  'app_page_version',
  {
    id: serial('id').primaryKey(),
    pageId: integer('page_id')
      .notNull()
      .references(() => appPages.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    definition: jsonb('definition').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by'),
  },
  (t) => [uniqueIndex('app_page_version_uq').on(t.pageId, t.version)],
);

// Which default pages (page-model defaultPages: shop, orders, subscriptions, refunds) were made for a project, so
// each is made once: a page the builder deleted is not made again. page_id is the page made (null once deleted).
export const appDefaultPages = pgTable(
  'app_default_page',
  {
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    pageId: integer('page_id').references(() => appPages.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('app_default_page_uq').on(t.projectId, t.key)],
);
