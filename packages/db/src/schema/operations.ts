import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

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
  activeRuns: integer('active_runs').notNull().default(0),
  restarts: integer('restarts').notNull().default(0),
});
