import type { Logger } from '@tillflow/core';
import { paymentSettings } from '@tillflow/db';
import { isNotNull } from 'drizzle-orm';
import { checkAgainstStripe } from './check';
import { ensureSystemEndpoints } from './endpoints';
import type { PaymentServices } from './stripe-accounts';
import { upgradePaymentsProject } from './system-flows';

/** Every project with payments turned on: its order table and Stripe mode. */
function activatedProjects(services: PaymentServices) {
  return services.database.db
    .select({
      projectId: paymentSettings.projectId,
      orderTableId: paymentSettings.orderTableId,
      mode: paymentSettings.mode,
    })
    .from(paymentSettings)
    .where(isNotNull(paymentSettings.activatedAt));
}

/**
 * What keeps a project in step with Stripe without anyone watching: endpoints
 * deleted or edited in Stripe are repaired, and events that never arrived are
 * recovered. One project's failure (e.g. a revoked key) never stops the others.
 */
export async function runPaymentsMaintenance(
  services: PaymentServices,
  options: { lookbackSeconds?: number; projectIds?: number[] } = {},
) {
  const active = await activatedProjects(services);
  const since = Math.floor(Date.now() / 1000) - (options.lookbackSeconds ?? 3 * 86_400);
  const report: { projectId: number; recovered: number; fixed?: number; error?: string }[] = [];
  for (const { projectId, orderTableId, mode } of active) {
    if (options.projectIds && !options.projectIds.includes(projectId)) continue;
    try {
      if (orderTableId) await upgradePaymentsProject(services.database, projectId, orderTableId, mode === 'live');
      await ensureSystemEndpoints(services, projectId);
      const check = await checkAgainstStripe(services, projectId, { sinceSeconds: since });
      report.push({ projectId, recovered: check.events.recovered, fixed: check.fixed.length });
    } catch (error) {
      report.push({ projectId, recovered: 0, error: (error as Error).message });
    }
  }
  return report;
}

/**
 * At start-up: every activated project is brought up to this release (system flows, their events,
 * system-table columns, endpoints) at once, rather than at the first maintenance run 15 minutes later.
 * Stripe is not asked to compare anything here; one project's failure never stops the others.
 */
export async function upgradePaymentsProjects(
  services: PaymentServices,
): Promise<{ projectId: number; error?: string }[]> {
  const active = await activatedProjects(services);
  const report: { projectId: number; error?: string }[] = [];
  for (const { projectId, orderTableId, mode } of active) {
    try {
      if (!orderTableId) continue;
      const upgrade = await upgradePaymentsProject(services.database, projectId, orderTableId, mode === 'live');
      if (upgrade.addedFlows.length > 0 || upgrade.addedEvents.length > 0)
        await ensureSystemEndpoints(services, projectId);
      report.push({ projectId });
    } catch (error) {
      report.push({ projectId, error: (error as Error).message });
    }
  }
  return report;
}

/** Runs maintenance every `intervalMs` (first run after one interval), logging each project it failed for; returns a stop function. */
export function schedulePaymentsMaintenance(services: PaymentServices, intervalMs: number, logger: Logger): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      for (const entry of await runPaymentsMaintenance(services))
        if (entry.error) logger.warn({ projectId: entry.projectId, error: entry.error }, 'payments maintenance failed');
    } finally {
      running = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
