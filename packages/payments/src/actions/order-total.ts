import { BACKEND, type Row, updateRows } from '@tillflow/data-model';
import type { Executor } from '@tillflow/db';
import { formatMinorUnits } from '../currencies';
import { PaymentError } from '../errors';
import { loadOrderBinding } from '../order-binding';
import type { Charge } from './charge';
import type { SoldItem } from './line-items';

/**
 * An order paid with catalog items carries their total in its bound amount (and currency) column, written by
 * the server. An order that already states another amount is refused: it was made for something else.
 */
export async function recordOrderTotal(
  tx: Executor,
  projectId: number,
  orderTable: string,
  order: Row,
  charge: Charge,
): Promise<void> {
  const { amountColumn, currencyColumn, currency } = await loadOrderBinding(tx, projectId, orderTable);
  if (!amountColumn) return;
  const stated = order[amountColumn.name];
  const statedCurrency = String((currencyColumn && order[currencyColumn.name]) || currency).toLowerCase();
  if (stated !== null && stated !== undefined) {
    if (Number(stated) === charge.amount && statedCurrency === charge.currency) return;
    throw new PaymentError(
      'VALIDATION',
      `Order ${order.id} is for ${formatMinorUnits(Number(stated), statedCurrency)}, but these items come to ` +
        `${formatMinorUnits(charge.amount, charge.currency)}; pay for the items the order was made for.`,
      { items: 'Do not match the order.' },
    );
  }
  await updateRows(tx, projectId, BACKEND, orderTable, [{ column: 'id', op: 'eq', value: order.id }], {
    [amountColumn.name]: charge.amount,
    ...(currencyColumn ? { [currencyColumn.name]: charge.currency } : {}),
  });
}

/** A pending payment is reused only for the same items (or none on both). */
export const sameItems = (recorded: unknown, items: SoldItem[] | null): boolean =>
  JSON.stringify(recorded ?? null) === JSON.stringify(items ?? null);
