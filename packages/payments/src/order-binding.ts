import { type ColumnInfo, getTable, setSystemManagedColumns, type TableInfo } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import { isSupportedCurrency } from './currencies';
import { PaymentError } from './errors';
import { loadPaymentSettings, type PaymentSettingsRow } from './settings';

/** The shop's currency when nobody chose one (shown as such in the studio, never applied silently). */
export const DEFAULT_SHOP_CURRENCY = 'usd';

/**
 * What the payments binding says about the order table: which column holds what an order owes (by column id,
 * so renaming it keeps the binding), which its currency, and the shop's currency for tables without one.
 */
export interface OrderBinding {
  table: TableInfo;
  amountColumn: ColumnInfo | null;
  currencyColumn: ColumnInfo | null;
  /** Lowercase ISO code: what orders are charged in when `currencyColumn` is null (or an order leaves it empty). */
  currency: string;
}

/** The columns a binding would pick by name: the migration's and activation's default. */
export function defaultBindingColumns(table: TableInfo) {
  return {
    amountColumn: table.columns.find((c) => c.name === 'amount' && c.type === 'integer') ?? null,
    currencyColumn: table.columns.find((c) => c.name === 'currency' && c.type === 'text') ?? null,
  };
}

/** The order table's columns payments write (the order's price and its status): end users may not. */
export function paymentManagedColumns(
  table: TableInfo,
  binding: Pick<OrderBinding, 'amountColumn' | 'currencyColumn'>,
) {
  return table.columns.filter(
    (c) => c.id === binding.amountColumn?.id || c.id === binding.currencyColumn?.id || c.name === 'status',
  );
}

export function bindingOf(table: TableInfo, settings: PaymentSettingsRow | null): OrderBinding {
  const bound = settings?.amountColumnId !== null && settings?.amountColumnId !== undefined;
  const byName = defaultBindingColumns(table);
  return {
    table,
    amountColumn: bound ? (table.columns.find((c) => c.id === settings?.amountColumnId) ?? null) : byName.amountColumn,
    currencyColumn: bound
      ? (table.columns.find((c) => c.id === settings?.currencyColumnId) ?? null)
      : // Not bound yet (activated before bindings by id, and the migration found no amount column): by name.
        byName.currencyColumn,
    currency: (settings?.currency ?? DEFAULT_SHOP_CURRENCY).toLowerCase(),
  };
}

export async function loadOrderBinding(db: Executor, projectId: number, orderTable: string): Promise<OrderBinding> {
  const [table, settings] = await Promise.all([
    getTable(db, projectId, orderTable),
    loadPaymentSettings(db, projectId),
  ]);
  return bindingOf(table, settings);
}

/** Checks the builder's choice of amount / currency columns and the shop's currency. */
export function resolveBindingChoice(
  table: TableInfo,
  input: { amountColumn?: string | null; currencyColumn?: string | null; currency?: string | null },
): { amountColumn: ColumnInfo | null; currencyColumn: ColumnInfo | null; currency: string } {
  const defaults = defaultBindingColumns(table);
  const pick = (name: string | null | undefined, type: string, field: string, words: string) => {
    if (name === undefined) return undefined;
    if (name === null || name === '') return null;
    const column = table.columns.find((c) => c.name === name);
    if (!column || column.type !== type)
      throw new PaymentError('VALIDATION', `"${table.name}" has no ${words} column "${name}".`, {
        [field]: `Pick a ${words} column.`,
      });
    return column;
  };
  const amountColumn = pick(input.amountColumn, 'integer', 'amountColumn', 'whole-number');
  const currencyColumn = pick(input.currencyColumn, 'text', 'currencyColumn', 'text');
  const currency = (input.currency ?? DEFAULT_SHOP_CURRENCY).trim().toLowerCase();
  if (!isSupportedCurrency(currency))
    throw new PaymentError('VALIDATION', `${currency.toUpperCase()} is not a currency Stripe charges in.`, {
      currency: 'Pick a currency.',
    });
  return {
    amountColumn: amountColumn === undefined ? defaults.amountColumn : amountColumn,
    currencyColumn: currencyColumn === undefined ? defaults.currencyColumn : currencyColumn,
    currency,
  };
}

/** Marks the bound columns (and status) as the server's to write; returns their names. */
export async function protectOrderColumns(
  tx: Executor,
  projectId: number,
  table: TableInfo,
  binding: Pick<OrderBinding, 'amountColumn' | 'currencyColumn'>,
): Promise<string[]> {
  const managed = paymentManagedColumns(table, binding);
  await setSystemManagedColumns(
    tx,
    projectId,
    table.name,
    managed.map((c) => c.id),
  );
  return managed.map((c) => c.name);
}
