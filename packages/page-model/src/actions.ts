import { z } from 'zod';

/** A `{{ }}` template or a plain value, evaluated on the server against the page's data. */
const value = z.string().max(2000);
const stepId = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'A step name is letters, digits and underscores (bindings read results.<name>)')
  .max(60)
  .optional();

/**
 * The actions a button or a form can run. Every field that names a row, an order or an amount is a binding the
 * server evaluates from data it reads itself as the caller: nothing about price or amount comes from the browser.
 */
export const pageActionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('create_row'),
    id: stepId,
    table: z.string().min(1, 'Pick a table.'),
    values: z.record(z.string(), value),
  }),
  z.object({
    type: z.literal('update_row'),
    id: stepId,
    table: z.string().min(1, 'Pick a table.'),
    rowId: value,
    values: z.record(z.string(), value),
  }),
  z.object({
    type: z.literal('pay'),
    id: stepId,
    orderId: value,
    /** A row of the catalog table: the charge is that product's price (read by the server), not the order's. */
    product: value.optional(),
    method: z.enum(['checkout', 'payment_intent']).default('checkout'),
  }),
  z.object({
    type: z.literal('start_subscription'),
    id: stepId,
    orderId: value,
    plan: z.string().min(1, 'Say which plan.').max(255),
  }),
  z.object({
    type: z.literal('cancel_subscription'),
    id: stepId,
    subscriptionId: value,
    atPeriodEnd: z.boolean().default(true),
  }),
  z.object({
    type: z.literal('refund'),
    id: stepId,
    paymentId: value,
    /** Minor units; empty refunds what remains. */
    amount: value.optional(),
    reason: value.optional(),
  }),
  z.object({
    type: z.literal('call_flow'),
    id: stepId,
    /** An actionflow with the "Called from a page" trigger (its id); its outputs are `results.<id>`. */
    flowId: z.string().min(1, 'Pick an actionflow.').max(64),
    inputs: z.record(z.string(), value).default({}),
  }),
  z.object({
    type: z.literal('navigate'),
    to: z.string().min(1, 'Pick a page.').max(200),
    params: z.record(z.string(), value).default({}),
  }),
  z.object({
    type: z.literal('show_message'),
    text: value,
    tone: z.enum(['info', 'success', 'error']).default('info'),
  }),
  z.object({ type: z.literal('sign_out') }),
]);
export type PageAction = z.infer<typeof pageActionSchema>;
export type PageActionType = PageAction['type'];

/** Steps run in order on the server; then onSuccess, or onFailure (with `error.message`) when a step fails. */
export const actionChainSchema = z.object({
  steps: z.array(pageActionSchema).max(10).default([]),
  onSuccess: z.array(pageActionSchema).max(5).default([]),
  onFailure: z.array(pageActionSchema).max(5).default([]),
});
export type ActionChain = z.infer<typeof actionChainSchema>;

/** Actions that change data or money: they run on the server, each checked against the caller's role. */
export const SERVER_ACTIONS = [
  'create_row',
  'update_row',
  'pay',
  'start_subscription',
  'cancel_subscription',
  'refund',
  'call_flow',
] as const satisfies readonly PageActionType[];
export const isServerAction = (a: PageAction) => (SERVER_ACTIONS as readonly string[]).includes(a.type);

/** What a role needs to run an action: a table operation or a payment action permission. */
export function permissionNeeded(
  action: PageAction,
): { table: string; operation: 'insert' | 'update' } | { action: string } | { flow: string } | null {
  switch (action.type) {
    case 'create_row':
      return { table: action.table, operation: 'insert' };
    case 'update_row':
      return { table: action.table, operation: 'update' };
    case 'pay':
      return { action: 'stripe.payment' };
    case 'start_subscription':
    case 'cancel_subscription':
      return { action: 'stripe.recurring' };
    case 'refund':
      return { action: 'stripe.refund' };
    case 'call_flow':
      return { flow: action.flowId };
    default:
      return null;
  }
}

/** Labels for the editor and for messages people read. */
export const ACTION_LABELS: Record<PageActionType, string> = {
  create_row: 'Create a row',
  update_row: 'Update a row',
  pay: 'Pay for an order',
  start_subscription: 'Start a subscription',
  cancel_subscription: 'Cancel a subscription',
  refund: 'Refund a payment',
  call_flow: 'Run an actionflow',
  navigate: 'Go to a page',
  show_message: 'Show a message',
  sign_out: 'Sign out',
};

/** The name a new step's result gets (`results.<name>`), by kind; numbered when taken. */
const RESULT_NAMES: Partial<Record<PageActionType, string>> = {
  create_row: 'created',
  update_row: 'updated',
  pay: 'payment',
  start_subscription: 'subscription',
  cancel_subscription: 'cancelled',
  refund: 'refund',
  call_flow: 'flow',
};

/** A new action of this kind with its defaults (what the editor's "Add an action" inserts); `taken`: names in use. */
export function newAction(type: PageActionType, taken: string[] = []): PageAction {
  const base = RESULT_NAMES[type];
  let id: string | undefined;
  if (base) {
    id = base;
    for (let n = 2; taken.includes(id); n++) id = `${base}${n}`;
  }
  // A blank required field is the validator's to name ("Pick a table."); the rest are the schema's defaults.
  const blank: Record<PageActionType, Record<string, unknown>> = {
    create_row: { table: '', values: {} },
    update_row: { table: '', rowId: '', values: {} },
    pay: { orderId: '', method: 'checkout' },
    start_subscription: { orderId: '', plan: '' },
    cancel_subscription: { subscriptionId: '', atPeriodEnd: true },
    refund: { paymentId: '' },
    call_flow: { flowId: '', inputs: {} },
    navigate: { to: '', params: {} },
    show_message: { text: '', tone: 'info' },
    sign_out: {},
  };
  return { type, ...(id ? { id } : {}), ...blank[type] } as PageAction;
}
