import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Actor, createTable, insertRow, type QueryOptions, queryRows, type Row } from '../src';
import { createTestProject, expectDataError } from './helpers';

const builder: Actor = { kind: 'builder' };

describe('keyset pagination, filters and search', () => {
  let handle: DbHandle;
  let projectId: number;
  let all: Row[];

  beforeAll(async () => {
    handle = await createTestDb();
    projectId = (await createTestProject(handle)).id;
    await createTable(handle.db, projectId, {
      name: 'item',
      columns: [
        { name: 'label', type: 'text' },
        { name: 'rank', type: 'integer' },
        { name: 'price', type: 'decimal' },
        { name: 'kind', type: 'enum', enumOptions: ['a', 'b'] },
      ],
    });
    for (let i = 0; i < 37; i++)
      await insertRow(handle.db, projectId, builder, 'item', {
        label: i % 5 === 0 ? `Special 100% item_${i}` : `item ${i}`,
        rank: i % 4 === 0 ? null : i % 7,
        price: (i % 3) + 0.25,
        kind: i % 2 ? 'a' : 'b',
      });
    all = (await queryRows(handle.db, projectId, builder, 'item', { limit: 500 })).rows;
  });
  afterAll(() => handle.close());

  async function pageThrough(options: QueryOptions, pageSize: number): Promise<number[]> {
    const ids: number[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 100; guard++) {
      const page: { rows: Row[]; nextCursor: string | null } = await queryRows(handle.db, projectId, builder, 'item', {
        ...options,
        limit: pageSize,
        after,
      });
      ids.push(...page.rows.map((r) => r.id));
      if (!page.nextCursor) return ids;
      after = page.nextCursor;
    }
    throw new Error('did not finish');
  }

  // nulls last ascending, first descending; ties by id in the first key's direction
  function expected(rows: Row[], keys: { column: string; direction: 'asc' | 'desc' }[]) {
    const cmp = (a: unknown, b: unknown) => {
      if (a === b) return 0;
      if (a === null) return 1;
      if (b === null) return -1;
      return Number(a) < Number(b) ? -1 : 1;
    };
    const tie = keys[0]?.direction ?? 'asc';
    return [...rows]
      .sort((x, y) => {
        for (const k of keys) {
          const c = cmp(x[k.column], y[k.column]);
          if (c !== 0) return k.direction === 'asc' ? c : -c;
        }
        return tie === 'asc' ? x.id - y.id : y.id - x.id;
      })
      .map((r) => r.id);
  }

  for (const keys of [
    [{ column: 'rank', direction: 'asc' as const }],
    [{ column: 'rank', direction: 'desc' as const }],
    [
      { column: 'rank', direction: 'desc' as const },
      { column: 'price', direction: 'asc' as const },
    ],
    [{ column: 'id', direction: 'desc' as const }],
  ])
    it(`pages through every row exactly once sorted by ${keys.map((k) => `${k.column} ${k.direction}`).join(', ')}`, async () => {
      for (const size of [1, 4, 10]) expect(await pageThrough({ sort: keys }, size)).toEqual(expected(all, keys));
    });

  it('keeps full timestamp precision in cursors', async () => {
    const sort = [{ column: 'created_at', direction: 'desc' as const }];
    const ids = await pageThrough({ sort }, 3);
    expect(new Set(ids).size).toBe(all.length);
  });

  it('filters, searches (escaping % and _) and combines with paging', async () => {
    const filters = [
      { column: 'kind', op: 'eq' as const, value: 'a' },
      { column: 'price', op: 'gte', value: '1.25' },
    ] as QueryOptions['filters'];
    const want = all.filter((r) => r.kind === 'a' && Number(r.price) >= 1.25);
    const got = await pageThrough({ filters, sort: [{ column: 'rank', direction: 'asc' }] }, 2);
    expect(got.sort((a, b) => a - b)).toEqual(want.map((r) => r.id).sort((a, b) => a - b));

    const search = await queryRows(handle.db, projectId, builder, 'item', { search: '100%' });
    expect(search.rows.map((r) => r.label)).toEqual(
      all.filter((r) => String(r.label).includes('100%')).map((r) => r.label),
    );
    expect(
      (await queryRows(handle.db, projectId, builder, 'item', { search: 'item_1' })).rows.map((r) => r.label),
    ).toEqual(['Special 100% item_10', 'Special 100% item_15']);
    const nulls = await queryRows(handle.db, projectId, builder, 'item', {
      filters: [{ column: 'rank', op: 'is_null' }],
      limit: 500,
    });
    expect(nulls.rows).toHaveLength(all.filter((r) => r.rank === null).length);
    const inList = await queryRows(handle.db, projectId, builder, 'item', {
      filters: [{ column: 'rank', op: 'in', value: [1, '2'] }],
      limit: 500,
    });
    expect(inList.rows.every((r) => r.rank === 1 || r.rank === 2)).toBe(true);
    const contains = await queryRows(handle.db, projectId, builder, 'item', {
      filters: [{ column: 'label', op: 'contains', value: 'SPECIAL' }],
      limit: 500,
    });
    expect(contains.rows).toHaveLength(8);
  });

  it('rejects bad filter values, limits and cursors', async () => {
    const bad = await expectDataError(
      queryRows(handle.db, projectId, builder, 'item', { filters: [{ column: 'rank', op: 'lt', value: 'ten' }] }),
      'VALIDATION',
    );
    expect(bad.fieldErrors).toEqual({ rank: 'Must be a whole number.' });
    await expectDataError(queryRows(handle.db, projectId, builder, 'item', { limit: 10_000 }), 'VALIDATION');
    const page = await queryRows(handle.db, projectId, builder, 'item', {
      sort: [{ column: 'rank', direction: 'asc' }],
      limit: 2,
    });
    // a cursor from one sort used with another is refused
    await expectDataError(
      queryRows(handle.db, projectId, builder, 'item', {
        sort: [
          { column: 'rank', direction: 'asc' },
          { column: 'price', direction: 'asc' },
        ],
        after: page.nextCursor,
      }),
      'VALIDATION',
    );
    const forged = Buffer.from(JSON.stringify(["1'); drop table project; --", '3'])).toString('base64url');
    await expectDataError(
      queryRows(handle.db, projectId, builder, 'item', { sort: [{ column: 'rank', direction: 'asc' }], after: forged }),
      'VALIDATION',
    );
  });
});
