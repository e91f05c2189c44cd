import type { TableInfo } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import type { FlowDefinition, FlowEdge, FlowNode } from '@tillflow/flow-model/types';
import { createFlow } from '@tillflow/runtime';
import { SYSTEM_FLOW_EVENTS, type SystemFlowKind } from './endpoints';

interface FlowSpec {
  name: SystemFlowKind;
  callback: string;
  /** The locked branch: builders put their own nodes under its true/false outputs. */
  condition: string;
  /** The order status the default success node sets, when the order table has such an option. */
  statusOnTrue?: string;
}

const SPECS: FlowSpec[] = [
  {
    name: 'StripePayment',
    callback: 'stripe_payment_callback',
    condition: '{{ nodes.callback.paymentStatus == "SUCCESSFUL" && !nodes.callback.alreadyProcessed }}',
    statusOnTrue: 'paid',
  },
  {
    name: 'StripeRefund',
    callback: 'stripe_refund_callback',
    condition: '{{ nodes.callback.status == "REFUNDED" && !nodes.callback.alreadyProcessed }}',
    statusOnTrue: 'refunded',
  },
  {
    name: 'StripeRecurringPaymentManagement',
    callback: 'stripe_recurring_management_callback',
    condition: '{{ nodes.callback.status == "ACTIVE" || nodes.callback.status == "TRIALING" }}',
  },
  {
    name: 'StripeRecurringPaymentDeduction',
    callback: 'stripe_recurring_deduction_callback',
    condition: '{{ nodes.callback.paymentStatus == "SUCCESSFUL" && !nodes.callback.alreadyProcessed }}',
    statusOnTrue: 'paid',
  },
];

/** Whether the order table can take `status = value` (an enum with that option, or free text). */
function orderStatusAccepts(order: TableInfo, value: string): boolean {
  const status = order.columns.find((c) => c.name === 'status');
  if (!status) return false;
  if (status.type === 'text') return true;
  return status.type === 'enum' && (status.enumOptions ?? []).includes(value);
}

/**
 * The four system flows as Momen generates them: a locked trigger, callback
 * handler and branch; in the success branch an ordinary "update order status"
 * node the builder may keep, change or delete.
 */
export function systemFlowDefinition(spec: FlowSpec, order: TableInfo): FlowDefinition {
  const at = (row: number, column = 0) => ({ x: 240 + column * 280, y: row * 140 });
  const nodes: FlowNode[] = [
    { id: 'trigger', type: 'trigger', label: 'Stripe webhook', config: {}, position: at(0), locked: true },
    {
      id: 'callback',
      type: spec.callback,
      label: 'Callback handler',
      config: { orderTable: order.name },
      position: at(1),
      locked: true,
    },
    {
      id: 'branch',
      type: 'condition',
      label: 'Branch',
      config: { expression: spec.condition },
      position: at(2),
      locked: true,
    },
  ];
  const edges: FlowEdge[] = [
    { id: 'e_trigger_callback', source: 'trigger', target: 'callback' },
    { id: 'e_callback_branch', source: 'callback', target: 'branch' },
  ];
  if (spec.statusOnTrue && orderStatusAccepts(order, spec.statusOnTrue)) {
    nodes.push({
      id: 'update_order',
      type: 'update_rows',
      label: 'Update order status',
      config: {
        table: order.name,
        filters: [{ column: 'id', op: 'eq', value: '{{ nodes.callback.orderId }}' }],
        values: { status: spec.statusOnTrue },
      },
      position: at(3, -0.5),
    });
    edges.push({ id: 'e_branch_update', source: 'branch', target: 'update_order', branch: 'true' });
  }
  return { trigger: { kind: 'stripe_webhook', events: SYSTEM_FLOW_EVENTS[spec.name] }, graph: { nodes, edges } };
}

/** Creates and publishes the four system flows inside the activation transaction. */
export async function createSystemFlows(tx: Executor, projectId: number, order: TableInfo): Promise<void> {
  for (const spec of SPECS)
    await createFlow(tx, {
      projectId,
      name: spec.name,
      kind: 'system',
      systemKind: spec.name,
      definition: systemFlowDefinition(spec, order),
      publish: true,
    });
}

export const SYSTEM_FLOW_SPECS = SPECS;
