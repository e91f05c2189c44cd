import {
  addColumn,
  getRow,
  getTable,
  insertRow,
  queryRows,
  setTablePermission,
  updateColumn,
  updateRows,
} from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { activatePayments, saveOrderBinding } from '../src/activation';
import { bareShop, createPaymentsProject, paymentServices, type Sandbox, startEnvironment } from './harness';

const BACKEND = { kind: 'backend' } as const;

// Issue 12's residual: the default permission lets shoppers create their own orders, and an order's own
// amount is what REST /payments charges an end user. Once payments are bound, the order's amount, currency
// and status are the server's to write: a shopper can neither set nor change them, by any write path.
describe('an order’s price and status are written by the server only', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
  });
  afterAll(async () => {
    await sandbox.close();
    await handle.close();
  });

  it('a shopper cannot create an order with their own amount, currency or status, nor change them later', async () => {
    const { project, alice, asUser } = await createPaymentsProject(handle, sandbox);
    await setTablePermission(handle.db, project.id, {
      role: 'user',
      table: 'order',
      operation: 'update',
      allowed: true,
      scope: 'own',
    });
    const shopper = asUser(alice);
    for (const values of [{ amount: 1 }, { currency: 'jpy' }, { status: 'paid' }, { amount: null }])
      await expect(
        insertRow(handle.db, project.id, shopper, 'order', { title: 'Desk', ...values }),
      ).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringMatching(/is set by the shop .*Remove the field from the form or the request\./),
        fieldErrors: { [Object.keys(values)[0]]: expect.stringMatching(/^Set by the shop/) },
      });
    // Nothing was written by the refused attempts.
    const { rows } = await queryRows(handle.db, project.id, BACKEND, 'order', {});
    expect(rows).toHaveLength(0);

    // The shop (its backend) prices the order; the shopper may still edit what is theirs (the title).
    const order = await insertRow(handle.db, project.id, BACKEND, 'order', {
      title: 'Desk',
      amount: 10_000,
      customer: alice.id,
    });
    for (const values of [{ amount: 1 }, { currency: 'jpy' }, { status: 'paid' }])
      await expect(
        updateRows(handle.db, project.id, shopper, 'order', [{ column: 'id', op: 'eq', value: order.id }], values),
      ).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/cannot be changed here/) });
    const [renamed] = await updateRows(
      handle.db,
      project.id,
      shopper,
      'order',
      [{ column: 'id', op: 'eq', value: order.id }],
      { title: 'Standing desk' },
    );
    expect(renamed).toMatchObject({ title: 'Standing desk', amount: 10_000, status: 'pending' });

    // Paying charges the shop's amount.
    const paid = await createPaymentAction(paymentServices(handle), project.id, shopper, {
      orderId: order.id,
      method: 'payment_intent',
    });
    expect(await getRow(handle.db, project.id, BACKEND, 'payment', paid.paymentId)).toMatchObject({
      amount: 10_000,
      currency: 'usd',
    });

    // A shopper's own order (no price, since they cannot write one) is refused at payment, not charged.
    const own = await insertRow(handle.db, project.id, shopper, 'order', { title: 'Mine' });
    expect(own).toMatchObject({ amount: null, status: 'pending' });
    await expect(
      createPaymentAction(paymentServices(handle), project.id, shopper, { orderId: own.id, method: 'payment_intent' }),
    ).rejects.toMatchObject({ code: 'PRECONDITION_FAILED', message: expect.stringMatching(/has no amount yet/) });
  });

  it('binds amount and currency by column id: a rename keeps charging, no currency column uses the shop’s currency', async () => {
    const project = await bareShop(handle, sandbox, [
      { name: 'title', type: 'text' },
      { name: 'price_cents', type: 'integer' },
    ]);
    const services = paymentServices(handle);
    await expect(
      activatePayments(services, project.id, {
        orderTable: 'orders',
        confirmPermanent: true,
        setupDefaults: true,
        amountColumn: 'title',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', fieldErrors: { amountColumn: expect.any(String) } });
    await activatePayments(services, project.id, {
      orderTable: 'orders',
      confirmPermanent: true,
      setupDefaults: true,
      amountColumn: 'price_cents',
      currency: 'EUR',
    });
    await updateColumn(handle.db, project.id, 'orders', 'price_cents', { name: 'total' });
    const order = await insertRow(handle.db, project.id, BACKEND, 'orders', { title: 'Bread', total: 450 });
    const payment = await createPaymentAction(services, project.id, BACKEND, {
      orderId: order.id,
      method: 'payment_intent',
    });
    const row = await getRow(handle.db, project.id, BACKEND, 'payment', payment.paymentId);
    expect(row).toMatchObject({ amount: 450, currency: 'eur' });
    // The renamed column is still the server's to write.
    const table = await getTable(handle.db, project.id, 'orders');
    expect(
      table.columns
        .filter((c) => c.systemManaged)
        .map((c) => c.name)
        .sort(),
    ).toEqual(['status', 'total']);

    // Changing the binding later: the old amount column goes back to the builder, the new one is protected.
    await addColumn(handle.db, project.id, 'orders', { name: 'amount', type: 'integer' });
    await addColumn(handle.db, project.id, 'orders', { name: 'currency', type: 'text' });
    const view = await saveOrderBinding(services, project.id, { amountColumn: 'amount', currencyColumn: 'currency' });
    expect(view).toMatchObject({ amountColumn: 'amount', currencyColumn: 'currency', currency: 'eur' });
    expect(view?.serverColumns.sort()).toEqual(['amount', 'currency', 'status']);
    const second = await insertRow(handle.db, project.id, BACKEND, 'orders', { amount: 1_000, currency: 'gbp' });
    const again = await createPaymentAction(services, project.id, BACKEND, {
      orderId: second.id,
      method: 'payment_intent',
    });
    expect(await getRow(handle.db, project.id, BACKEND, 'payment', again.paymentId)).toMatchObject({
      amount: 1_000,
      currency: 'gbp',
    });
  });
});
