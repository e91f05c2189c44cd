import { getTable, type Row } from '@tillflow/data-model';
import { appSettings, type Executor } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { formatMinorUnits } from '../currencies';
import { PaymentError } from '../errors';

/** The subscriptions a shop offers: the recurring prices it lists in studio → App, and their trial. */
export interface OfferedPlans {
  priceIds: string[];
  trialDays: number | undefined;
}

export async function offeredPlans(db: Executor, projectId: number): Promise<OfferedPlans> {
  const [row] = await db
    .select({ catalog: appSettings.catalog })
    .from(appSettings)
    .where(eq(appSettings.projectId, projectId));
  const catalog = row?.catalog;
  const listsPrices = catalog?.source === 'prices' || catalog?.source === 'both';
  return { priceIds: listsPrices ? (catalog?.priceIds ?? []) : [], trialDays: catalog?.trialDays };
}

export const describePlans = (priceIds: string[]) =>
  priceIds.length ? priceIds.join(', ') : 'none yet (the shop lists its plans in the studio under App)';

/** An order that already says what it costs must be for this plan's price. */
export async function assertOrderIsForPlan(
  db: Executor,
  projectId: number,
  orderTable: string,
  order: Row,
  price: Stripe.Price,
): Promise<void> {
  const table = await getTable(db, projectId, orderTable);
  const hasAmount = table.columns.some((c) => c.name === 'amount' && c.type === 'integer');
  if (!hasAmount || order.amount === null || order.amount === undefined || price.unit_amount === null) return;
  const hasCurrency = table.columns.some((c) => c.name === 'currency' && c.type === 'text');
  const currency = String((hasCurrency && order.currency) || price.currency).toLowerCase();
  if (Number(order.amount) === price.unit_amount && currency === price.currency) return;
  throw new PaymentError(
    'VALIDATION',
    `Order ${order.id} is for ${formatMinorUnits(Number(order.amount), currency)}, but that plan costs ` +
      `${formatMinorUnits(price.unit_amount, price.currency)}; choose the plan the order was made for.`,
    { plan: 'Does not match the order.' },
  );
}
