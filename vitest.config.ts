import path from 'node:path';
import { defineConfig } from 'vitest/config';

// One `npm test` for the whole repo: every package's tests, on PGlite unless
// DATABASE_URL points at PostgreSQL.
export default defineConfig({
  resolve: { alias: { '~': path.resolve(import.meta.dirname, 'apps/studio/src') } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.{ts,tsx}'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // Code nodes at normal priority in tests: on a shared, saturated CI machine the production default
    // (nice 19) would starve them past their time limits. code-node.test.ts checks the priority itself.
    env: { TILLFLOW_CODE_NICE: '0' },
  },
});
