import { createEndUser, getPermissionMatrix, getRow, getTable, insertRow, queryRows } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import type { FlowDefinition } from '@tillflow/flow-model';
import { listFlows } from '@tillflow/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activatePayments } from '../src/activation';
import { ORDER_STATUSES } from '../src/order-defaults';
import { bareShop, paymentServices, type Sandbox, startEnvironment } from './harness';

describe('activation sets up what buying needs, when asked, and says what it did', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
  });
  afterAll(async () => {
    await sandbox.close();
    await handle.close();
  });

  it('a bare order table gets an owner, a status that starts pending, and shopper permissions', async () => {
    const project = await bareShop(handle, sandbox, [
      { name: 'title', type: 'text' },
      { name: 'amount', type: 'integer' },
    ]);
    const result = await activatePayments(paymentServices(handle), project.id, {
      orderTable: 'orders',
      confirmPermanent: true,
      setupDefaults: true,
    });
    expect(result.changes.map((c) => c.kind)).toEqual([
      'owner_column',
      'status_column',
      'permission',
      'permission',
      'permission',
    ]);
    expect(result.changes.map((c) => c.description).join('\n')).toMatch(/"customer" column.*which shopper/);
    for (const change of result.changes) expect(change.description).not.toMatch(/nodes\.|[A-Z]{4,}_[A-Z]/);

    const table = await getTable(handle.db, project.id, 'orders');
    expect(table.ownerColumn).toBe('customer');
    const status = table.columns.find((c) => c.name === 'status');
    expect(status).toMatchObject({ type: 'enum', enumOptions: [...ORDER_STATUSES], default: 'pending' });

    // A shopper can now buy: create an order as themselves (owner filled in, status pending) and read only their own.
    const ann = await createEndUser(handle.db, project.id, { email: `ann-${uniqueSuffix()}@example.test` });
    const ben = await createEndUser(handle.db, project.id, { email: `ben-${uniqueSuffix()}@example.test` });
    const asUser = (u: { id: number; role: string }) => ({ kind: 'endUser' as const, userId: u.id, role: u.role });
    const order = await insertRow(
      handle.db,
      project.id,
      asUser(ann),
      'orders',
      { title: 'Sourdough' },
      { serverValues: { amount: 850 } },
    );
    expect(order).toMatchObject({ customer: ann.id, status: 'pending' });
    expect((await getRow(handle.db, project.id, asUser(ann), 'orders', order.id))?.title).toBe('Sourdough');
    expect((await queryRows(handle.db, project.id, asUser(ben), 'orders', {})).rows).toEqual([]);

    // The system flows can now move the order: paid, failed, refunded, partially refunded, disputed, dispute lost.
    const flows = await listFlows(handle.db, project.id);
    const nodesOf = (kind: string) =>
      ((flows.find((f) => f.systemKind === kind)?.draft as FlowDefinition | undefined)?.graph.nodes ?? []).map(
        (n) => n.id,
      );
    expect(nodesOf('StripePayment')).toEqual(expect.arrayContaining(['update_order', 'update_order_failed']));
    expect(nodesOf('StripeRefund')).toEqual(expect.arrayContaining(['update_order', 'update_order_partial']));
    expect(nodesOf('StripeDispute')).toEqual(
      expect.arrayContaining(['update_order', 'update_order_lost', 'update_order_won', 'email_admin']),
    );
  });

  it('keeps what the builder set: an existing owner relation, status words and permissions; adds only what is missing', async () => {
    const project = await bareShop(handle, sandbox, [
      { name: 'title', type: 'text' },
      { name: 'buyer', type: 'relation', relationTable: 'end_user' },
      { name: 'status', type: 'enum', enumOptions: ['new', 'paid'], default: 'new' },
    ]);
    const { changes } = await activatePayments(paymentServices(handle), project.id, {
      orderTable: 'orders',
      confirmPermanent: true,
      setupDefaults: true,
    });
    expect(changes[0]).toMatchObject({ kind: 'owner_column', description: expect.stringContaining('"buyer"') });
    expect(changes[1]).toMatchObject({
      kind: 'status_options',
      description:
        'Added "pending", "failed", "refunded", "partially_refunded", "disputed", "dispute_lost" to the choices of "status".',
    });
    const table = await getTable(handle.db, project.id, 'orders');
    expect(table.ownerColumn).toBe('buyer');
    expect(table.columns.find((c) => c.name === 'status')).toMatchObject({
      enumOptions: ['new', 'paid', 'pending', 'failed', 'refunded', 'partially_refunded', 'disputed', 'dispute_lost'],
      default: 'new',
    });
  });

  it('without being asked, activation leaves the order table alone', async () => {
    const project = await bareShop(handle, sandbox, [{ name: 'title', type: 'text' }]);
    const { changes } = await activatePayments(paymentServices(handle), project.id, {
      orderTable: 'orders',
      confirmPermanent: true,
    });
    expect(changes).toEqual([]);
    const table = await getTable(handle.db, project.id, 'orders');
    expect(table.ownerColumn).toBeNull();
    expect(table.columns.map((c) => c.name)).toEqual(['title']);
    const matrix = await getPermissionMatrix(handle.db, project.id);
    expect(matrix.tablePermissions.filter((p) => p.table === 'orders')).toEqual([]);
  });
});
