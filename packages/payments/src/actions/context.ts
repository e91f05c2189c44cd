import { type Actor, BACKEND, checkActionPermission, getRow, listTables, type Row } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import { PaymentError } from '../errors';
import type { ProjectStripe } from '../settings';
import type { PaymentServices } from '../stripe-accounts';

export interface ActionContext extends ProjectStripe {
  orderTable: string;
}

/** Shared preconditions of every payment action: activated, and the role may call it. */
export async function prepareAction(
  services: PaymentServices,
  projectId: number,
  actor: Actor,
  action: 'stripe.payment' | 'stripe.refund' | 'stripe.recurring',
): Promise<ActionContext> {
  if (!(await checkActionPermission(services.database.db, projectId, actor, action)))
    throw new PaymentError('FORBIDDEN', `Your role is not allowed to use the ${action.replace('stripe.', '')} action.`);
  const context = await services.stripeAccounts.forProject(services.database.db, projectId);
  if (!context.settings?.activatedAt || !context.settings.orderTableId)
    throw new PaymentError('PRECONDITION_FAILED', 'Payments are not activated for this project yet.');
  const tables = await listTables(services.database.db, projectId);
  const orderTable = tables.find((t) => t.id === context.settings?.orderTableId);
  if (!orderTable) throw new PaymentError('PRECONDITION_FAILED', 'The bound order table is missing.');
  return { ...context, orderTable: orderTable.name };
}

/** The order as the caller sees it: role permissions and row scope decide, so others' orders are NOT_FOUND. */
export async function loadOrderAs(db: Executor, projectId: number, actor: Actor, orderTable: string, orderId: number) {
  const order = await getRow(db, projectId, actor, orderTable, orderId);
  if (!order)
    throw new PaymentError('NOT_FOUND', `Order ${orderId} was not found, or it is not yours.`, {
      orderId: 'Not found.',
    });
  return order;
}

export async function endUserOf(db: Executor, projectId: number, actor: Actor) {
  if (actor.kind !== 'endUser') return null;
  const row = await getRow(db, projectId, BACKEND, 'end_user', actor.userId);
  return row ? { id: actor.userId, email: String(row.email) } : null;
}

/**
 * A recurring payment row that can still change at Stripe: its checkout completed (it has a subscription) and it
 * is not canceled. Returns the Stripe subscription id; otherwise PRECONDITION_FAILED, `canceled` saying why.
 */
export function liveSubscriptionId(row: Row, canceled: string): string {
  if (!row.stripe_subscription_id)
    throw new PaymentError('PRECONDITION_FAILED', 'This subscription has not started yet (checkout not completed).');
  if (['CANCELED', 'INCOMPLETE_EXPIRED'].includes(String(row.status)))
    throw new PaymentError('PRECONDITION_FAILED', canceled);
  return String(row.stripe_subscription_id);
}
