import { insertRow, updateRows } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { dashboardRows, paymentTotals, revenueByDay } from '../src/dashboard';
import { createPaymentsProject, paymentServices, type Sandbox, startEnvironment } from './harness';

// Payments made with live keys (real money) and with test keys or on the sandbox are recorded per row
// (`livemode`); the dashboard lists, totals and charts one mode at a time when asked, so test money is
// never read as revenue.

const BACKEND = { kind: 'backend' } as const;
const BUILDER = { kind: 'builder' } as const;
let handle: DbHandle;
let sandbox: Sandbox;

beforeAll(async () => {
  ({ handle, sandbox } = await startEnvironment());
});
afterAll(async () => {
  await sandbox?.close();
  await handle?.close();
});

describe('the payments dashboard keeps live and test money apart', () => {
  it('lists, totals and charts live payments, test payments, or both', async () => {
    const { project, alice, asUser } = await createPaymentsProject(handle, sandbox);
    const paid = async (amount: number, livemode: boolean) => {
      const order = await insertRow(
        handle.db,
        project.id,
        asUser(alice),
        'order',
        { title: 'Lamp' },
        { serverValues: { amount } },
      );
      const { paymentId } = await createPaymentAction(paymentServices(handle), project.id, asUser(alice), {
        orderId: order.id,
        method: 'payment_intent',
      });
      await updateRows(handle.db, project.id, BACKEND, 'payment', [{ column: 'id', op: 'eq', value: paymentId }], {
        status: 'SUCCESSFUL',
        livemode,
        paid_at: new Date().toISOString(),
      });
      return paymentId;
    };
    const live = await paid(5000, true);
    const test = await paid(1200, false);
    const alsoTest = await paid(300, false);

    const ids = async (mode?: 'live' | 'test') =>
      (await dashboardRows(handle.db, project.id, BUILDER, { table: 'payment', mode })).rows.map((r) => r.id);
    expect(await ids('live')).toEqual([live]);
    expect(await ids('test')).toEqual([alsoTest, test]);
    expect(await ids()).toEqual([alsoTest, test, live]);
    // Each row says which it is.
    const [row] = (await dashboardRows(handle.db, project.id, BUILDER, { table: 'payment', mode: 'live' })).rows;
    expect(row.livemode).toBe(true);
    // Combined with the other filters.
    expect(
      (await dashboardRows(handle.db, project.id, BUILDER, { table: 'payment', mode: 'test', status: 'SUCCESSFUL' }))
        .rows.length,
    ).toBe(2);

    const gross = async (mode?: 'live' | 'test') =>
      (await paymentTotals(handle.db, project.id, { mode })).map((t) => [t.currency, t.gross, t.payments]);
    expect(await gross('live')).toEqual([['usd', 5000, 1]]);
    expect(await gross('test')).toEqual([['usd', 1500, 2]]);
    expect(await gross()).toEqual([['usd', 6500, 3]]);
    const chart = async (mode?: 'live' | 'test') =>
      (await revenueByDay(handle.db, project.id, 30, { mode })).reduce((sum, p) => sum + p.net, 0);
    expect(await chart('live')).toBe(5000);
    expect(await chart('test')).toBe(1500);
  });
});
