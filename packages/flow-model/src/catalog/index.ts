import type { z } from 'zod';
import type { TypeOf } from '../value-type';
import { appReturnNode } from './app';
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
export { isHttpUrl, type StripeOperation, stripeOperations } from './integrations';
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
  'app_return',
] as const;
export type NodeTypeId = (typeof nodeTypeIds)[number];

/** Each node type, declared once, by id (typed: ConfigOf / OutputOf read from it). */
export const catalog = {
  trigger: triggerNode,
  stripe_payment_callback: stripePaymentCallback,
  stripe_refund_callback: stripeRefundCallback,
  stripe_recurring_management_callback: stripeRecurringManagementCallback,
  stripe_recurring_deduction_callback: stripeRecurringDeductionCallback,
  stripe_dispute_callback: stripeDisputeCallback,
  condition: conditionNode,
  switch: switchNode,
  query_rows: queryRowsNode,
  insert_row: insertRowNode,
  update_rows: updateRowsNode,
  delete_rows: deleteRowsNode,
  set_variables: setVariablesNode,
  send_email: sendEmailNode,
  http_request: httpRequestNode,
  stripe_api_call: stripeApiCallNode,
  code: codeNode,
  stop: stopNode,
  app_return: appReturnNode,
} satisfies { [K in NodeTypeId]: { type: K } };
export type Catalog = typeof catalog;

/** A node's config as its catalog schema parses it (defaults applied). */
export type ConfigOf<K extends NodeTypeId> = z.output<Catalog[K]['configSchema']>;
/** What a node's executor returns: the TypeScript type of its catalog output shape. */
export type OutputOf<K extends NodeTypeId> = TypeOf<ReturnType<Catalog[K]['outputShape']>>;

/** The payment callback handlers (executed by the payments module); every other type is the runtime's. */
export const callbackNodeTypeIds = [
  'stripe_payment_callback',
  'stripe_refund_callback',
  'stripe_recurring_management_callback',
  'stripe_recurring_deduction_callback',
  'stripe_dispute_callback',
] as const satisfies readonly NodeTypeId[];
export type CallbackNodeTypeId = (typeof callbackNodeTypeIds)[number];
export type BuiltinNodeTypeId = Exclude<NodeTypeId, CallbackNodeTypeId>;

/** The same definitions with their config types erased, for lookups by a stored node's type string. */
export const nodeCatalog = catalog as unknown as Record<NodeTypeId, NodeTypeDefinition>;

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
export * from './run-config';
