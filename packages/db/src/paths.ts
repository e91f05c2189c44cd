import path from 'node:path';
import { findRepoRoot } from '@tillflow/core';

export { dataDir, findRepoRoot } from '@tillflow/core';

export function migrationsDir(): string {
  return path.join(findRepoRoot(), 'drizzle');
}
