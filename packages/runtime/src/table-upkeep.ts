import type { DbHandle } from '@tillflow/db';

// Vacuum and planner statistics for Tillflow's own tables when the database does not keep them itself.
//
// The run queue is a table that is written all day: every run leaves three dead versions of its flow_run row
// (queued, running, succeeded) and its steps, every delivery an event and a delivery row. PostgreSQL's
// autovacuum clears dead versions and refreshes the statistics the planner chooses plans by. PGlite (the
// embedded default) has no autovacuum at all, and a PostgreSQL server may run with `autovacuum = off` (this
// project's own machines do). Without it the claim's walk of the queue was planned from no statistics: a
// bitmap scan and a sort of the whole backlog at every claim (11–30 ms) instead of an index walk that stops
// at the free slots; and dead versions pile up in the claim index. So a worker looks every few seconds and,
// only when no autovacuum launcher runs, vacuums or analyzes the tables that crossed autovacuum's own
// default thresholds. Where the server does run autovacuum, its settings (the DBA's) are left alone.

/** Autovacuum's defaults (PostgreSQL 15): act once changes pass base + scale × the table's rows. */
export const UPKEEP_THRESHOLDS = {
  vacuumBase: 50,
  vacuumScale: 0.2,
  analyzeBase: 50,
  analyzeScale: 0.1,
} as const;

/** The most tables one round works on (the most overdue first); the rest wait for the next round. */
export const UPKEEP_TABLES_PER_ROUND = 4;

export interface TableActivity {
  schema: string;
  table: string;
  /** pg_class.reltuples: -1 (or 0) before the table was ever vacuumed or analyzed. */
  rows: number;
  deadRows: number;
  changedSinceAnalyze: number;
}

export interface UpkeepAction {
  schema: string;
  table: string;
  /** `vacuum` also analyzes. */
  action: 'vacuum' | 'analyze';
}

/**
 * What a round should do: each table past a threshold (a vacuum, which analyzes too, before an analyze),
 * most overdue first (by how many times over its threshold it is), at most `UPKEEP_TABLES_PER_ROUND`.
 */
export function planUpkeep(tables: TableActivity[]): UpkeepAction[] {
  const t = UPKEEP_THRESHOLDS;
  const due: { action: UpkeepAction; over: number }[] = [];
  for (const row of tables) {
    const rows = Math.max(0, row.rows);
    const vacuumOver = row.deadRows / (t.vacuumBase + t.vacuumScale * rows);
    const analyzeOver = row.changedSinceAnalyze / (t.analyzeBase + t.analyzeScale * rows);
    if (vacuumOver > 1)
      due.push({ action: { schema: row.schema, table: row.table, action: 'vacuum' }, over: vacuumOver });
    else if (analyzeOver > 1)
      due.push({ action: { schema: row.schema, table: row.table, action: 'analyze' }, over: analyzeOver });
  }
  return due
    .sort((a, b) => b.over - a.over)
    .slice(0, UPKEEP_TABLES_PER_ROUND)
    .map((d) => d.action);
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The statement for one action: skips a table another session holds (DDL), never truncates (no exclusive lock). */
export function upkeepStatement(action: UpkeepAction): string {
  const target = `${quoted(action.schema)}.${quoted(action.table)}`;
  return action.action === 'vacuum'
    ? `vacuum (analyze, skip_locked, truncate false) ${target}`
    : `analyze (skip_locked) ${target}`;
}

/** Tillflow's tables (public and every project's schema) with what the statistics collector counted. */
const ACTIVITY = `select s.schemaname as schema, s.relname as "table", c.reltuples::float8 as rows,
    s.n_dead_tup::float8 as "deadRows", s.n_mod_since_analyze::float8 as "changedSinceAnalyze"
  from pg_stat_user_tables s join pg_class c on c.oid = s.relid
  where s.schemaname = 'public' or s.schemaname in (select schema_name from project)`;

/** An autovacuum launcher runs only where the server vacuums for itself (never in PGlite). */
const SERVER_VACUUMS = `select exists (select 1 from pg_stat_activity where backend_type = 'autovacuum launcher') as yes`;

/**
 * One round: reads the activity counters and, when the server does not vacuum for itself, vacuums or analyzes what
 * is due; returns what it asked for. Several processes may run rounds at once: a table another one is vacuuming is
 * skipped (`skip_locked`), and once vacuumed its counters say so to the next round. (Each statement goes through the
 * pool on its own, outside any transaction, as VACUUM requires; no connection is held between them.)
 */
export async function upkeepTables(handle: DbHandle): Promise<UpkeepAction[]> {
  return round((text) => handle.query<never>(text));
}

async function round(query: (text: string) => Promise<never[]>): Promise<UpkeepAction[]> {
  const [server] = (await query(SERVER_VACUUMS)) as { yes: boolean }[];
  if (server?.yes) return [];
  const tables = ((await query(ACTIVITY)) as TableActivity[]).map((row) => ({
    ...row,
    rows: Number(row.rows),
    deadRows: Number(row.deadRows),
    changedSinceAnalyze: Number(row.changedSinceAnalyze),
  }));
  const actions = planUpkeep(tables);
  for (const action of actions) await query(upkeepStatement(action));
  return actions;
}
