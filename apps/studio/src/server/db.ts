import { createDb, type DbHandle } from '@tillflow/db';

// One database handle per server process. PGlite allows a single opener per
// data folder, and Next may evaluate this module in several bundles, so the
// handle lives on globalThis rather than in module scope.
const globalForDb = globalThis as unknown as { __tillflowDb?: Promise<DbHandle> };

export function getDb(): Promise<DbHandle> {
  globalForDb.__tillflowDb ??= createDb();
  return globalForDb.__tillflowDb;
}
