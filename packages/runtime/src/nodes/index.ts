import type { BuiltinExecutors } from '../registry';
import { appReturnNode, codeNode, conditionNode, setVariablesNode, stopNode, switchNode, triggerNode } from './control';
import { deleteRowsNode, insertRowNode, queryRowsNode, updateRowsNode } from './data';
import { httpRequestNode, sendEmailNode, stripeApiCallNode } from './external';

// Node type ids as in the flow model's catalog (a failing end is the `stop` node
// with outcome 'fail'). The system callback handlers are the payments module's
// (PAYMENT_NODE_EXECUTORS); a test checks catalog and executors cover each other.
export const BUILTIN_NODE_EXECUTORS: BuiltinExecutors = {
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
  app_return: appReturnNode,
};

export { emailMessageId } from './external';
