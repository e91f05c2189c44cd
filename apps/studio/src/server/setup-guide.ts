import { aggregateRows, listTables } from '@tillflow/data-model';
import { loadPaymentSettings, PAYMENT_TABLE, type PaymentServices } from '@tillflow/payments';
import { listCatalog, loadAppSettings } from './generated-app/catalog';

/** One step of the overview's setup guide: checked against the project's real state, in plain words. */
export interface SetupStep {
  id: 'products' | 'orders' | 'payments' | 'test_payment' | 'go_live';
  title: string;
  done: boolean;
  /** What is there, or what is missing and how to do it. */
  detail: string;
  /** Where to do it (a studio path, or the shop's own address). */
  href: string;
  linkText: string;
}

/**
 * The path from an empty project to a paid order and live keys, each step read from what is really
 * there (tables, the app's catalog, activation, payments, keys), never from a checkbox a person ticks.
 */
export async function setupGuide(
  services: PaymentServices,
  project: { id: number; slug: string },
): Promise<SetupStep[]> {
  const handle = services.database;
  const base = `/projects/${project.id}`;
  const tables = (await listTables(handle.db, project.id)).filter((t) => !t.isSystem);
  const payments = await loadPaymentSettings(handle.db, project.id);
  const { catalog } = await loadAppSettings(handle.db, project.id);
  const items = await listCatalog(services, project.id).catch(() => []);
  const orderTable = tables.find((t) => t.id === payments?.orderTableId) ?? null;
  const active = Boolean(payments?.activatedAt);
  const catalogTable = catalog.source === 'table' || catalog.source === 'both' ? catalog.table : null;
  const orderCandidate = orderTable ?? tables.find((t) => t.name !== catalogTable && /order/i.test(t.name)) ?? null;
  let paid = 0;
  if (active) {
    const { value } = await aggregateRows(handle.db, project.id, { kind: 'backend' }, PAYMENT_TABLE, {
      fn: 'count',
      filters: [{ column: 'status', op: 'in', value: ['SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED'] }],
    });
    paid = Number(value ?? 0);
  }
  const live = payments?.mode === 'live';
  const productTable = tables.find((t) => t.name !== orderCandidate?.name);
  return [
    {
      id: 'products',
      title: 'Describe what you sell',
      done: items.length > 0,
      detail:
        items.length > 0
          ? `Your shop offers ${items.length} ${items.length === 1 ? 'item' : 'items'}.`
          : productTable
            ? `Under App, choose "${catalogTable ?? productTable.name}" as your products, with its name and price columns. Type prices as you write them (8.50), in a decimal column.`
            : 'In Data, make a table of your products with a name (text) and a price (decimal, typed like 8.50), add a row for each product, then choose it under App.',
      href: productTable ? `${base}/app` : `${base}/data`,
      linkText: productTable ? 'Open App' : 'Open Data',
    },
    {
      id: 'orders',
      title: 'Keep your orders',
      done: orderCandidate !== null,
      detail: orderCandidate
        ? `Orders are kept in "${orderCandidate.name}".`
        : 'In Data, make a table called "orders" with a "title" text column. Turning on payments fills in the rest.',
      href: `${base}/data`,
      linkText: 'Open Data',
    },
    {
      id: 'payments',
      title: 'Turn on payments',
      done: active,
      detail: active
        ? `Payments are on. Orders in "${orderTable?.name ?? ''}" move from pending to paid, failed or refunded by themselves.`
        : 'Under Payments, choose your orders table and leave "Set up buying for me" ticked. It works at once with the built-in test account; no Stripe keys needed.',
      href: `${base}/payments`,
      linkText: 'Open Payments',
    },
    {
      id: 'test_payment',
      title: 'Try a test payment',
      done: paid > 0,
      detail:
        paid > 0
          ? `${paid} test ${paid === 1 ? 'payment' : 'payments'} went through. Refund one from the payments dashboard to see a refund too.`
          : 'Open your shop, sign up as a shopper and buy something with the test card 4242 4242 4242 4242 (any future date, any 3 digits).',
      href: paid > 0 ? `${base}/payments/dashboard` : `/app/${project.slug}`,
      linkText: paid > 0 ? 'Open the payments dashboard' : 'Open your shop',
    },
    {
      id: 'go_live',
      title: 'Go live with your Stripe keys',
      done: live,
      detail: live
        ? 'Your shop takes real payments with your live Stripe keys.'
        : 'When you are ready for real money, enter your live keys from the Stripe Dashboard (Developers → API keys) under Payments.',
      href: `${base}/payments`,
      linkText: 'Open Payments',
    },
  ];
}
