// Stripe's retry shape for undelivered webhooks (live mode): exponential back-off for up to
// three days. Stripe does not publish exact intervals; the sandbox retries after 1 min, then
// doubles (2, 4, … 512 min), caps each wait at 12 h, and gives up once the next attempt would
// fall more than 3 days after the first (15 attempts in all).
//
// Everything scales with the first delay (`retryBaseMs`, SANDBOX_RETRY_BASE_MS): 60 000 is
// Stripe's real schedule; any other value compresses it by 60 000 / retryBaseMs (tests use
// 20–250 ms, i.e. the three days pass in 1.5–18 minutes, mostly in the last capped waits).

export const STRIPE_FIRST_RETRY_MS = 60_000;
const CAP_FACTOR = 720; // 12 h at a 1 min first delay
const WINDOW_FACTOR = 4320; // 3 days at a 1 min first delay

/** The wait after the `attempt`-th failed attempt (1-based). */
export function retryDelayMs(attempt: number, retryBaseMs: number): number {
  return Math.min(retryBaseMs * 2 ** Math.max(0, attempt - 1), retryBaseMs * CAP_FACTOR);
}

/** How long after the first attempt the sandbox keeps trying (3 days on Stripe's schedule). */
export function retryWindowMs(retryBaseMs: number): number {
  return retryBaseMs * WINDOW_FACTOR;
}

/**
 * When the attempt after `attempt` failed ones is due, or null when the delivery is given up:
 * past the window, or past `maxAttempts` when a caller limits them.
 */
export function nextAttemptAt(
  attempt: number,
  firstAttemptAt: number,
  now: number,
  retryBaseMs: number,
  maxAttempts?: number,
): number | null {
  if (maxAttempts !== undefined && attempt >= maxAttempts) return null;
  const due = now + retryDelayMs(attempt, retryBaseMs);
  return due - firstAttemptAt > retryWindowMs(retryBaseMs) ? null : due;
}
