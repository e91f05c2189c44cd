import { getNodeExecutor, type NodeExecutor, registerNodeExecutor } from '../registry';
import { codeNode, conditionNode, failNode, setVariablesNode, stopNode, switchNode, triggerNode } from './control';
import { deleteRowsNode, insertRowNode, queryRowsNode, updateRowsNode } from './data';
import { httpRequestNode, sendEmailNode, stripeApiCallNode } from './external';

// Node type ids as in the flow model's catalog. The four system callback
// handlers are registered by the payments module (registerNodeExecutor).
export const BUILTIN_NODE_EXECUTORS: Record<string, NodeExecutor> = {
  trigger: triggerNode,
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
  fail: failNode,
};

/** Idempotent; never replaces an executor someone registered explicitly. */
export function registerBuiltinNodes(): void {
  for (const [type, executor] of Object.entries(BUILTIN_NODE_EXECUTORS))
    if (!getNodeExecutor(type)) registerNodeExecutor(type, executor);
}

export {
  type MailSender,
  STRIPE_NODE_OPERATIONS,
  type StripeClientFactory,
  setMailSender,
  setStripeClientFactory,
} from './external';
