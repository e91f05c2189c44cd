import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config';

// The suite as StrykerJS runs it (npm run test:mutation): the covering tests re-run once per mutant, instrumented,
// in one process per runner. Left out here (they still run in npm test and CI): tests whose assertion is a
// wall-clock or memory budget (they fail spuriously when instrumented on a busy machine), tests that spawn
// processes or PostgreSQL clusters, and the studio (it reaches the packages through their package names, which
// resolve outside Stryker's sandbox, so it cannot see the mutants anyway).
// MUTATION_TESTS=<comma-separated test files or globs> narrows the run to those tests (fast feedback on a busy
// machine, e.g. the pure tests of the file you changed); unset, every covering test counts.
const only = process.env.MUTATION_TESTS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    ...(only?.length ? { include: only } : {}),
    // Instrumented code at nice 19 on a shared machine runs several times slower than npm test: a test that takes
    // 10 s there can pass 30 s here. Stryker's own per-mutant timeout (from the dry run) still catches endless loops.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    exclude: [
      ...configDefaults.exclude,
      'apps/**',
      'packages/runtime/test/code-node.test.ts',
      'packages/runtime/test/crash.test.ts',
      'packages/runtime/test/final-status.test.ts',
      'packages/payments/test/crash-receipts.test.ts',
      'packages/payments/test/database-restart.test.ts',
      'packages/payments/test/graceful-shutdown.test.ts',
      'packages/db/test/terminated-connections.test.ts',
      'packages/stripe-sandbox/test/webhook-retries.test.ts',
    ],
  },
});
