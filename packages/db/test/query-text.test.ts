import { type SQL, sql } from 'drizzle-orm';
import { PgDialect, pgEnum } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { flowRuns } from '../src';
import { queryText } from '../src/query-text';

const dialect = new PgDialect();
const drizzles = (query: SQL) => {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { sql: text, params };
};

describe('the hot statements’ text', () => {
  const same: [string, SQL][] = [
    ['plain values', sql`select ${1}, ${'a'}, ${null}, ${true}, ${2.5}`],
    ['a Date and a JSON text', sql`select ${new Date(0)}, ${JSON.stringify({ a: [1, 'x'] })}::jsonb`],
    ['undefined is left out', sql`select 1 ${undefined} + 1`],
    [
      'nested sql and a join',
      sql`with a as (${sql`select ${7}`}) select ${sql.join([sql`${1}`, sql`${2}`, sql`x`], sql`, `)}`,
    ],
    ['an identifier with a quote', sql`select * from ${sql.identifier('we"ird')}.${sql.identifier('t_2')}`],
    ['sql.raw', sql`select ${sql.raw('now()')}, ${3}`],
    ['a list', sql`where id in ${[1, 2, sql`${3}::int`]}`],
    ['an empty fragment', sql`select 1 ${sql``} ${sql.empty()}`],
    ['sql.param', sql`select ${sql.param(5)}, ${sql.param(null)}`],
    ['parameters numbered across fragments', sql`${sql`${'a'}`} ${sql`${'b'} ${sql`${'c'}`}`} ${'d'}`],
  ];
  it.each(same)('is drizzle’s own for %s', (_name, query) => {
    expect(queryText(query)).toEqual(drizzles(query));
  });

  it('leaves to drizzle what only drizzle knows: tables, columns, aliases, enums, placeholders, inlined parameters', () => {
    const mood = pgEnum('mood', ['happy']);
    for (const query of [
      sql`select * from ${flowRuns}`,
      sql`select ${flowRuns.id} from flow_run`,
      sql`select ${sql`1`.as('one')}`,
      sql`select ${mood}`,
      sql`select ${sql.placeholder('x')}`,
      sql`select ${sql`${1}`.inlineParams()}`,
    ])
      expect(queryText(query)).toBeNull();
  });
});
