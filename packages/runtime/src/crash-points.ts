// Test-only crash points, so tests kill a worker at an exact place instead of
// by timing luck. TILLFLOW_TEST_CRASH_AT names one:
//   step:N   SIGKILL this process right after the N-th step record is written here: committed on its own, or
//            written inside a run's shared transaction (consecutive database nodes), which then never commits
//   smtp     SIGKILL right after an SMTP server accepted a message, before it is marked sent
// Unset in production: each check is one comparison.

const spec = process.env.TILLFLOW_TEST_CRASH_AT ?? '';
const stepLimit = spec.startsWith('step:') ? Number(spec.slice(5)) : 0;
let stepCommits = 0;

function die(): never {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is delivered at once; this only satisfies the type checker.
  throw new Error('killed');
}

/** Called after every commit that records a succeeded step, and after each step written in a shared transaction. */
export function stepCommitted(): void {
  if (stepLimit > 0 && ++stepCommits === stepLimit) die();
}

/** Called when a message has left over SMTP, before it is marked sent. */
export function mailLeft(): void {
  if (spec === 'smtp') die();
}
