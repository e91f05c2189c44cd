import {
  stripeDisputeCallback,
  stripePaymentCallback,
  stripeRecurringDeductionCallback,
  stripeRecurringManagementCallback,
  stripeRefundCallback,
} from './callbacks';
import { codeNode } from './code';
import { deleteRowsNode, insertRowNode, queryRowsNode, updateRowsNode } from './data';
import { httpRequestNode, sendEmailNode, stripeApiCallNode } from './integrations';
import { conditionNode, setVariablesNode, stopNode, switchNode } from './logic';
import { triggerNode } from './trigger';
import type { NodeTypeDefinition } from './types';

export { CODE_NODE_MAX_MEMORY_MB, CODE_NODE_MAX_TIMEOUT_MS } from './code';
export { type StripeOperation, stripeOperations } from './integrations';
export * from './types';

/** Every node type id; the runtime asserts its executor registry covers all of them. */
export const nodeTypeIds = [
  'trigger',
  'stripe_payment_callback',
  'stripe_refund_callback',
  'stripe_recurring_management_callback',
  'stripe_recurring_deduction_callback',
  'stripe_dispute_callback',
  'condition',
  'switch',
  'query_rows',
  'insert_row',
  'update_rows',
  'delete_rows',
  'set_variables',
  'send_email',
  'http_request',
  'stripe_api_call',
  'code',
  'stop',
] as const;
export type NodeTypeId = (typeof nodeTypeIds)[number];

const definitions = [
  triggerNode,
  stripePaymentCallback,
  stripeRefundCallback,
  stripeRecurringManagementCallback,
  stripeRecurringDeductionCallback,
  stripeDisputeCallback,
  conditionNode,
  switchNode,
  queryRowsNode,
  insertRowNode,
  updateRowsNode,
  deleteRowsNode,
  setVariablesNode,
  sendEmailNode,
  httpRequestNode,
  stripeApiCallNode,
  codeNode,
  stopNode,
];

export const nodeCatalog: Record<NodeTypeId, NodeTypeDefinition> = Object.fromEntries(
  definitions.map((d) => [d.type, d]),
) as Record<NodeTypeId, NodeTypeDefinition>;

export function getNodeType(type: string): NodeTypeDefinition | undefined {
  return Object.hasOwn(nodeCatalog, type) ? nodeCatalog[type as NodeTypeId] : undefined;
}

export function listNodeTypes(): NodeTypeDefinition[] {
  return nodeTypeIds.map((id) => nodeCatalog[id]);
}

export const isNodeTypeId = (type: string): type is NodeTypeId => (nodeTypeIds as readonly string[]).includes(type);

/** Output ports of a node given its config (switch cases come from config). */
export function nodeOutputs(type: string, config: Record<string, unknown>): string[] {
  const def = getNodeType(type);
  if (!def) return [];
  return typeof def.outputs === 'function' ? def.outputs(config) : [...def.outputs];
}
