import { sandboxControlToken } from '@tillflow/core';
import { createTable, setOwnerColumn, setTablePermission } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { getChangeHub } from '@tillflow/realtime';
import { startSandbox } from '@tillflow/stripe-sandbox';
import { afterAll, beforeAll } from 'vitest';

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
