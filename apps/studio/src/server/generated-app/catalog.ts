import { tryParseMoney } from '@tillflow/core/money';
import { BACKEND, DataAccessError, getTable, queryRows } from '@tillflow/data-model';
import { type AppCatalogSettings, appSettings, type DbHandle, type Executor } from '@tillflow/db';
import { type PaymentServices, trialDaysOf } from '@tillflow/payments';
import { eq } from 'drizzle-orm';
import { z } from 'zod';

export const catalogSettingsInput = z.object({
  source: z.enum(['none', 'table', 'prices', 'both']),
  table: z.string().trim().max(100).optional(),
  nameColumn: z.string().trim().max(100).optional(),
  priceColumn: z.string().trim().max(100).optional(),
  currencyColumn: z.string().trim().max(100).optional(),
  priceIds: z.array(z.string().trim().min(1).max(255)).max(50).optional(),
  orderLabelColumn: z.string().trim().max(100).optional(),
  trialDays: z.number().int().min(1).max(730).optional(),
});

export interface AppSettingsView {
  title: string | null;
  catalog: AppCatalogSettings;
}

export async function loadAppSettings(db: Executor, projectId: number): Promise<AppSettingsView> {
  const [row] = await db.select().from(appSettings).where(eq(appSettings.projectId, projectId));
  return { title: row?.title ?? null, catalog: row?.catalog ?? { source: 'none' } };
}

/** Checks the chosen table and columns exist, so the app never points at nothing. */
export async function saveAppSettings(
  db: Executor,
  projectId: number,
  input: { title?: string | null; catalog: z.input<typeof catalogSettingsInput> },
): Promise<AppSettingsView> {
  const catalog = catalogSettingsInput.parse(input.catalog) as AppCatalogSettings;
  const usesTable = catalog.source === 'table' || catalog.source === 'both';
  const usesPrices = catalog.source === 'prices' || catalog.source === 'both';
  if (usesTable) {
    if (!catalog.table)
      throw new DataAccessError('VALIDATION', 'Pick the table that lists products.', { table: 'Required.' });
    const table = await getTable(db, projectId, catalog.table);
    const names = new Set(table.columns.map((c) => c.name));
    for (const key of ['nameColumn', 'priceColumn'] as const)
      if (!catalog[key] || !names.has(catalog[key] as string))
        throw new DataAccessError(
          'VALIDATION',
          `Pick the ${key === 'nameColumn' ? 'name' : 'price'} column of "${table.name}".`,
          {
            [key]: 'Pick a column.',
          },
        );
    // A price is a number: a decimal column holds it as people write it (8.50), an integer column in the
    // currency's smallest unit (850 cents). Anything else would leave every product without a price.
    const price = table.columns.find((c) => c.name === catalog.priceColumn);
    if (price && price.type !== 'decimal' && price.type !== 'integer')
      throw new DataAccessError(
        'VALIDATION',
        `"${price.name}" is a ${price.type} column, so it cannot hold a price. Pick a decimal column (prices as 8.50) or an integer column (prices in cents, 850).`,
        { priceColumn: 'Pick a number column.' },
      );
    if (catalog.currencyColumn && !names.has(catalog.currencyColumn))
      throw new DataAccessError('VALIDATION', `"${table.name}" has no column "${catalog.currencyColumn}".`, {
        currencyColumn: 'No such column.',
      });
  }
  if (usesPrices && !catalog.priceIds?.length)
    throw new DataAccessError('VALIDATION', 'List at least one Stripe price id.', { priceIds: 'Required.' });
  const values = { title: input.title ?? null, catalog, updatedAt: new Date() };
  await db
    .insert(appSettings)
    .values({ projectId, ...values })
    .onConflictDoUpdate({ target: appSettings.projectId, set: values });
  return loadAppSettings(db, projectId);
}

export interface CatalogItem {
  /** `row:<id>` or `price:<id>`: what the buy action takes. */
  key: string;
  name: string;
  /** Minor units. */
  amount: number;
  currency: string;
  recurring: { interval: string; intervalCount: number; trialDays: number | null } | null;
}

/**
 * What the app offers. The builder chose these rows or prices for the public
 * catalog, so they are read as the backend, and only name, price and currency leave.
 */
export async function listCatalog(services: PaymentServices, projectId: number): Promise<CatalogItem[]> {
  const handle = services.database;
  const { catalog } = await loadAppSettings(handle.db, projectId);
  const items: CatalogItem[] = [];
  if ((catalog.source === 'table' || catalog.source === 'both') && catalog.table)
    items.push(...(await tableItems(handle, projectId, catalog)));
  if ((catalog.source === 'prices' || catalog.source === 'both') && catalog.priceIds?.length)
    items.push(...(await priceItems(services, projectId, catalog.priceIds, catalog.trialDays ?? null)));
  return items;
}

async function tableItems(handle: DbHandle, projectId: number, catalog: AppCatalogSettings): Promise<CatalogItem[]> {
  if (!catalog.table || !catalog.nameColumn || !catalog.priceColumn) return [];
  const { rows } = await queryRows(handle.db, projectId, BACKEND, catalog.table, {
    sort: [{ column: 'id', direction: 'asc' }],
    limit: 200,
  });
  const table = await getTable(handle.db, projectId, catalog.table);
  const majorUnits = table.columns.find((c) => c.name === catalog.priceColumn)?.type === 'decimal';
  return rows
    .map((row) => {
      const currency = String((catalog.currencyColumn && row[catalog.currencyColumn]) || 'usd').toLowerCase();
      const raw = row[catalog.priceColumn as string];
      // A decimal price is in major units (8.50 → 850 cents, 500 → ¥500); an integer one is already minor units.
      const parsed =
        majorUnits && raw !== null && raw !== undefined
          ? tryParseMoney(
              String(raw)
                .replace(/(\.\d*?)0+$/, '$1')
                .replace(/\.$/, ''),
              currency,
            )
          : null;
      const amount = majorUnits ? (parsed?.ok ? parsed.amount : Number.NaN) : Number(raw);
      return {
        key: `row:${row.id}`,
        name: String(row[catalog.nameColumn as string] ?? `#${row.id}`),
        amount,
        currency,
        recurring: null,
      };
    })
    .filter((item) => Number.isInteger(item.amount) && item.amount > 0);
}

async function priceItems(
  services: PaymentServices,
  projectId: number,
  priceIds: string[],
  trialDays: number | null,
): Promise<CatalogItem[]> {
  const { stripe } = await services.stripeAccounts.forProject(services.database.db, projectId);
  const items = await Promise.all(
    priceIds.map(async (priceId): Promise<CatalogItem | null> => {
      try {
        const price = await stripe.prices.retrieve(priceId, { expand: ['product'] });
        const product = price.product as { name?: string } | string | null;
        return {
          key: `price:${price.id}`,
          name: (typeof product === 'object' && product?.name) || price.nickname || price.id,
          amount: price.unit_amount ?? 0,
          currency: price.currency,
          recurring: price.recurring
            ? {
                interval: price.recurring.interval,
                intervalCount: price.recurring.interval_count,
                // The price's own trial (set on the Products card, or Stripe's) before the shop-wide one.
                trialDays: trialDaysOf(price) ?? trialDays,
              }
            : null,
        };
      } catch {
        return null; // a deleted or mistyped price is left out rather than breaking the page
      }
    }),
  );
  return items.filter((i): i is CatalogItem => i !== null && i.amount > 0);
}
