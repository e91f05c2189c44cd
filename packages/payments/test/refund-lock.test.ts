import { getTable, queryRows } from '@tillflow/data-model';
import { createDb, type DbHandle, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundAction } from '../src/actions/refund';
import { lockRow } from '../src/row-lock';
import { paidPaymentIntent, paymentServices, type Sandbox, startEnvironment } from './harness';

// PostgreSQL only, on purpose: the refund ceiling rests on a row lock taken on
// the payment while the refund's amount is reserved. PGlite runs one
// transaction at a time, so there two refunds can never overlap and a missing
// lock cannot show; only real concurrent transactions (PostgreSQL, CI's second
// pass, or locally with DATABASE_URL set) can tell the lock is there.
describe.runIf(process.env.DATABASE_URL)('concurrent refunds on PostgreSQL', () => {
  let handle: DbHandle;
  let gate: DbHandle;
  let sandbox: Sandbox;

  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
    gate = await createDb({ url: process.env.DATABASE_URL, migrate: false, max: 2 });
  });
  afterAll(async () => {
    await gate?.close();
    await sandbox?.close();
    await handle?.close();
  });

  it('five refunds of 300 racing on a paid 1000: three are made, two refused by our ceiling, never more than paid', async () => {
    const { project, admin, asUser, paymentId, intentId, stripe } = await paidPaymentIntent(handle, sandbox, 1000);

    // Make the overlap certain rather than lucky: another session holds the payment row and
    // blocks inserts into the refund table (reads still pass) until all five are inside their
    // transactions. With the lock they queue on the payment row; without it they would all read
    // "nothing refunded yet" and wait only to insert.
    const refundTable = await getTable(handle.db, project.id, 'refund');
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holding: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      holding = resolve;
    });
    const gateTx = gate.db.transaction(async (tx) => {
      await lockRow(tx, project.id, 'payment', paymentId);
      await tx.execute(
        sql`lock table ${sql.identifier(refundTable.schemaName)}.${sql.identifier(refundTable.physicalName)} in share mode`,
      );
      holding();
      await released;
    });
    await held;
    const racing = Array.from({ length: 5 }, () =>
      refundAction(paymentServices(handle), project.id, asUser(admin), { paymentId, amount: 300 }),
    );
    const started = Date.now();
    for (;;) {
      const [row] = await executeRows<{ n: number }>(
        gate.db,
        sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
      );
      if (Number(row.n) >= 5 || Date.now() - started > 5000) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    release();
    await gateTx;
    const results = await Promise.allSettled(racing);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    const refusals = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    expect(refusals).toHaveLength(2);
    for (const refusal of refusals)
      expect(refusal).toMatchObject({
        code: 'VALIDATION',
        message: expect.stringMatching(/Only \$1\.00 of this payment remains refundable/),
      });
    // A refused refund never got a row: the ceiling was checked before anything was reserved or sent.
    const { rows } = await queryRows(handle.db, project.id, { kind: 'backend' }, 'refund', {
      filters: [{ column: 'payment_id', op: 'eq', value: paymentId }],
    });
    expect(rows).toHaveLength(3);
    const atStripe = await stripe.refunds.list({ payment_intent: intentId });
    expect(atStripe.data.reduce((sum, r) => sum + r.amount, 0)).toBe(900);
  });
});
