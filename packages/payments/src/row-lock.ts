import { getTable } from '@tillflow/data-model';
import { type Executor, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';

/**
 * SELECT … FOR UPDATE on one row of a project table: serialises concurrent
 * money-moving writes on the same order or payment (two refunds at once).
 */
export async function lockRow(tx: Executor, projectId: number, tableName: string, rowId: number): Promise<boolean> {
  const table = await getTable(tx, projectId, tableName);
  const rows = await executeRows(
    tx,
    sql`select id from ${sql.identifier(table.schemaName)}.${sql.identifier(table.physicalName)} where id = ${rowId} for update`,
  );
  return rows.length === 1;
}
