import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { setting } from '@tillflow/core';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { runMigrations } from './migrate';
import { dataDir } from './paths';
import { queryText } from './query-text';
import * as schema from './schema';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction or the database itself: anything drizzle can run a query on. */
export type Executor = Pick<Database, 'execute' | 'select' | 'insert' | 'update' | 'delete' | 'transaction'>;

export interface DbHandle {
  db: Database;
  driver: 'pglite' | 'postgres';
  /** Raw parameterised SQL outside drizzle (LISTEN/NOTIFY, benchmarks). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Set for PGlite: the single embedded connection. */
  pglite?: PGlite;
  /** Set for PostgreSQL: the postgres.js pool. */
  sql?: postgres.Sql;
  url?: string;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** postgres://… ; defaults to DATABASE_URL; unset means embedded PGlite. */
  url?: string;
  /** PGlite (whatever DATABASE_URL says): 'memory' for a throwaway database (tests), else a folder. */
  pgliteDir?: string | 'memory';
  /** PGlite in memory only: start from this dumped data folder (`dumpDataDir`) instead of an empty cluster. */
  pgliteTemplate?: Blob;
  /** Apply drizzle/ migrations before returning (default true). */
  migrate?: boolean;
  max?: number;
  /** PostgreSQL only: told the text of every statement sent (benchmarks count round trips with it). */
  onStatement?: (text: string) => void;
}

export async function createDb(options: CreateDbOptions = {}): Promise<DbHandle> {
  // A PGlite folder asked for by name is PGlite even when DATABASE_URL is set (the migrated test template).
  const url = options.pgliteDir ? undefined : (options.url ?? setting('DATABASE_URL'));
  let handle: DbHandle;
  if (url) {
    const sql = postgres(url, {
      max: options.max ?? 10,
      onnotice: () => {},
      ...(options.onStatement ? { debug: (_connection: number, text: string) => options.onStatement?.(text) } : {}),
      // Reconnect within about a second of the database coming back. postgres.js's own backoff grows
      // with every failed attempt of the whole pool (3^n/100 s, up to 20 s), so a busy process could
      // stay cut off for many seconds after a restart while idle ones were back at once: its workers
      // would miss their heartbeats and leases though alive (see heartbeat.ts).
      backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 1),
    });
    const db = drizzlePostgres(sql, { schema }) as unknown as Database;
    handle = {
      db,
      driver: 'postgres',
      sql,
      url,
      query: async <T>(text: string, params: unknown[] = []) =>
        (await sql.unsafe(text, params as never[])) as unknown as T[],
      close: () => sql.end({ timeout: 5 }),
    };
  } else {
    const dir = options.pgliteDir ?? path.join(dataDir(), 'pglite');
    if (dir !== 'memory') mkdirSync(dir, { recursive: true });
    const pglite =
      dir !== 'memory'
        ? new PGlite(dir)
        : options.pgliteTemplate
          ? new PGlite({ loadDataDir: options.pgliteTemplate })
          : new PGlite();
    await pglite.waitReady;
    const db = drizzlePglite(pglite, { schema }) as unknown as Database;
    handle = {
      db,
      driver: 'pglite',
      pglite,
      query: async <T>(text: string, params: unknown[] = []) => (await pglite.query<T>(text, params)).rows,
      close: () => pglite.close(),
    };
  }
  if (options.migrate !== false) await runMigrations(handle);
  return handle;
}

/** Rows of a drizzle `execute` result, whichever driver produced it. */
export async function executeRows<T = Record<string, unknown>>(
  db: Pick<Database, 'execute'>,
  query: SQL,
): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

interface DrizzleInternals {
  session?: {
    client?: {
      unsafe?: (text: string, params: unknown[], options: { prepare: boolean }) => Promise<unknown>;
    };
  };
  dialect?: { sqlToQuery(query: SQL): { sql: string; params: unknown[] } };
}

/**
 * Rows of a hot-path statement whose text is fixed (values are parameters): on PostgreSQL it is a named
 * prepared statement, parsed and planned once per connection (postgres.js keeps it by its text). An
 * unprepared statement with parameters costs two round trips there (parse + describe, then bind +
 * execute) and a fresh plan every time; a prepared one costs one. On PGlite (one in-process connection,
 * no network) it is `executeRows`. Use it only for statements whose result columns never change shape
 * under DDL: a prepared statement whose result type changed fails once inside a transaction.
 */
export async function preparedRows<T = Record<string, unknown>>(
  db: Pick<Database, 'execute'>,
  query: SQL,
): Promise<T[]> {
  const { session, dialect } = db as unknown as DrizzleInternals;
  const client = session?.client;
  if (typeof client?.unsafe !== 'function' || !dialect) return executeRows<T>(db, query);
  // Straight to postgres.js (the transaction's own connection inside one), which names and caches the statement
  // by its text; drizzle's prepared-query wrapper (tracing spans, result cache, logger: none used here) is skipped.
  const { sql: text, params } = queryText(query) ?? dialect.sqlToQuery(query);
  return (await client.unsafe(text, params, { prepare: true })) as T[];
}
