import { createDb, type DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addColumn, createTable, insertRow, queryRows, removeColumn, updateColumn } from '../src';
import { addColumnIn } from '../src/columns';
import { loadTable } from '../src/metadata';
import { createTestProject, expectDataError } from './helpers';

// Table metadata is cached per project and checked against the project's metadata_version, which the DDL
// transaction itself moves: every write below follows a DDL change at once and must see it.
const backend = { kind: 'backend' } as const;

describe('table metadata cached per project, invalidated by DDL', () => {
  let handle: DbHandle;
  let projectId: number;

  beforeAll(async () => {
    handle = await createTestDb();
    projectId = (await createTestProject(handle)).id;
    await createTable(handle.db, projectId, { name: 'item', columns: [{ name: 'name', type: 'text' }] });
  });
  afterAll(async () => {
    await handle?.close();
  });

  it('the next write sees a column added, renamed and removed, each right after the change', async () => {
    await insertRow(handle.db, projectId, backend, 'item', { name: 'first' }); // cached now
    await expectDataError(insertRow(handle.db, projectId, backend, 'item', { name: 'x', price: 5 }), 'VALIDATION');

    await addColumn(handle.db, projectId, 'item', { name: 'price', type: 'integer' });
    const priced = await insertRow(handle.db, projectId, backend, 'item', { name: 'second', price: 5 });
    expect(priced).toMatchObject({ name: 'second', price: 5 });

    await updateColumn(handle.db, projectId, 'item', 'name', { name: 'title' });
    expect(await insertRow(handle.db, projectId, backend, 'item', { title: 'third', price: 6 })).toMatchObject({
      title: 'third',
      price: 6,
    });
    await expectDataError(insertRow(handle.db, projectId, backend, 'item', { name: 'old name' }), 'VALIDATION');

    await removeColumn(handle.db, projectId, 'item', 'price', { confirm: true });
    await expectDataError(insertRow(handle.db, projectId, backend, 'item', { title: 't', price: 1 }), 'VALIDATION');
    expect(await insertRow(handle.db, projectId, backend, 'item', { title: 'fourth' })).toMatchObject({
      title: 'fourth',
    });
  });

  it('inside the DDL transaction the change is seen at once; after a rollback the old columns are back', async () => {
    await insertRow(handle.db, projectId, backend, 'item', { title: 'before' });
    await handle.db
      .transaction(async (tx) => {
        const table = await loadTable(tx, projectId, 'item');
        await addColumnIn(tx, table, { name: 'draft', type: 'text' });
        expect(await insertRow(tx, projectId, backend, 'item', { title: 'in tx', draft: 'yes' })).toMatchObject({
          draft: 'yes',
        });
        throw new Error('roll back');
      })
      .catch((error: Error) => {
        if (error.message !== 'roll back') throw error;
      });
    await expectDataError(insertRow(handle.db, projectId, backend, 'item', { title: 'x', draft: 'no' }), 'VALIDATION');
    expect(await insertRow(handle.db, projectId, backend, 'item', { title: 'after' })).toMatchObject({
      title: 'after',
    });
  });

  // A second pool stands for another process sharing the database: PostgreSQL only.
  it.runIf(process.env.DATABASE_URL)(
    'a change committed through another connection is seen by the next write',
    async () => {
      const other = await createDb({ url: process.env.DATABASE_URL, migrate: false, max: 2 });
      try {
        await insertRow(handle.db, projectId, backend, 'item', { title: 'cached' });
        await addColumn(other.db, projectId, 'item', { name: 'colour', type: 'text' });
        expect(await insertRow(handle.db, projectId, backend, 'item', { title: 'c', colour: 'red' })).toMatchObject({
          colour: 'red',
        });
      } finally {
        await other.close();
      }
    },
  );

  // An insert outside a transaction names the cached columns and checks the version in the same statement:
  // a stale description must neither write a row nor surface a database error.
  it.runIf(process.env.DATABASE_URL)(
    'a column removed through another connection: the next insert naming it is refused in words, and writes nothing',
    async () => {
      const other = await createDb({ url: process.env.DATABASE_URL, migrate: false, max: 2 });
      try {
        await addColumn(handle.db, projectId, 'item', { name: 'size', type: 'text' });
        await insertRow(handle.db, projectId, backend, 'item', { title: 'sized', size: 'M' }); // cached with size
        await removeColumn(other.db, projectId, 'item', 'size', { confirm: true });
        await expectDataError(
          insertRow(handle.db, projectId, backend, 'item', { title: 'stale', size: 'L' }),
          'VALIDATION',
        );
        await addColumn(other.db, projectId, 'item', { name: 'size', type: 'integer' });
        expect(await insertRow(handle.db, projectId, backend, 'item', { title: 'resized', size: 3 })).toMatchObject({
          size: 3,
        });
        const stale = await queryRows(handle.db, projectId, backend, 'item', {
          filters: [{ column: 'title', op: 'eq', value: 'stale' }],
        });
        expect(stale.rows).toEqual([]);
      } finally {
        await other.close();
      }
    },
  );
});
