import { getTable, type TableInfo } from '@tillflow/data-model';
import { type Executor, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';
import { PAYMENT_TABLE } from './system-tables';

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

/** Totals per currency (never summed across currencies: 100 JPY is not 100 USD). */
export async function paymentTotals(db: Executor, projectId: number): Promise<CurrencyTotals[]> {
  const t = await getTable(db, projectId, PAYMENT_TABLE);
  const rows = await executeRows<{ currency: string; gross: string; refunded: string; lost: string; payments: string }>(
    db,
    sql`select ${column(t, 'currency')} as currency, sum(${column(t, 'amount')}) as gross,
          sum(${column(t, 'amount_refunded')}) as refunded, sum(${orZero(t, 'amount_lost')}) as lost, count(*) as payments
        from ${sql.identifier(t.schemaName)}.${sql.identifier(t.physicalName)}
        where ${column(t, 'status')} in ('SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED')
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
export async function revenueByDay(db: Executor, projectId: number, days = 30) {
  const t = await getTable(db, projectId, PAYMENT_TABLE);
  const since = new Date(Date.now() - days * 86_400_000);
  const rows = await executeRows<{ day: Date | string; currency: string; net: string }>(
    db,
    sql`select date_trunc('day', ${column(t, 'paid_at')}) as day, ${column(t, 'currency')} as currency,
          sum(${column(t, 'amount')} - ${column(t, 'amount_refunded')} - ${orZero(t, 'amount_lost')}) as net
        from ${sql.identifier(t.schemaName)}.${sql.identifier(t.physicalName)}
        where ${column(t, 'paid_at')} >= ${since.toISOString()}::timestamptz and ${column(t, 'status')} in ('SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED')
        group by 1, 2 order by 1`,
  );
  return rows.map((r) => ({
    day: new Date(r.day).toISOString().slice(0, 10),
    currency: r.currency,
    net: Number(r.net),
  }));
}
