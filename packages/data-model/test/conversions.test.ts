import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Actor,
  addColumn,
  type ColumnType,
  createTable,
  getTable,
  insertRow,
  queryRows,
  updateColumn,
} from '../src';
import { createTestProject, expectDataError } from './helpers';

const builder: Actor = { kind: 'builder' };

describe('column changes convert data in place', () => {
  let handle: DbHandle;
  let projectId: number;
  beforeAll(async () => {
    handle = await createTestDb();
    projectId = (await createTestProject(handle)).id;
  });
  afterAll(() => handle.close());

  async function convert(table: string, from: ColumnType, values: unknown[], to: ColumnType, extra: object = {}) {
    await createTable(handle.db, projectId, { name: table, columns: [{ name: 'v', type: from }] });
    for (const v of values) await insertRow(handle.db, projectId, builder, table, { v });
    await updateColumn(handle.db, projectId, table, 'v', { type: to, ...extra }, { confirm: true });
    const { rows } = await queryRows(handle.db, projectId, builder, table, { limit: 100 });
    return rows.map((r) => r.v);
  }

  it('text to integer, decimal, boolean, timestamp and json', async () => {
    expect(await convert('t2i', 'text', [' 42 ', '-7', 'x', null], 'integer')).toEqual([42, -7, null, null]);
    expect(await convert('t2d', 'text', ['1.50', '.5', 'abc'], 'decimal')).toEqual(['1.50', '0.5', null]);
    expect(await convert('t2b', 'text', ['yes', 'false', 'maybe'], 'boolean')).toEqual([true, false, null]);
    expect(await convert('t2ts', 'text', ['2026-01-02T03:04:05Z', 'tomorrow'], 'timestamp')).toEqual([
      new Date('2026-01-02T03:04:05Z'),
      null,
    ]);
    expect(await convert('t2j', 'text', ['hello'], 'json')).toEqual(['hello']);
  });

  it('numbers, booleans and json to other types', async () => {
    expect(await convert('d2i', 'decimal', ['2.00', '2.5'], 'integer')).toEqual([2, null]);
    expect(await convert('i2b', 'integer', [0, 1, 2], 'boolean')).toEqual([false, true, null]);
    expect(await convert('b2i', 'boolean', [true, false], 'integer')).toEqual([1, 0]);
    expect(await convert('i2t', 'integer', [5], 'text')).toEqual(['5']);
    expect(await convert('j2i', 'json', [12, 'x', { a: 1 }], 'integer')).toEqual([12, null, null]);
    expect(await convert('ts2i', 'timestamp', ['2026-01-01T00:00:00Z'], 'integer')).toEqual([null]);
    expect(await convert('t2e', 'text', ['paid', 'lost'], 'enum', { enumOptions: ['paid', 'open'] })).toEqual([
      'paid',
      null,
    ]);
  });

  it('integer to relation keeps ids that exist, relation back to integer is lossless', async () => {
    await createTable(handle.db, projectId, { name: 'target_row', columns: [] });
    const t = await insertRow(handle.db, projectId, builder, 'target_row', {});
    expect(await convert('i2r', 'integer', [t.id, 999_999], 'relation', { relationTable: 'target_row' })).toEqual([
      t.id,
      null,
    ]);
    await expectDataError(insertRow(handle.db, projectId, builder, 'i2r', { v: 999_999 }), 'VALIDATION');
    await updateColumn(handle.db, projectId, 'i2r', 'v', { type: 'integer' });
    await insertRow(handle.db, projectId, builder, 'i2r', { v: 999_999 }); // no foreign key any more
  });

  it('required and default: backfills rows and refuses what it cannot fill', async () => {
    await createTable(handle.db, projectId, { name: 'fill', columns: [{ name: 'a', type: 'text' }] });
    await insertRow(handle.db, projectId, builder, 'fill', { a: 'x' });
    await expectDataError(
      addColumn(handle.db, projectId, 'fill', { name: 'n', type: 'integer', required: true }),
      'VALIDATION',
      /default/,
    );
    await addColumn(handle.db, projectId, 'fill', { name: 'n', type: 'integer', required: true, default: 3 });
    expect((await queryRows(handle.db, projectId, builder, 'fill')).rows[0].n).toBe(3);
    await insertRow(handle.db, projectId, builder, 'fill', { a: null });
    await expectDataError(
      updateColumn(handle.db, projectId, 'fill', 'a', { required: true }),
      'VALIDATION',
      /empty in 1 row/,
    );
    await updateColumn(handle.db, projectId, 'fill', 'a', { required: true, default: 'none' });
    const values = (await queryRows(handle.db, projectId, builder, 'fill')).rows.map((r) => r.a);
    expect(values).toEqual(['x', 'none']);
    await expectDataError(insertRow(handle.db, projectId, builder, 'fill', { a: null }), 'VALIDATION');
    await expectDataError(
      addColumn(handle.db, projectId, 'fill', { name: 'bad', type: 'integer', default: 'ten' }),
      'VALIDATION',
    );
    expect((await getTable(handle.db, projectId, 'fill')).columns.map((c) => c.name)).toEqual(['a', 'n']);
  });
});
