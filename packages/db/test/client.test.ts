import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DbHandle, executeRows, projects } from '../src';
import { createTestDb } from '../src/testing';

describe('database client', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  it('applies the committed migrations', async () => {
    const rows = await executeRows<{ n: number }>(handle.db, sql`select count(*)::int as n from ${projects}`);
    expect(typeof rows[0].n).toBe('number');
  });

  it('runs raw parameterised queries on either driver', async () => {
    const rows = await handle.query<{ x: number }>('select $1::int + 1 as x', [41]);
    expect(rows[0].x).toBe(42);
  });

  it('is idempotent when migrations run twice', async () => {
    const { runMigrations } = await import('../src/migrate');
    await runMigrations(handle);
    const rows = await handle.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
    expect(rows[0].n).toBeGreaterThan(0);
  });
});
