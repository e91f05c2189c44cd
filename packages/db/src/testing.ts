import { randomUUID } from 'node:crypto';
import { setting } from '@tillflow/core';
import { createDb, type DbHandle } from './client';

/**
 * A migrated database for a test file: a throwaway in-memory PGlite, or the
 * PostgreSQL named by DATABASE_URL (shared, so tests must use unique names).
 */
export function createTestDb(): Promise<DbHandle> {
  const url = setting('DATABASE_URL');
  return url ? createDb({ url }) : createDb({ pgliteDir: 'memory' });
}

export function uniqueSuffix(): string {
  return randomUUID().replace(/-/g, '').slice(0, 10);
}
