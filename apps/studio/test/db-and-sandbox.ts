import { sandboxControlToken } from '@tillflow/core';
import { createTable, insertRow, setOwnerColumn, setTablePermission } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { getChangeHub } from '@tillflow/realtime';
import { startSandbox } from '@tillflow/stripe-sandbox';
import { afterAll, beforeAll } from 'vitest';
import type { signUpBuilder } from './helpers';

/**
 * A test database and a Stripe sandbox for the enclosing describe block (or file): made before its tests,
 * with TILLFLOW_SANDBOX_URL pointing at the sandbox, and closed after them (the change hub first). Read
 * `env.handle` inside tests, not at collection time.
 */
export function withDbAndSandbox(hookTimeoutMs?: number) {
  const env = {} as { handle: DbHandle; sandbox: Awaited<ReturnType<typeof startSandbox>> };
  beforeAll(async () => {
    env.handle = await createTestDb();
    env.sandbox = await startSandbox({ port: 0, controlToken: sandboxControlToken() });
    process.env.TILLFLOW_SANDBOX_URL = env.sandbox.url;
  }, hookTimeoutMs);
  afterAll(async () => {
    await getChangeHub(env.handle).close();
    await env.sandbox.close();
    await env.handle.close();
  });
  return env;
}

/**
 * A shop's two tables: `order` (item, buyer) that each end user reads and inserts only for themselves,
 * and `product` (name, price in minor units).
 */
export async function orderAndProductTables(handle: DbHandle, projectId: number) {
  await createTable(handle.db, projectId, {
    name: 'order',
    columns: [
      { name: 'item', type: 'text' },
      { name: 'buyer', type: 'relation', relationTable: 'end_user' },
    ],
  });
  await setOwnerColumn(handle.db, projectId, 'order', 'buyer');
  for (const operation of ['read', 'insert'] as const)
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'order',
      operation,
      allowed: true,
      scope: 'own',
    });
  await createTable(handle.db, projectId, {
    name: 'product',
    columns: [
      { name: 'name', type: 'text' },
      { name: 'price', type: 'integer' },
    ],
  });
}

/**
 * A coffee shop as the generated-app tests use it: a project (slug `<prefix>-<unique>`) with the two tables above,
 * the given products, payments activated on `order` and the catalog read from `product` (orders labelled by `item`).
 */
export async function coffeeShop(
  handle: DbHandle,
  caller: Awaited<ReturnType<typeof signUpBuilder>>['caller'],
  slugPrefix: string,
  products: { name: string; price: number }[],
) {
  const slug = `${slugPrefix}-${uniqueSuffix()}`;
  const project = await caller.project.create({ name: 'Coffee shop', slug });
  await orderAndProductTables(handle, project.id);
  for (const product of products) await insertRow(handle.db, project.id, { kind: 'backend' }, 'product', product);
  await caller.payments.activate({ projectId: project.id, orderTable: 'order', confirmPermanent: true });
  await caller.appSettings.save({
    projectId: project.id,
    catalog: { source: 'table', table: 'product', nameColumn: 'name', priceColumn: 'price', orderLabelColumn: 'item' },
  });
  return { project, slug };
}
