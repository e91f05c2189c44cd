import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Actor,
  aggregateRows,
  cachedPermissionMatrix,
  checkActionPermission,
  createEndUser,
  createRole,
  createTable,
  deleteRole,
  deleteRows,
  getPermissionMatrix,
  getRow,
  insertRow,
  queryRows,
  setActionPermission,
  setEndUserRole,
  setOwnerColumn,
  setTablePermission,
  updateRows,
} from '../src';
import { createTestProject, expectDataError } from './helpers';

describe('roles and permissions through the data-access layer', () => {
  let handle: DbHandle;
  let projectId: number;
  let alice: Actor;
  let bob: Actor;
  let admin: Actor;
  const anonymous: Actor = { kind: 'anonymous' };
  const backend: Actor = { kind: 'backend' };

  beforeAll(async () => {
    handle = await createTestDb();
    projectId = (await createTestProject(handle)).id;
    const a = await createEndUser(handle.db, projectId, { email: 'alice@example.test' });
    const b = await createEndUser(handle.db, projectId, { email: 'bob@example.test' });
    const c = await createEndUser(handle.db, projectId, { email: 'carol@example.test', role: 'admin' });
    alice = { kind: 'endUser', userId: a.id, role: a.role };
    bob = { kind: 'endUser', userId: b.id, role: b.role };
    admin = { kind: 'endUser', userId: c.id, role: 'admin' };
    await createTable(handle.db, projectId, {
      name: 'order',
      columns: [
        { name: 'status', type: 'enum', enumOptions: ['pending', 'paid', 'refunded'], default: 'pending' },
        { name: 'amount', type: 'integer', required: true },
        { name: 'buyer', type: 'relation', relationTable: 'end_user' },
      ],
    });
    await setOwnerColumn(handle.db, projectId, 'order', 'buyer');
    for (const [buyer, amount] of [
      [alice, 100],
      [alice, 250],
      [bob, 900],
    ] as const)
      await insertRow(handle.db, projectId, backend, 'order', { buyer: (buyer as { userId: number }).userId, amount });
    await createTable(handle.db, projectId, { name: 'product', columns: [{ name: 'title', type: 'text' }] });
    await insertRow(handle.db, projectId, backend, 'product', { title: 'Beans' });
  });
  afterAll(() => handle.close());

  it('is closed for every role by default', async () => {
    for (const actor of [anonymous, alice, admin]) {
      await expectDataError(queryRows(handle.db, projectId, actor, 'order'), 'FORBIDDEN');
      await expectDataError(insertRow(handle.db, projectId, actor, 'product', { title: 'x' }), 'FORBIDDEN');
      await expectDataError(aggregateRows(handle.db, projectId, actor, 'order', { fn: 'count' }), 'FORBIDDEN');
      expect(await checkActionPermission(handle.db, projectId, actor, 'stripe.refund')).toBe(false);
    }
    expect((await queryRows(handle.db, projectId, { kind: 'builder' }, 'order')).rows).toHaveLength(3);
    expect(await checkActionPermission(handle.db, projectId, backend, 'stripe.refund')).toBe(true);
  });

  it('gives anonymous, user and admin exactly what the matrix opens', async () => {
    await setTablePermission(handle.db, projectId, {
      role: 'anonymous',
      table: 'product',
      operation: 'read',
      allowed: true,
    });
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'order',
      operation: 'read',
      allowed: true,
      scope: 'own',
    });
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'order',
      operation: 'insert',
      allowed: true,
      scope: 'own',
    });
    await setTablePermission(handle.db, projectId, { role: 'admin', table: 'order', operation: 'read', allowed: true });
    await setTablePermission(handle.db, projectId, {
      role: 'admin',
      table: 'order',
      operation: 'update',
      allowed: true,
    });

    expect((await queryRows(handle.db, projectId, anonymous, 'product')).rows.map((r) => r.title)).toEqual(['Beans']);
    await expectDataError(
      queryRows(handle.db, projectId, anonymous, 'order'),
      'FORBIDDEN',
      /"anonymous" may not read table "order"/,
    );
    await expectDataError(queryRows(handle.db, projectId, alice, 'product'), 'FORBIDDEN');

    // row scope: alice sees only her two orders, bob his one, admin all three
    const mine = await queryRows(handle.db, projectId, alice, 'order', {
      sort: [{ column: 'amount', direction: 'asc' }],
    });
    expect(mine.rows.map((r) => r.amount)).toEqual([100, 250]);
    expect((await queryRows(handle.db, projectId, bob, 'order')).rows.map((r) => r.amount)).toEqual([900]);
    expect((await queryRows(handle.db, projectId, admin, 'order')).rows).toHaveLength(3);
    const bobsOrder = (
      await queryRows(handle.db, projectId, admin, 'order', { filters: [{ column: 'amount', op: 'eq', value: 900 }] })
    ).rows[0];
    expect(await getRow(handle.db, projectId, alice, 'order', bobsOrder.id)).toBeNull();

    // inserting with own scope: owner defaults to the end user and cannot be someone else
    const created = await insertRow(handle.db, projectId, alice, 'order', { amount: 5 });
    expect(created.buyer).toBe((alice as { userId: number }).userId);
    await expectDataError(
      insertRow(handle.db, projectId, alice, 'order', { amount: 5, buyer: (bob as { userId: number }).userId }),
      'FORBIDDEN',
    );
    await expectDataError(insertRow(handle.db, projectId, anonymous, 'order', { amount: 5 }), 'FORBIDDEN');

    // admin may update (all rows) but not delete; user may not update
    const updated = await updateRows(
      handle.db,
      projectId,
      admin,
      'order',
      [{ column: 'id', op: 'eq', value: bobsOrder.id }],
      { status: 'paid' },
    );
    expect(updated.map((r) => r.status)).toEqual(['paid']);
    await expectDataError(updateRows(handle.db, projectId, alice, 'order', [], { status: 'paid' }), 'FORBIDDEN');
    await expectDataError(deleteRows(handle.db, projectId, admin, 'order', []), 'FORBIDDEN');

    // closing again
    await setTablePermission(handle.db, projectId, {
      role: 'anonymous',
      table: 'product',
      operation: 'read',
      allowed: false,
    });
    await expectDataError(queryRows(handle.db, projectId, anonymous, 'product'), 'FORBIDDEN');

    const matrix = await getPermissionMatrix(handle.db, projectId);
    expect(matrix.roles.map((r) => r.name)).toEqual(['anonymous', 'user', 'admin']);
    expect(matrix.tablePermissions).toContainEqual({ role: 'user', table: 'order', operation: 'read', scope: 'own' });
    expect(matrix.actions).toEqual(expect.arrayContaining(['stripe.payment', 'stripe.refund', 'stripe.recurring']));
  });

  it('scopes updates and deletes to own rows', async () => {
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'order',
      operation: 'update',
      allowed: true,
      scope: 'own',
    });
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'order',
      operation: 'delete',
      allowed: true,
      scope: 'own',
    });
    const touched = await updateRows(handle.db, projectId, bob, 'order', [], { status: 'refunded' });
    expect(touched.every((r) => r.buyer === (bob as { userId: number }).userId)).toBe(true);
    expect(touched).toHaveLength(1);
    await expectDataError(
      updateRows(handle.db, projectId, bob, 'order', [], { buyer: (alice as { userId: number }).userId }),
      'FORBIDDEN',
    );
    const before = (await queryRows(handle.db, projectId, { kind: 'builder' }, 'order')).rows.length;
    expect(await deleteRows(handle.db, projectId, bob, 'order', [{ column: 'amount', op: 'gt', value: 0 }])).toBe(1);
    expect((await queryRows(handle.db, projectId, { kind: 'builder' }, 'order')).rows.length).toBe(before - 1);
    await expectDataError(
      setTablePermission(handle.db, projectId, {
        role: 'user',
        table: 'product',
        operation: 'read',
        allowed: true,
        scope: 'own',
      }),
      'VALIDATION',
      /no owner column/,
    );
  });

  it('refuses aggregates unless enabled, then applies the row scope', async () => {
    await expectDataError(
      aggregateRows(handle.db, projectId, alice, 'order', { fn: 'sum', column: 'amount' }),
      'FORBIDDEN',
      /aggregate/,
    );
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'order',
      operation: 'aggregate',
      allowed: true,
      scope: 'own',
    });
    expect(await aggregateRows(handle.db, projectId, alice, 'order', { fn: 'sum', column: 'amount' })).toEqual({
      value: 355,
    });
    const byStatus = await aggregateRows(handle.db, projectId, backend, 'order', { fn: 'count', groupBy: 'status' });
    expect(byStatus.value).toBe(3);
    expect(byStatus.groups).toEqual([{ key: { status: 'pending' }, value: 3 }]);
    expect(
      (await aggregateRows(handle.db, projectId, backend, 'order', { fn: 'avg', column: 'amount' })).value,
    ).toMatch(/^118\.3+/);
    await expectDataError(
      aggregateRows(handle.db, projectId, backend, 'order', { fn: 'sum', column: 'status' }),
      'VALIDATION',
    );
  });

  it('rejects forged table and column names without interpolating them', async () => {
    const forged = 'order"; drop table project; --';
    await expectDataError(queryRows(handle.db, projectId, backend, forged), 'NOT_FOUND');
    await expectDataError(
      queryRows(handle.db, projectId, backend, 'order', { sort: [{ column: 'amount" desc; --', direction: 'asc' }] }),
      'VALIDATION',
    );
    await expectDataError(
      queryRows(handle.db, projectId, backend, 'order', { filters: [{ column: "1=1) or ('a'", op: 'eq', value: 1 }] }),
      'VALIDATION',
    );
    await expectDataError(
      queryRows(handle.db, projectId, backend, 'order', {
        filters: [{ column: 'amount', op: 'eq; drop' as 'eq', value: 1 }],
      }),
      'VALIDATION',
    );
    // physical names are not addressable either
    const { getTable } = await import('../src');
    const physical = (await getTable(handle.db, projectId, 'order')).physicalName;
    await expectDataError(queryRows(handle.db, projectId, backend, physical), 'NOT_FOUND');
    const badValue = await expectDataError(
      insertRow(handle.db, projectId, backend, 'order', { amount: 1, "x') --": 2 }),
      'VALIDATION',
    );
    expect(badValue.fieldErrors).toEqual({ "x') --": 'No such column.' });
    await expectDataError(
      queryRows(handle.db, projectId, backend, 'order', { after: 'bm90IGEgY3Vyc29y' }),
      'VALIDATION',
      /cursor/,
    );
    // values are parameters: a quote in a search or a value is just text
    expect(
      (await queryRows(handle.db, projectId, backend, 'order', { search: "'; drop table project; --" })).rows,
    ).toEqual([]);
    expect((await queryRows(handle.db, projectId, backend, 'product')).rows).toHaveLength(1);
  });

  it('manages roles, end users and action permissions', async () => {
    await createRole(handle.db, projectId, 'support');
    await expectDataError(createRole(handle.db, projectId, 'Support'), 'CONFLICT');
    await setEndUserRole(handle.db, projectId, (bob as { userId: number }).userId, 'support');
    await expectDataError(deleteRole(handle.db, projectId, 'support'), 'CONFLICT', /1 end users/);
    await expectDataError(deleteRole(handle.db, projectId, 'admin'), 'FORBIDDEN');
    await expectDataError(
      setEndUserRole(handle.db, projectId, (bob as { userId: number }).userId, 'nope'),
      'VALIDATION',
    );
    await setActionPermission(handle.db, projectId, { role: 'admin', action: 'stripe.refund', allowed: true });
    expect(await checkActionPermission(handle.db, projectId, admin, 'stripe.refund')).toBe(true);
    expect(await checkActionPermission(handle.db, projectId, alice, 'stripe.refund')).toBe(false);
    expect(await checkActionPermission(handle.db, projectId, admin, 'stripe.payment')).toBe(false);
    await setActionPermission(handle.db, projectId, { role: 'admin', action: 'stripe.refund', allowed: false });
    expect(await checkActionPermission(handle.db, projectId, admin, 'stripe.refund')).toBe(false);
    // end users never write the end-user table or see password hashes through the DAL
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'end_user',
      operation: 'read',
      allowed: true,
      scope: 'own',
    });
    const me = await queryRows(handle.db, projectId, alice, 'end_user');
    expect(me.rows.map((r) => r.email)).toEqual(['alice@example.test']);
    expect(Object.keys(me.rows[0]).sort()).toEqual(['created_at', 'email', 'id', 'role', 'updated_at']);
    await expectDataError(updateRows(handle.db, projectId, alice, 'end_user', [], { role: 'admin' }), 'FORBIDDEN');
    await expectDataError(
      setTablePermission(handle.db, projectId, { role: 'user', table: 'end_user', operation: 'update', allowed: true }),
      'VALIDATION',
      /Only the app's backend writes/,
    );
  });

  it('the cached permission matrix follows every role and permission change at once, and rolls back with it', async () => {
    const grant = (m: Awaited<ReturnType<typeof cachedPermissionMatrix>>, role: string, operation: string) =>
      m.tablePermissions.find((p) => p.role === role && p.table === 'product' && p.operation === operation);
    const before = await cachedPermissionMatrix(handle.db, projectId);
    expect(await cachedPermissionMatrix(handle.db, projectId)).toBe(before); // unchanged: the same cached object
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'product',
      operation: 'delete',
      allowed: true,
    });
    expect(grant(await cachedPermissionMatrix(handle.db, projectId), 'user', 'delete')).toEqual(
      expect.objectContaining({ scope: 'all' }),
    );
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'product',
      operation: 'delete',
      allowed: false,
    });
    expect(grant(await cachedPermissionMatrix(handle.db, projectId), 'user', 'delete')).toBeUndefined();
    await createRole(handle.db, projectId, 'courier');
    expect((await cachedPermissionMatrix(handle.db, projectId)).roles.map((r) => r.name)).toContain('courier');
    await setActionPermission(handle.db, projectId, { role: 'courier', action: 'refund', allowed: true });
    expect((await cachedPermissionMatrix(handle.db, projectId)).actionPermissions).toContainEqual({
      role: 'courier',
      action: 'refund',
    });
    // Inside a transaction the change is seen at once; after its rollback the old matrix is back.
    await handle.db
      .transaction(async (tx) => {
        await setTablePermission(tx, projectId, {
          role: 'courier',
          table: 'product',
          operation: 'read',
          allowed: true,
        });
        expect(grant(await cachedPermissionMatrix(tx, projectId), 'courier', 'read')).toBeDefined();
        throw new Error('roll back');
      })
      .catch(() => {});
    expect(grant(await cachedPermissionMatrix(handle.db, projectId), 'courier', 'read')).toBeUndefined();
    await deleteRole(handle.db, projectId, 'courier');
    const after = await cachedPermissionMatrix(handle.db, projectId);
    expect(after.roles.map((r) => r.name)).not.toContain('courier');
    expect(after.actionPermissions.some((a) => a.role === 'courier')).toBe(false);
  });
});
