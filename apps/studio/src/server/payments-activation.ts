import type { DbHandle } from '@tillflow/db';
import type { ActivationHooks } from '@tillflow/payments/activation';

/**
 * What activation does beyond the payments package's own tables: the system
 * flows and their webhook endpoints (runtime-backed).
 */
export function paymentActivationHooks(_handle: DbHandle): ActivationHooks {
  return {};
}
