import { type Actor, type Filter, getTable, queryRows, type TableInfo } from '@tillflow/data-model';
import { type Executor, executeRows } from '@tillflow/db';
import { type SQL, sql } from 'drizzle-orm';
import { PAYMENT_TABLE, RECURRING_PAYMENT_TABLE, REFUND_TABLE } from './system-tables';

/**
 * Which keys a row was made with: `live` (live keys: real money) or `test` (test keys or the sandbox). Every
 * payment, refund and subscription row records it (`livemode`), and the dashboard shows and filters by it.
 */
export type PaymentMode = 'live' | 'test';

const column = (table: TableInfo, name: string) => {
  const found = table.columns.find((c) => c.name === name);
  if (!found) throw new Error(`payment table lacks ${name}`);
  return sql.identifier(found.physicalName);
};

/** A column added after a project's activation reads as 0 until the upgrade adds it. */
const orZero = (table: TableInfo, name: string) =>
  table.columns.some((c) => c.name === name) ? column(table, name) : sql`0`;

export interface CurrencyTotals {
  currency: string;
  gross: number;
  refunded: number;
  /** Taken back by disputes that were lost. */
  lost: number;
  net: number;
  payments: number;
}

/** `and livemode = …` for one mode, nothing for both (a project from before the column reads as test). */
function modeCondition(table: TableInfo, mode: PaymentMode | undefined): SQL {
  if (!mode) return sql``;
  const live = table.columns.some((c) => c.name === 'livemode') ? column(table, 'livemode') : sql`false`;
  return mode === 'live' ? sql` and ${live} = true` : sql` and ${live} is not true`;
}

/** Totals per currency (never summed across currencies: 100 JPY is not 100 USD), of one mode when asked. */
export async function paymentTotals(
  db: Executor,
  projectId: number,
  options: { mode?: PaymentMode } = {},
): Promise<CurrencyTotals[]> {
  const t = await getTable(db, projectId, PAYMENT_TABLE);
  const rows = await executeRows<{ currency: string; gross: string; refunded: string; lost: string; payments: string }>(
    db,
    sql`select ${column(t, 'currency')} as currency, sum(${column(t, 'amount')} - ${orZero(t, 'amount_discount')}) as gross,
          sum(${column(t, 'amount_refunded')}) as refunded, sum(${orZero(t, 'amount_lost')}) as lost, count(*) as payments
        from ${sql.identifier(t.schemaName)}.${sql.identifier(t.physicalName)}
        where ${column(t, 'status')} in ('SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED')${modeCondition(t, options.mode)}
        group by 1 order by 1`,
  );
  return rows.map((r) => ({
    currency: r.currency,
    gross: Number(r.gross),
    refunded: Number(r.refunded),
    lost: Number(r.lost),
    net: Number(r.gross) - Number(r.refunded) - Number(r.lost),
    payments: Number(r.payments),
  }));
}

/** Net revenue per day and currency over the last `days` days, for the dashboard chart. */
export async function revenueByDay(db: Executor, projectId: number, days = 30, options: { mode?: PaymentMode } = {}) {
  const t = await getTable(db, projectId, PAYMENT_TABLE);
  const since = new Date(Date.now() - days * 86_400_000);
  const rows = await executeRows<{ day: Date | string; currency: string; net: string }>(
    db,
    sql`select date_trunc('day', ${column(t, 'paid_at')}) as day, ${column(t, 'currency')} as currency,
          sum(${column(t, 'amount')} - ${orZero(t, 'amount_discount')} - ${column(t, 'amount_refunded')} - ${orZero(t, 'amount_lost')}) as net
        from ${sql.identifier(t.schemaName)}.${sql.identifier(t.physicalName)}
        where ${column(t, 'paid_at')} >= ${since.toISOString()}::timestamptz and ${column(t, 'status')} in ('SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED')${modeCondition(t, options.mode)}
        group by 1, 2 order by 1`,
  );
  return rows.map((r) => ({
    day: new Date(r.day).toISOString().slice(0, 10),
    currency: r.currency,
    net: Number(r.net),
  }));
}

export const DASHBOARD_TABLES = [PAYMENT_TABLE, REFUND_TABLE, RECURRING_PAYMENT_TABLE] as const;

export interface DashboardQuery {
  table: (typeof DASHBOARD_TABLES)[number];
  status?: string;
  currency?: string;
  /** The order (payments, subscriptions) or payment (refunds) the rows belong to. */
  parentId?: number;
  /** Only rows made with live keys, or only those made with test keys or on the sandbox. */
  mode?: PaymentMode;
  cursor?: string | null;
}

/** One page of the dashboard's table, newest first, 50 a page, through the data-access layer as `actor`. */
export async function dashboardRows(db: Executor, projectId: number, actor: Actor, query: DashboardQuery) {
  const filters: Filter[] = [];
  if (query.status) filters.push({ column: 'status', op: 'eq', value: query.status });
  if (query.currency) filters.push({ column: 'currency', op: 'eq', value: query.currency.toLowerCase() });
  if (query.parentId)
    filters.push({ column: query.table === REFUND_TABLE ? 'payment_id' : 'order_id', op: 'eq', value: query.parentId });
  // neq true keeps rows from before the column existed (empty) with the test ones.
  if (query.mode) filters.push({ column: 'livemode', op: query.mode === 'live' ? 'eq' : 'neq', value: true });
  return queryRows(db, projectId, actor, query.table, {
    filters,
    sort: [{ column: 'id', direction: 'desc' }],
    limit: 50,
    after: query.cursor ?? null,
  });
}
