import { TillflowError } from '@tillflow/core';
import {
  type Actor,
  checkActionPermission,
  DataAccessError,
  type Filter,
  getTable,
  insertRow,
  queryRows,
  type Row,
} from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import {
  createPaymentAction,
  initiateRecurringAction,
  loadOrderBinding,
  orderTableName,
  PAYMENT_TABLE,
  type PaymentServices,
  RECURRING_PAYMENT_TABLE,
  REFUND_TABLE,
} from '@tillflow/payments';
import { listCatalog, loadAppSettings } from './catalog';

type EndUserActor = Extract<Actor, { kind: 'endUser' }>;

/** Rows the actor may read; a role without read access on that table simply sees none. */
async function readable(handle: DbHandle, projectId: number, actor: Actor, table: string, filters: Filter[]) {
  try {
    const { rows } = await queryRows(handle.db, projectId, actor, table, {
      filters,
      sort: [{ column: 'id', direction: 'desc' }],
      limit: 200,
    });
    return { rows, allowed: true };
  } catch (error) {
    if (error instanceof DataAccessError && (error.code === 'FORBIDDEN' || error.code === 'NOT_FOUND'))
      return { rows: [] as Row[], allowed: false };
    throw error;
  }
}

/** Narrows to the actor's own rows when the table marks an owner (even for roles that may read all). */
async function ownFilter(handle: DbHandle, projectId: number, table: string, actor: EndUserActor): Promise<Filter[]> {
  const info = await getTable(handle.db, projectId, table);
  return info.ownerColumn ? [{ column: info.ownerColumn, op: 'eq', value: actor.userId }] : [];
}

async function requireOrderTable(handle: DbHandle, projectId: number): Promise<string> {
  const name = await orderTableName(handle.db, projectId);
  if (!name) throw new DataAccessError('NOT_FOUND', 'Payments are not turned on for this app yet.');
  return name;
}

export interface OrderWithPayments {
  order: Row;
  /** What was bought, from the order column the builder picked in studio → App. */
  label: string | null;
  payments: (Row & { refunds: Row[] })[];
}

/** "My orders": the signed-in user's orders, each with its payments and their refunds. */
export async function myOrders(handle: DbHandle, projectId: number, actor: EndUserActor): Promise<OrderWithPayments[]> {
  const orderTable = await requireOrderTable(handle, projectId);
  const { rows: orders } = await readable(
    handle,
    projectId,
    actor,
    orderTable,
    await ownFilter(handle, projectId, orderTable, actor),
  );
  if (orders.length === 0) return [];
  const { catalog } = await loadAppSettings(handle.db, projectId);
  const labelOf = (order: Row) => {
    const value = catalog.orderLabelColumn ? order[catalog.orderLabelColumn] : null;
    return value === null || value === undefined || value === '' ? null : String(value);
  };
  const ids = orders.map((o) => o.id);
  const { rows: payments } = await readable(handle, projectId, actor, PAYMENT_TABLE, [
    { column: 'order_id', op: 'in', value: ids },
  ]);
  const refunds = payments.length
    ? (
        await readable(handle, projectId, actor, REFUND_TABLE, [
          { column: 'payment_id', op: 'in', value: payments.map((p) => p.id) },
        ])
      ).rows
    : [];
  return orders.map((order) => ({
    order,
    label: labelOf(order),
    payments: payments
      .filter((p) => Number(p.order_id) === order.id)
      .map((p) => ({ ...p, refunds: refunds.filter((r) => Number(r.payment_id) === p.id) })),
  }));
}

export async function mySubscriptions(handle: DbHandle, projectId: number, actor: EndUserActor): Promise<Row[]> {
  const { rows } = await readable(handle, projectId, actor, RECURRING_PAYMENT_TABLE, [
    { column: 'subscriber', op: 'eq', value: actor.userId },
  ]);
  return rows;
}

/** The admin page: every payment the role may read, with refunds; only for roles allowed to refund. */
export async function paymentsForAdmin(
  handle: DbHandle,
  projectId: number,
  actor: Actor,
): Promise<(Row & { refunds: Row[] })[]> {
  if (!(await checkActionPermission(handle.db, projectId, actor, 'stripe.refund')))
    throw new DataAccessError('FORBIDDEN', 'Your role may not refund payments.');
  const { rows: payments } = await readable(handle, projectId, actor, PAYMENT_TABLE, []);
  const refunds = payments.length
    ? (
        await readable(handle, projectId, actor, REFUND_TABLE, [
          { column: 'payment_id', op: 'in', value: payments.map((p) => p.id) },
        ])
      ).rows
    : [];
  return payments.map((p) => ({ ...p, refunds: refunds.filter((r) => Number(r.payment_id) === p.id) }));
}

export interface BuyResult {
  orderId: number;
  kind: 'payment' | 'subscription';
  checkoutUrl: string | null;
  clientSecret: string | null;
}

/** One line of a buy: a catalog item's key and how many. */
export interface BuyLine {
  itemKey: string;
  quantity: number;
}

/**
 * Buying catalog items: the order is created for the end user (their role needs insert on the order table,
 * checked as them), and what it costs is decided by the server: a table item's price from the catalog, written
 * into the columns the payments binding owns (which the shopper may not write); Stripe prices are sold as
 * themselves (Checkout shows each product's name and picture; Stripe's price decides the total). The payment or
 * recurring action then runs as the end user too, so every permission is the server's to decide.
 */
export async function buyItem(
  services: PaymentServices,
  projectId: number,
  actor: EndUserActor,
  input: { lines: BuyLine[]; method: 'checkout' | 'payment_intent'; returnUrl: (kind: BuyResult['kind']) => string },
): Promise<BuyResult> {
  const handle = services.database;
  const catalogItems = await listCatalog(services, projectId);
  const picked = input.lines.map((line) => {
    const item = catalogItems.find((i) => i.key === line.itemKey);
    if (!item) throw new DataAccessError('NOT_FOUND', 'This item is no longer offered.', { itemKey: 'Not found.' });
    return { item, quantity: line.quantity };
  });
  const recurring = picked.find((p) => p.item.recurring);
  if (recurring && (picked.length > 1 || recurring.quantity !== 1))
    throw new DataAccessError('VALIDATION', `“${recurring.item.name}” is a subscription: buy it on its own, once.`, {
      items: 'A subscription is bought alone.',
    });
  const fromStripe = picked.every((p) => p.item.key.startsWith('price:'));
  if (!fromStripe && picked.some((p) => p.item.key.startsWith('price:')))
    throw new DataAccessError('VALIDATION', 'Items of the shop’s list and Stripe prices are bought separately.', {
      items: 'Buy them separately.',
    });
  const currency = picked[0].item.currency;
  if (picked.some((p) => p.item.currency !== currency))
    throw new DataAccessError('VALIDATION', 'All items of one order are in one currency.', {
      items: 'Mixed currencies.',
    });
  const name = picked.map((p) => (p.quantity > 1 ? `${p.item.name} × ${p.quantity}` : p.item.name)).join(', ');
  const amount = picked.reduce((sum, p) => sum + p.item.amount * p.quantity, 0);

  const orderTable = await requireOrderTable(handle, projectId);
  const { catalog } = await loadAppSettings(handle.db, projectId);
  const binding = await loadOrderBinding(handle.db, projectId, orderTable);
  const values: Record<string, unknown> = {};
  const label = catalog.orderLabelColumn
    ? binding.table.columns.find((c) => c.name === catalog.orderLabelColumn && c.type === 'text')
    : undefined;
  if (label) values[label.name] = name;
  // A Stripe price's total is written by the payment action from Stripe's own figures; a table item's here.
  const serverValues: Record<string, unknown> = {};
  if (!fromStripe || recurring) {
    if (binding.amountColumn) serverValues[binding.amountColumn.name] = amount;
    if (binding.currencyColumn) serverValues[binding.currencyColumn.name] = currency;
  }
  const order = await insertRow(handle.db, projectId, actor, orderTable, values, { serverValues });
  const back = input.returnUrl(recurring ? 'subscription' : 'payment');
  const successUrl = `${back}?paid=${order.id}`;
  const cancelUrl = `${back}?canceled=${order.id}`;
  if (recurring) {
    const started = await initiateRecurringAction(services, projectId, actor, {
      orderId: order.id,
      plan: recurring.item.key.slice('price:'.length),
      successUrl,
      cancelUrl,
    });
    const url = (started as { checkoutUrl?: string | null }).checkoutUrl ?? null;
    return { orderId: order.id, kind: 'subscription', checkoutUrl: url, clientSecret: null };
  }
  const request = { orderId: order.id, method: input.method, successUrl, cancelUrl };
  const payment = fromStripe
    ? await createPaymentAction(services, projectId, actor, {
        ...request,
        items: picked.map((p) => ({ price: p.item.key.slice('price:'.length), quantity: p.quantity })),
      })
    : await createPaymentAction(services, projectId, actor, request, { charge: { amount, currency }, itemName: name });
  return { orderId: order.id, kind: 'payment', checkoutUrl: payment.checkoutUrl, clientSecret: payment.clientSecret };
}

/** Statuses of a payment attempt that did not go through, after which the shopper may try again. */
const RETRYABLE = new Set(['FAILED', 'CANCELED']);
const SETTLED = new Set(['SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED', 'AMOUNT_MISMATCH', 'PENDING']);

/**
 * "Try again" on a declined or abandoned order: a new checkout for the same order (no second order),
 * charging what the last attempt charged (the shop decided it then; the request names only the order).
 * Refused when the order is paid, still waiting for a payment, or not the caller's.
 */
export async function payOrderAgain(
  services: PaymentServices,
  projectId: number,
  actor: EndUserActor,
  input: { orderId: number; returnUrl: string },
): Promise<BuyResult> {
  const handle = services.database;
  const orderTable = await requireOrderTable(handle, projectId);
  const { rows: orders } = await readable(handle, projectId, actor, orderTable, [
    { column: 'id', op: 'eq', value: input.orderId },
    ...(await ownFilter(handle, projectId, orderTable, actor)),
  ]);
  const order = orders[0];
  if (!order) throw new DataAccessError('NOT_FOUND', 'This order was not found.');
  const { rows: attempts } = await readable(handle, projectId, actor, PAYMENT_TABLE, [
    { column: 'order_id', op: 'eq', value: order.id },
  ]);
  const last = attempts[0];
  if (!last || !RETRYABLE.has(String(last.status)) || attempts.some((p) => SETTLED.has(String(p.status))))
    throw new TillflowError('CONFLICT', 'This order is paid or its payment is still on its way; nothing to try again.');
  const { catalog } = await loadAppSettings(handle.db, projectId);
  const label = catalog.orderLabelColumn ? order[catalog.orderLabelColumn] : null;
  const payment = await createPaymentAction(
    services,
    projectId,
    actor,
    {
      orderId: order.id,
      method: 'checkout',
      successUrl: `${input.returnUrl}?paid=${order.id}`,
      cancelUrl: `${input.returnUrl}?canceled=${order.id}`,
    },
    {
      charge: { amount: Number(last.amount), currency: String(last.currency) },
      ...(label ? { itemName: String(label) } : {}),
    },
  );
  return { orderId: order.id, kind: 'payment', checkoutUrl: payment.checkoutUrl, clientSecret: null };
}
