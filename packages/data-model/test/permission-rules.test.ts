import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Actor,
  aggregateRows,
  checkActionPermission,
  createEndUser,
  createRole,
  createTable,
  deleteRole,
  deleteRows,
  getPermissionMatrix,
  insertRow,
  queryRows,
  setActionPermission,
  setOwnerColumn,
  setTablePermission,
} from '../src';
import { createTestProject, expectDataError } from './helpers';

// The rules of the permission matrix a builder edits, each through the data-access layer as the studio and the
// app's backend call it: what is refused (and said in words), what a change does to an existing grant, and what the
// system table never lets a role do. Complements permissions.test.ts (the default-closed matrix and row scopes).
describe('permission rules a builder meets', () => {
  let handle: DbHandle;
  let projectId: number;
  let alice: Actor;
  let bob: Actor;
  const backend: Actor = { kind: 'backend' };
  const builder: Actor = { kind: 'builder' };

  beforeAll(async () => {
    handle = await createTestDb();
    projectId = (await createTestProject(handle)).id;
    const a = await createEndUser(handle.db, projectId, { email: 'alice@example.test' });
    const b = await createEndUser(handle.db, projectId, { email: 'bob@example.test' });
    alice = { kind: 'endUser', userId: a.id, role: a.role };
    bob = { kind: 'endUser', userId: b.id, role: b.role };
    await createTable(handle.db, projectId, {
      name: 'ticket',
      columns: [
        { name: 'seat', type: 'integer', required: true },
        { name: 'holder', type: 'relation', relationTable: 'end_user' },
      ],
    });
    await setOwnerColumn(handle.db, projectId, 'ticket', 'holder');
    for (const [holder, seat] of [
      [a.id, 1],
      [a.id, 2],
      [b.id, 3],
    ])
      await insertRow(handle.db, projectId, backend, 'ticket', { holder, seat });
  });
  afterAll(() => handle.close());

  it('a role that does not exist is refused by name, on the role field, wherever it is named', async () => {
    // One at a time: started together, a refusal could land before its expectation is listening (unhandled).
    for (const attempt of [
      () =>
        setTablePermission(handle.db, projectId, { role: 'ghost', table: 'ticket', operation: 'read', allowed: true }),
      () => setActionPermission(handle.db, projectId, { role: 'ghost', action: 'stripe.refund', allowed: true }),
      () => deleteRole(handle.db, projectId, 'ghost'),
    ]) {
      const error = await expectDataError(attempt(), 'NOT_FOUND', /^There is no role "ghost"\.$/);
      expect(error.fieldErrors).toEqual({ role: 'No such role.' });
    }
  });

  it('a second role of the same name in any case is refused on the name field; a built-in role is never deleted', async () => {
    const created = await createRole(handle.db, projectId, 'Support');
    expect(created).toEqual({ id: expect.any(Number), name: 'Support', isBuiltin: false });
    const taken = await expectDataError(
      createRole(handle.db, projectId, 'support'),
      'CONFLICT',
      /^There is already a role "support"\.$/,
    );
    expect(taken.fieldErrors).toEqual({ name: 'Taken.' });
    for (const builtin of ['anonymous', 'user', 'admin'])
      await expectDataError(
        deleteRole(handle.db, projectId, builtin),
        'FORBIDDEN',
        new RegExp(`^"${builtin}" is a built-in role and cannot be deleted\\.$`),
      );
    // an unused custom role goes, and its name is free again
    await deleteRole(handle.db, projectId, 'Support');
    expect((await getPermissionMatrix(handle.db, projectId)).roles.map((r) => r.name)).toEqual([
      'anonymous',
      'user',
      'admin',
    ]);
    await createRole(handle.db, projectId, 'support');
    await deleteRole(handle.db, projectId, 'support');
  });

  it('a role name a table could not take is refused in words that say it is a role name', async () => {
    const error = await expectDataError(
      createRole(handle.db, projectId, '2nd shift'),
      'VALIDATION',
      /^A role name must start with a letter/,
    );
    expect(error.fieldErrors).toEqual({ name: error.message });
  });

  it('"own rows" on a table without an owner column is refused, saying on the scope field what to do first', async () => {
    await createTable(handle.db, projectId, { name: 'notice', columns: [{ name: 'body', type: 'text' }] });
    const error = await expectDataError(
      setTablePermission(handle.db, projectId, {
        role: 'user',
        table: 'notice',
        operation: 'read',
        allowed: true,
        scope: 'own',
      }),
      'VALIDATION',
      /^Table "notice" has no owner column, so "own rows" cannot apply to it\.$/,
    );
    expect(error.fieldErrors).toEqual({ scope: 'Mark an owner column first.' });
  });

  it('widening an existing grant from own rows to all rows takes effect, and narrowing it back too', async () => {
    const seats = async (actor: Actor) =>
      (
        await queryRows(handle.db, projectId, actor, 'ticket', { sort: [{ column: 'seat', direction: 'asc' }] })
      ).rows.map((r) => r.seat);
    const grant = (scope: 'own' | 'all') =>
      setTablePermission(handle.db, projectId, {
        role: 'user',
        table: 'ticket',
        operation: 'read',
        allowed: true,
        scope,
      });
    await grant('own');
    expect(await seats(alice)).toEqual([1, 2]);
    await grant('all');
    expect(await seats(alice)).toEqual([1, 2, 3]);
    expect(await seats(bob)).toEqual([1, 2, 3]);
    await grant('own');
    expect(await seats(bob)).toEqual([3]);
    // the same grant given twice is one grant
    await grant('own');
    const grants = (await getPermissionMatrix(handle.db, projectId)).tablePermissions.filter(
      (p) => p.role === 'user' && p.table === 'ticket',
    );
    expect(grants).toEqual([{ role: 'user', table: 'ticket', operation: 'read', scope: 'own' }]);
    // closing it closes it for every user
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'ticket',
      operation: 'read',
      allowed: false,
    });
    await expectDataError(
      queryRows(handle.db, projectId, alice, 'ticket'),
      'FORBIDDEN',
      /"user" may not read table "ticket"/,
    );
  });

  it('the system table of end users can be read and counted by a role, never written to, whatever the grant', async () => {
    for (const operation of ['insert', 'update', 'delete'] as const) {
      const error = await expectDataError(
        setTablePermission(handle.db, projectId, { role: 'admin', table: 'end_user', operation, allowed: true }),
        'VALIDATION',
        /^Only the app's backend writes to the system table "end_user"\.$/,
      );
      expect(error.fieldErrors).toEqual({ operation: 'Read-only for roles.' });
    }
    // closing a write on the system table is allowed (nothing to close) and changes nothing
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'end_user',
      operation: 'delete',
      allowed: false,
    });
    await expectDataError(
      insertRow(handle.db, projectId, alice, 'end_user', { email: 'mallory@example.test' }),
      'FORBIDDEN',
      /^Only the app's backend writes to the system table "end_user"\.$/,
    );
    await expectDataError(
      deleteRows(handle.db, projectId, alice, 'end_user', []),
      'FORBIDDEN',
      /^Only the app's backend writes to the system table "end_user"\.$/,
    );
    await setTablePermission(handle.db, projectId, {
      role: 'user',
      table: 'end_user',
      operation: 'aggregate',
      allowed: true,
      scope: 'own',
    });
    expect(await aggregateRows(handle.db, projectId, alice, 'end_user', { fn: 'count' })).toEqual({ value: 1 });
    expect(await aggregateRows(handle.db, projectId, builder, 'end_user', { fn: 'count' })).toEqual({ value: 2 });
    await expectDataError(
      aggregateRows(handle.db, projectId, { kind: 'anonymous' }, 'ticket', { fn: 'count' }),
      'FORBIDDEN',
      /^The role "anonymous" may not aggregate on table "ticket"\.$/,
    );
    await expectDataError(
      queryRows(handle.db, projectId, { kind: 'anonymous' }, 'ticket'),
      'FORBIDDEN',
      /^The role "anonymous" may not read table "ticket"\.$/,
    );
  });

  it('an action permission is a dotted lowercase name; anything else is refused in words on the action field', async () => {
    for (const bad of [
      'Stripe.refund',
      'stripe.',
      '.refund',
      'stripe..refund',
      '1stripe',
      'stripe refund',
      '',
      'x.Y',
    ]) {
      const error = await expectDataError(
        setActionPermission(handle.db, projectId, { role: 'admin', action: bad, allowed: true }),
        'VALIDATION',
      );
      expect(error.message).toBe(`"${bad}" is not an action name.`);
      expect(error.fieldErrors).toEqual({ action: 'Invalid.' });
    }
    await expectDataError(
      setActionPermission(handle.db, projectId, { role: 'admin', action: 42 as unknown as string, allowed: true }),
      'VALIDATION',
      /^"42" is not an action name\.$/,
    );
    // Not a string at all, though its text would pass as a name.
    await expectDataError(
      setActionPermission(handle.db, projectId, { role: 'admin', action: null as unknown as string, allowed: true }),
      'VALIDATION',
      /^"null" is not an action name\.$/,
    );
    const admin: Actor = { kind: 'endUser', userId: (alice as { userId: number }).userId, role: 'admin' };
    for (const good of ['loyalty.award_points', 'shipping2.label', 'refund']) {
      await setActionPermission(handle.db, projectId, { role: 'admin', action: good, allowed: true });
      // granted twice: still one grant, no error
      await setActionPermission(handle.db, projectId, { role: 'admin', action: good, allowed: true });
      expect(await checkActionPermission(handle.db, projectId, admin, good)).toBe(true);
    }
    const matrix = await getPermissionMatrix(handle.db, projectId);
    expect(matrix.actionPermissions.filter((a) => a.action === 'refund')).toEqual([
      { role: 'admin', action: 'refund' },
    ]);
    // a custom action is listed once beside the known ones, the known ones once each
    expect(matrix.actions.filter((a) => a === 'loyalty.award_points')).toHaveLength(1);
    expect(new Set(matrix.actions).size).toBe(matrix.actions.length);
    expect(matrix.actions).toEqual(expect.arrayContaining(['stripe.payment', 'stripe.refund', 'loyalty.award_points']));
    // the matrix names the project's tables by their names, in order
    expect(matrix.tables).toEqual([...matrix.tables].sort());
    expect(matrix.tables).toEqual(expect.arrayContaining(['end_user', 'ticket']));
    // a grant to one role is not a grant to another
    expect(await checkActionPermission(handle.db, projectId, alice, 'refund')).toBe(false);
  });
});
