import { type Executor, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';
import { id, qualified } from './ddl';
import { DataAccessError, pgErrorInfo } from './errors';
import { loadTable } from './metadata';
import { tableAccess } from './permissions';
import { andAll, fieldByName, filterSql, scopeSql } from './query';
import type { Actor, AggregateOptions, AggregateResult } from './types';
import { type Field, fieldsOf, readValue } from './values';

const FNS = ['count', 'sum', 'avg', 'min', 'max'] as const;

function resultReader(fn: AggregateOptions['fn'], field: Field | null) {
  return (raw: unknown): number | string | Date | null => {
    if (raw === null || raw === undefined) return null;
    if (fn === 'count') return Number(raw);
    if (fn === 'avg') return String(raw);
    if (fn === 'sum' && field?.type === 'decimal') return String(raw);
    return readValue(field?.type ?? 'integer', raw) as number | string | Date;
  };
}

/** count/sum/avg/min/max over the rows the actor may aggregate; refused unless the role has 'aggregate'. */
export async function aggregateRows(
  tx: Executor,
  projectId: number,
  actor: Actor,
  tableName: string,
  options: AggregateOptions,
): Promise<AggregateResult> {
  const table = await loadTable(tx, projectId, tableName);
  const scope = await tableAccess(tx, table, actor, 'aggregate');
  const fields = fieldsOf(table);
  if (!(FNS as readonly string[]).includes(options?.fn))
    throw new DataAccessError('VALIDATION', `Unknown aggregate "${String(options?.fn)}".`);
  const field = options.column === undefined ? null : fieldByName(fields, options.column, 'aggregate');
  if (!field && options.fn !== 'count') throw new DataAccessError('VALIDATION', `${options.fn} needs a column.`);
  if ((options.fn === 'sum' || options.fn === 'avg') && field && !['integer', 'decimal'].includes(field.type))
    throw new DataAccessError('VALIDATION', `${options.fn} needs a number column; "${field.name}" is ${field.type}.`);
  if ((options.fn === 'min' || options.fn === 'max') && field && (field.type === 'json' || field.type === 'boolean'))
    throw new DataAccessError('VALIDATION', `${options.fn} does not work on ${field.type} column "${field.name}".`);
  const expr = field ? sql`${sql.raw(options.fn)}(${id(field.physicalName)})` : sql`count(*)`;
  const groupNames =
    options.groupBy === undefined ? [] : Array.isArray(options.groupBy) ? options.groupBy : [options.groupBy];
  const groups = groupNames.map((name) => fieldByName(fields, name, 'group'));
  if (groups.some((g) => g.type === 'json')) throw new DataAccessError('VALIDATION', 'JSON columns cannot be grouped.');
  const parts = (options.filters ?? []).map((f) => filterSql(fields, f));
  if (scope === 'own') parts.push(scopeSql(table, actor, scope));
  const where = andAll(parts);
  const read = resultReader(options.fn, field);
  try {
    const [total] = await executeRows<{ value: unknown }>(
      tx,
      sql`select ${expr} as value from ${qualified(table)} where ${where}`,
    );
    const result: AggregateResult = { value: read(total?.value) };
    if (groups.length > 0) {
      const cols = sql.join(
        groups.map((g, i) => sql`${id(g.physicalName)} as ${id(`__g${i}`)}`),
        sql`, `,
      );
      const by = sql.join(
        groups.map((g) => id(g.physicalName)),
        sql`, `,
      );
      const rows = await executeRows<Record<string, unknown>>(
        tx,
        sql`select ${cols}, ${expr} as value from ${qualified(table)} where ${where} group by ${by} order by ${by} limit 1000`,
      );
      result.groups = rows.map((r) => ({
        key: Object.fromEntries(groups.map((g, i) => [g.name, readValue(g.type, r[`__g${i}`])])),
        value: read(r.value),
      }));
    }
    return result;
  } catch (error) {
    if (pgErrorInfo(error)?.code?.startsWith('22'))
      throw new DataAccessError('VALIDATION', 'A filter value is not valid.');
    throw error;
  }
}
