import type { TableInfo } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import { buildSystemFlow, systemFlowKinds } from '@tillflow/flow-model';
import { createFlow } from '@tillflow/runtime';

/**
 * Creates and publishes the four system flows inside the activation
 * transaction, from the flow model's templates; the "update order status"
 * node is included only when the order table's status can take the value.
 */
export async function createSystemFlows(tx: Executor, projectId: number, order: TableInfo): Promise<void> {
  const status = order.columns.find((c) => c.name === 'status') ?? null;
  for (const kind of systemFlowKinds)
    await createFlow(tx, {
      projectId,
      name: kind,
      kind: 'system',
      systemKind: kind,
      definition: buildSystemFlow(kind, { orderTable: order.name, orderStatusColumn: status }),
      publish: true,
    });
}
