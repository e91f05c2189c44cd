import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { stripeEvents } from './events';
import { projects } from './projects';

// A flow: an editable draft plus immutable published versions; runs name the
// version they executed.
export const flows = pgTable(
  'flow',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind').notNull().$type<'system' | 'custom'>(),
    // For system flows: which built-in (e.g. 'payment', 'refund', 'recurring', 'renewal').
    systemKind: text('system_kind'),
    // The published trigger (routing reads it without loading the version).
    trigger: jsonb('trigger').notNull(),
    draft: jsonb('draft').notNull(),
    // Optimistic concurrency for draft saves: a save names the revision it edited.
    draftRevision: integer('draft_revision').notNull().default(1),
    publishedVersionId: uuid('published_version_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('flow_project_idx').on(t.projectId)],
);

export const flowVersions = pgTable(
  'flow_version',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    definition: jsonb('definition').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by'),
  },
  (t) => [uniqueIndex('flow_version_flow_version_uq').on(t.flowId, t.version)],
);

// A run is also its own queue entry: inserted 'queued' in the transaction that
// stored its event (outbox), claimed by a worker with a lease that expires if
// the worker dies, so another worker finishes it.
export const flowRuns = pgTable(
  'flow_run',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    flowVersionId: uuid('flow_version_id').references(() => flowVersions.id, { onDelete: 'set null' }),
    eventRowId: uuid('event_row_id').references(() => stripeEvents.id, { onDelete: 'set null' }),
    // What started the run. Null for a webhook run: its event's payload (stripe_event, event_row_id) is
    // read at claim, so the hot queue row stays narrow (it is rewritten at claim, on every lease renewal
    // and at the end).
    triggerPayload: jsonb('trigger_payload'),
    status: text('status').notNull().$type<'queued' | 'running' | 'succeeded' | 'failed'>().default('queued'),
    attempt: integer('attempt').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    runAfter: timestamp('run_after', { withTimezone: true }).notNull().defaultNow(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    lockedBy: text('locked_by'),
    error: text('error'),
    testRun: boolean('test_run').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    // Only unfinished runs are claimable: finished ones (nearly the whole table) never enter this index.
    index('flow_run_claim_idx').on(t.status, t.runAfter).where(sql`status in ('queued', 'running')`),
    index('flow_run_project_idx').on(t.projectId, t.createdAt),
    index('flow_run_flow_idx').on(t.flowId, t.createdAt),
    index('flow_run_event_idx').on(t.eventRowId),
  ],
);

export const flowSteps = pgTable(
  'flow_step',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    runId: uuid('run_id')
      .notNull()
      .references(() => flowRuns.id, { onDelete: 'cascade' }),
    nodeId: text('node_id').notNull(),
    nodeType: text('node_type').notNull(),
    status: text('status').notNull().$type<'running' | 'succeeded' | 'failed' | 'skipped'>(),
    input: jsonb('input'),
    output: jsonb('output'),
    error: text('error'),
    // Control decisions are recorded too, so a retried run follows the same path.
    branch: text('branch'),
    stopped: boolean('stopped').notNull().default(false),
    attempt: integer('attempt').notNull().default(1),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    durationMs: integer('duration_ms'),
  },
  (t) => [uniqueIndex('flow_step_run_node_uq').on(t.runId, t.nodeId)],
);

export type Flow = typeof flows.$inferSelect;
export type FlowVersion = typeof flowVersions.$inferSelect;
export type FlowRun = typeof flowRuns.$inferSelect;
export type FlowStep = typeof flowSteps.$inferSelect;
