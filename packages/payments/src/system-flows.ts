import { listTables, type TableInfo } from '@tillflow/data-model';
import type { DbHandle, Executor } from '@tillflow/db';
import { buildSystemFlow, type SystemFlowKind, systemFlowEvents, systemFlowKinds } from '@tillflow/flow-model';
import { addTriggerEvents, createFlow, listFlows } from '@tillflow/runtime';
import { sql } from 'drizzle-orm';
import { upgradePaymentSystemTables } from './system-tables';

/**
 * Creates and publishes the system flows inside the activation
 * transaction, from the flow model's templates; the "update order status"
 * node is included only when the order table's status can take the value.
 */
export async function createSystemFlows(
  tx: Executor,
  projectId: number,
  order: TableInfo,
  kinds: readonly SystemFlowKind[] = systemFlowKinds,
): Promise<void> {
  const status = order.columns.find((c) => c.name === 'status') ?? null;
  for (const kind of kinds)
    await createFlow(tx, {
      projectId,
      name: kind,
      kind: 'system',
      systemKind: kind,
      definition: buildSystemFlow(kind, { orderTable: order.name, orderStatusColumn: status }),
      publish: true,
    });
}

/**
 * A project activated before a system flow existed (e.g. StripeDispute) gets it,
 * and its system tables get the columns added since: run by maintenance before
 * endpoints are repaired (which then registers the new flow's endpoint too).
 */
export async function upgradePaymentsProject(handle: DbHandle, projectId: number, orderTableId: number, live = false) {
  const order = (await listTables(handle.db, projectId)).find((t) => t.id === orderTableId);
  if (!order) return { addedColumns: 0, addedFlows: [] as SystemFlowKind[], addedEvents: [] as string[] };
  // One upgrader per project at a time: two processes starting together would both add a missing column.
  const addedColumns = await handle.db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(7710, ${projectId})`);
    return upgradePaymentSystemTables(tx, projectId, order.name, live);
  });
  const existing = (await listFlows(handle.db, projectId)).filter((f) => f.kind === 'system');
  const present = new Set(existing.map((f) => f.systemKind));
  const missing = systemFlowKinds.filter((kind) => !present.has(kind));
  if (missing.length > 0) await handle.db.transaction((tx) => createSystemFlows(tx, projectId, order, missing));
  // Events a system flow handles since a later release (e.g. charge.refund.updated on StripeRefund).
  const addedEvents: string[] = [];
  for (const flow of existing) {
    const events = systemFlowEvents[flow.systemKind as SystemFlowKind];
    if (events) addedEvents.push(...(await addTriggerEvents(handle.db, flow.id, events)));
  }
  return { addedColumns, addedFlows: missing, addedEvents };
}
