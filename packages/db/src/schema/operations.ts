import { sql } from 'drizzle-orm';
import { boolean, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { projects } from './projects';

/**
 * One row per worker (a `npm run worker` process or the studio's in-process
 * workers), beaten every few seconds: /api/health and /metrics read who is
 * alive, how busy, and how often its supervisor restarted it.
 */
export const workerHeartbeats = pgTable('worker_heartbeat', {
  workerId: text('worker_id').primaryKey(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  kind: text('kind').notNull().$type<'studio' | 'worker'>(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
  beatAt: timestamp('beat_at', { withTimezone: true }).notNull().defaultNow(),
  /**
   * When this worker's uninterrupted beating began: a beat after a gap longer than half the stale
   * window starts a new streak. Only a worker beating for longer than the stale window may judge
   * another one dead (so a database outage never makes live workers take each other's runs).
   */
  streakStart: timestamp('streak_start', { withTimezone: true }).notNull().defaultNow(),
  activeRuns: integer('active_runs').notNull().default(0),
  restarts: integer('restarts').notNull().default(0),
});

/**
 * Operations incidents a project's owner is emailed about once (not once per run): runs that
 * dead-lettered, or a queue whose oldest due run waits longer than TILLFLOW_ALERT_QUEUE_AGE_S. At
 * most one open incident per project and kind (the partial unique index), so concurrent checkers
 * in several processes open it, and send its email, once.
 */
export const operationsAlerts = pgTable(
  'operations_alert',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull().$type<'dead_letter' | 'queue_age'>(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    /** Dead-lettered runs in the incident, or queued runs past the threshold at the last check. */
    runs: integer('runs').notNull().default(0),
    /** What the owner reads: the latest error, or how long the oldest run has waited. */
    detail: text('detail').notNull(),
    mailMessageId: integer('mail_message_id'),
  },
  (t) => [uniqueIndex('operations_alert_open_idx').on(t.projectId, t.kind).where(sql`resolved_at is null`)],
);

/**
 * A project's alert settings (Studio → Events → Operations); no row means the defaults: incidents
 * emailed to the owner, a run waiting longer than TILLFLOW_ALERT_QUEUE_AGE_S opens one.
 */
export const operationsAlertSettings = pgTable('operations_alert_setting', {
  projectId: integer('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  /** Email the project's owner when an incident opens (incidents are recorded and shown either way). */
  email: boolean('email').notNull().default(true),
  /** Seconds a due run may wait before a queue_age incident opens; null = the install's default. */
  queueAgeS: integer('queue_age_s'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
