import path from 'node:path';
import { defineConfig } from 'vitest/config';

// One `npm test` for the whole repo: every package's tests, on PGlite unless
// DATABASE_URL points at PostgreSQL.
export default defineConfig({
  resolve: { alias: { '~': path.resolve(import.meta.dirname, 'apps/studio/src') } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.{ts,tsx}'],
    // Generous bounds for a hung test, not a speed check (speed lives in benchmarks): on a 2-core CI
    // machine, PGlite files running two at a time take minutes, and a 30 s bound failed correct tests.
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
    // Code nodes at normal priority in tests: on a shared, saturated CI machine the production default
    // (nice 19) would starve them past their time limits. code-node.test.ts checks the priority itself.
    env: { TILLFLOW_CODE_NICE: '0' },
  },
});
