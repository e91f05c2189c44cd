import { listTables } from '@tillflow/data-model';
import { appDefaultPages, appPages, type Executor, paymentSettings } from '@tillflow/db';
import { type DefaultPageKey, defaultPages, type PageDefinition } from '@tillflow/page-model';
import { loadPaymentSettings, type PaymentServices } from '@tillflow/payments';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { catalogPlans } from '../../lib/catalog-plans';
import { listCatalog, loadAppSettings } from '../generated-app/catalog';
import { createPage, loadPageContext } from './store';

/**
 * Makes the default pages of a project with payments on (page-model `defaultPages`: Shop at /, My orders,
 * My subscriptions, Refunds at /admin) as drafts, each once: a page the builder deleted is not made again, and an
 * address the builder already uses is left to their page. A default page nobody has edited or published yet is
 * brought up to date (e.g. the Shop once products are chosen under App). Publishing one replaces the fixed page at
 * that address. Called when payments are activated, when the app's catalog is saved, and at start-up for every
 * activated project (projects made before default pages existed get theirs on upgrade).
 */
export async function ensureDefaultPages(services: PaymentServices, projectId: number): Promise<DefaultPageKey[]> {
  const db = services.database.db;
  const settings = await loadPaymentSettings(db, projectId);
  if (!settings?.activatedAt || !settings.orderTableId) return [];
  const [tables, context, app] = await Promise.all([
    listTables(db, projectId),
    loadPageContext(db, projectId),
    loadAppSettings(db, projectId),
  ]);
  const order = tables.find((t) => t.id === settings.orderTableId);
  if (!order) return [];
  const columnName = (id: number | null) => order.columns.find((c) => c.id === id)?.name ?? null;
  // Subscriptions on offer are Stripe prices: asked of the project's Stripe account, and left out if it cannot answer.
  const plans = await listCatalog(services, projectId).then(catalogPlans, () => []);
  const { catalog } = app;
  const wanted = defaultPages({
    context,
    orderTable: order.name,
    orderLabelColumn: catalog.orderLabelColumn ?? null,
    amountColumn: columnName(settings.amountColumnId),
    currencyColumn: columnName(settings.currencyColumnId),
    currency: settings.currency,
    catalog:
      (catalog.source === 'table' || catalog.source === 'both') &&
      catalog.table &&
      catalog.nameColumn &&
      catalog.priceColumn
        ? {
            table: catalog.table,
            nameColumn: catalog.nameColumn,
            priceColumn: catalog.priceColumn,
            currencyColumn: catalog.currencyColumn ?? null,
          }
        : null,
    plans,
  });
  return db.transaction(async (tx) => {
    // Two processes starting together make each default page once.
    await tx.execute(sql`select pg_advisory_xact_lock(7712, ${projectId})`);
    const made = await tx
      .select({ key: appDefaultPages.key, pageId: appDefaultPages.pageId })
      .from(appDefaultPages)
      .where(eq(appDefaultPages.projectId, projectId));
    const pages = await tx
      .select({
        id: appPages.id,
        path: sql<string>`${appPages.draft}->>'path'`,
        revision: appPages.draftRevision,
        published: appPages.publishedVersion,
      })
      .from(appPages)
      .where(eq(appPages.projectId, projectId));
    const changed: DefaultPageKey[] = [];
    for (const { key, definition } of wanted) {
      const record = made.find((m) => m.key === key);
      if (record) {
        await refreshUntouched(tx, pages, record.pageId, definition);
        continue;
      }
      const taken = pages.some((p) => p.path === definition.path);
      const page = taken ? null : await createPage(tx, projectId, definition);
      await tx.insert(appDefaultPages).values({ projectId, key, pageId: page?.id ?? null });
      if (page) changed.push(key);
    }
    return changed;
  });
}

/** A default page still as it was made (never saved by anyone, never published) follows today's project. */
async function refreshUntouched(
  tx: Executor,
  pages: { id: number; revision: number; published: number | null }[],
  pageId: number | null,
  definition: PageDefinition,
) {
  const page = pages.find((p) => p.id === pageId);
  if (page?.revision !== 1 || page.published !== null) return;
  await tx
    .update(appPages)
    .set({ draft: definition, updatedAt: new Date() })
    .where(and(eq(appPages.id, page.id), eq(appPages.draftRevision, 1)));
}

/** At start-up: every activated project gets its default pages (one project's failure never stops the others). */
export async function ensureDefaultPagesForAll(services: PaymentServices) {
  const active = await services.database.db
    .select({ projectId: paymentSettings.projectId })
    .from(paymentSettings)
    .where(isNotNull(paymentSettings.activatedAt));
  const report: { projectId: number; made: DefaultPageKey[]; error?: string }[] = [];
  for (const { projectId } of active) {
    try {
      report.push({ projectId, made: await ensureDefaultPages(services, projectId) });
    } catch (error) {
      report.push({ projectId, made: [], error: (error as Error).message });
    }
  }
  return report;
}
