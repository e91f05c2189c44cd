import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Actor,
  addColumn,
  createTable,
  deleteTable,
  getRow,
  getTable,
  insertRow,
  listTables,
  queryRows,
  removeColumn,
  renameTable,
  updateColumn,
} from '../src';
import { createTestProject, expectDataError } from './helpers';

const builder: Actor = { kind: 'builder' };

describe('tables and columns', () => {
  let handle: DbHandle;
  let projectId: number;
  let schemaName: string;
  beforeAll(async () => {
    handle = await createTestDb();
    const project = await createTestProject(handle);
    projectId = project.id;
    schemaName = project.schemaName;
  });
  afterAll(() => handle.close());

  async function physicalTables(): Promise<string[]> {
    const rows = await executeRows<{ table_name: string }>(
      handle.db,
      sql`select table_name from information_schema.tables where table_schema = ${schemaName} order by table_name`,
    );
    return rows.map((r) => r.table_name);
  }

  it('provisions the end-user table as a system table', async () => {
    const tables = await listTables(handle.db, projectId);
    const endUser = tables.find((t) => t.name === 'end_user');
    expect(endUser?.isSystem).toBe(true);
    expect(endUser?.columns.map((c) => c.name)).toEqual(['email', 'role']);
    expect(await physicalTables()).toContain('end_user');
  });

  it('stores every column type in a real table and reads typed values back', async () => {
    await createTable(handle.db, projectId, {
      name: 'everything',
      columns: [
        { name: 'title', type: 'text', required: true },
        { name: 'qty', type: 'integer' },
        { name: 'price', type: 'decimal' },
        { name: 'active', type: 'boolean' },
        { name: 'due', type: 'timestamp' },
        { name: 'meta', type: 'json' },
        { name: 'status', type: 'enum', enumOptions: ['pending', 'paid', 'refunded', 'cancelled'], default: 'pending' },
      ],
    });
    await addColumn(handle.db, projectId, 'everything', {
      name: 'parent',
      type: 'relation',
      relationTable: 'everything',
    });
    const row = await insertRow(handle.db, projectId, builder, 'everything', {
      title: 'Coffee',
      qty: '3',
      price: '12.50',
      active: true,
      due: '2026-11-23T10:00:00Z',
      meta: { tags: ['a', 'b'], n: 1 },
    });
    expect(row).toMatchObject({
      title: 'Coffee',
      qty: 3,
      price: '12.50',
      active: true,
      meta: { tags: ['a', 'b'], n: 1 },
      status: 'pending',
      parent: null,
    });
    expect(row.due).toEqual(new Date('2026-11-23T10:00:00Z'));
    expect(typeof row.id).toBe('number');
    expect(row.created_at).toBeInstanceOf(Date);
    const child = await insertRow(handle.db, projectId, builder, 'everything', {
      title: 'Child',
      parent: row.id,
      meta: 'just a string',
    });
    expect(child.parent).toBe(row.id);
    expect(child.meta).toBe('just a string');

    const columns = await executeRows<{ column_name: string; data_type: string }>(
      handle.db,
      sql`select column_name, data_type from information_schema.columns
          where table_schema = ${schemaName} and table_name = ${(await getTable(handle.db, projectId, 'everything')).physicalName} order by ordinal_position`,
    );
    expect(columns.map((c) => c.data_type)).toEqual([
      'integer',
      'timestamp with time zone',
      'timestamp with time zone',
      'text',
      'bigint',
      'numeric',
      'boolean',
      'timestamp with time zone',
      'jsonb',
      'text',
      'integer',
    ]);
  });

  it('reports every invalid value on its field', async () => {
    const error = await expectDataError(
      insertRow(handle.db, projectId, builder, 'everything', {
        qty: 'many',
        price: 'abc',
        active: 'yes',
        status: 'lost',
        due: 'soon',
        nope: 1,
      }),
      'VALIDATION',
    );
    expect(error.fieldErrors).toEqual({
      title: 'Required.',
      qty: 'Must be a whole number.',
      price: 'Must be a number.',
      active: 'Must be true or false.',
      status: 'Must be one of: pending, paid, refunded, cancelled.',
      due: 'Must be a date and time (ISO 8601).',
      nope: 'No such column.',
    });
  });

  it('renames tables and columns without touching the data', async () => {
    await createTable(handle.db, projectId, { name: 'note', columns: [{ name: 'body', type: 'text' }] });
    const before = await getTable(handle.db, projectId, 'note');
    const row = await insertRow(handle.db, projectId, builder, 'note', { body: 'keep me' });
    await renameTable(handle.db, projectId, 'note', 'memo');
    await updateColumn(handle.db, projectId, 'memo', 'body', { name: 'text_body' });
    const after = await getTable(handle.db, projectId, 'memo');
    expect(after.physicalName).toBe(before.physicalName);
    expect(after.columns[0].physicalName).toBe(before.columns[0].physicalName);
    expect(await getRow(handle.db, projectId, builder, 'memo', row.id)).toMatchObject({ text_body: 'keep me' });
    await expectDataError(getTable(handle.db, projectId, 'note'), 'NOT_FOUND');
  });

  it('validates names', async () => {
    await expectDataError(createTable(handle.db, projectId, { name: 'select' }), 'VALIDATION', /reserved/);
    await expectDataError(createTable(handle.db, projectId, { name: 'bad name' }), 'VALIDATION', /letters, digits/);
    await expectDataError(createTable(handle.db, projectId, { name: 'x"; drop table project; --' }), 'VALIDATION');
    await expectDataError(createTable(handle.db, projectId, { name: 'MEMO' }), 'CONFLICT', /already a table "memo"/);
    await expectDataError(
      addColumn(handle.db, projectId, 'memo', { name: 'id', type: 'text' }),
      'VALIDATION',
      /already has a column "id"/,
    );
    await expectDataError(addColumn(handle.db, projectId, 'memo', { name: 'text_body', type: 'text' }), 'CONFLICT');
  });

  it('enforces relations with a real foreign key', async () => {
    await createTable(handle.db, projectId, { name: 'customer', columns: [{ name: 'name', type: 'text' }] });
    await createTable(handle.db, projectId, {
      name: 'purchase',
      columns: [{ name: 'customer', type: 'relation', relationTable: 'customer' }],
    });
    expect((await getTable(handle.db, projectId, 'customer')).referencedBy).toEqual([
      { table: 'purchase', column: 'customer' },
    ]);
    const customer = await insertRow(handle.db, projectId, builder, 'customer', { name: 'Ada' });
    await insertRow(handle.db, projectId, builder, 'purchase', { customer: customer.id });
    const orphan = await expectDataError(
      insertRow(handle.db, projectId, builder, 'purchase', { customer: 999999 }),
      'VALIDATION',
    );
    expect(orphan.fieldErrors?.customer).toMatch(/no row with this id in table "customer"/);
    const fk = await executeRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from information_schema.table_constraints
          where constraint_schema = ${schemaName} and constraint_type = 'FOREIGN KEY'`,
    );
    expect(fk[0].n).toBeGreaterThanOrEqual(2);
    // the referenced row cannot go while it is referenced (ON DELETE RESTRICT)
    const { deleteRows } = await import('../src');
    await expectDataError(
      deleteRows(handle.db, projectId, builder, 'customer', [{ column: 'id', op: 'eq', value: customer.id }]),
      'CONFLICT',
      /purchase\.customer/,
    );
  });

  it('refuses to delete a table that something depends on, naming it', async () => {
    await expectDataError(deleteTable(handle.db, projectId, 'customer'), 'CONFLICT', /relation "purchase\.customer"/);
    const { addTableDependency, removeTableDependency } = await import('../src');
    await addTableDependency(handle.db, projectId, 'purchase', {
      kind: 'payment module',
      description: 'bound as the order table',
    });
    await expectDataError(
      deleteTable(handle.db, projectId, 'purchase'),
      'CONFLICT',
      /payment module \(bound as the order table\)/,
    );
    await removeTableDependency(handle.db, projectId, 'purchase', 'payment module');
    // What else may use a table is passed in by the caller (the studio passes its services' flow check).
    const flowCheck = async (_tx: unknown, table: { name: string }) =>
      table.name === 'purchase' ? ["flow 'Checkout' node 'Save order'"] : [];
    await expectDataError(
      deleteTable(handle.db, projectId, 'purchase', { dependents: flowCheck }),
      'CONFLICT',
      /flow 'Checkout' node 'Save order'/,
    );
    await expectDataError(deleteTable(handle.db, projectId, 'purchase'), 'CONFLICT', /has 1 row that would be deleted/);
    await deleteTable(handle.db, projectId, 'purchase', { confirm: true });
    expect((await listTables(handle.db, projectId)).map((t) => t.name)).not.toContain('purchase');
    await deleteTable(handle.db, projectId, 'customer', { confirm: true });
  });

  it('asks before losing data and says what would be lost', async () => {
    await createTable(handle.db, projectId, {
      name: 'ticket',
      columns: [
        { name: 'note', type: 'text' },
        { name: 'code', type: 'text' },
      ],
    });
    for (const [note, code] of [
      ['a', '12'],
      ['b', 'x7'],
      [null, '40'],
    ])
      await insertRow(handle.db, projectId, builder, 'ticket', { note, code });
    const drop = await expectDataError(
      removeColumn(handle.db, projectId, 'ticket', 'note'),
      'CONFLICT',
      /Column 'note' has 2 values that would be deleted/,
    );
    expect(drop.confirmationRequired).toBe(true);
    await expectDataError(
      updateColumn(handle.db, projectId, 'ticket', 'code', { type: 'integer' }),
      'CONFLICT',
      /1 value that cannot become integer/,
    );
    expect((await getTable(handle.db, projectId, 'ticket')).columns.find((c) => c.name === 'code')?.type).toBe('text');
    await updateColumn(handle.db, projectId, 'ticket', 'code', { type: 'integer' }, { confirm: true });
    const { rows } = await queryRows(handle.db, projectId, builder, 'ticket', {
      sort: [{ column: 'id', direction: 'asc' }],
    });
    expect(rows.map((r) => r.code)).toEqual([12, null, 40]);
    await removeColumn(handle.db, projectId, 'ticket', 'note', { confirm: true });
    expect((await getTable(handle.db, projectId, 'ticket')).columns.map((c) => c.name)).toEqual(['code']);
    // lossless conversions need no confirmation
    await updateColumn(handle.db, projectId, 'ticket', 'code', { type: 'text' });
    await updateColumn(handle.db, projectId, 'ticket', 'code', { type: 'enum', enumOptions: ['12', '40'] });
    await expectDataError(insertRow(handle.db, projectId, builder, 'ticket', { code: '13' }), 'VALIDATION');
    await expectDataError(
      updateColumn(handle.db, projectId, 'ticket', 'code', { enumOptions: ['12'] }),
      'CONFLICT',
      /no longer options/,
    );
  });

  it('keeps quotes in enum options as data, not SQL', async () => {
    const options = ["it's done", "x') or true; --", 'back\\slash'];
    await createTable(handle.db, projectId, {
      name: 'quoted',
      columns: [{ name: 'state', type: 'enum', enumOptions: options }],
    });
    for (const state of options)
      expect((await insertRow(handle.db, projectId, builder, 'quoted', { state })).state).toBe(state);
    await expectDataError(insertRow(handle.db, projectId, builder, 'quoted', { state: 'its done' }), 'VALIDATION');
    const { rows } = await queryRows(handle.db, projectId, builder, 'quoted', {
      filters: [{ column: 'state', op: 'eq', value: "it's done" }],
    });
    expect(rows).toHaveLength(1);
  });

  it('leaves metadata and schema unchanged when a DDL step fails', async () => {
    await createTable(handle.db, projectId, { name: 'dup', columns: [{ name: 'v', type: 'text' }] });
    await insertRow(handle.db, projectId, builder, 'dup', { v: 'same' });
    await insertRow(handle.db, projectId, builder, 'dup', { v: 'same' });
    const before = await getTable(handle.db, projectId, 'dup');
    const constraints = () =>
      executeRows<{ n: number }>(
        handle.db,
        sql`select count(*)::int as n from information_schema.table_constraints where table_schema = ${schemaName} and table_name = ${before.physicalName}`,
      );
    const constraintsBefore = (await constraints())[0].n;
    // renaming and making unique in one change: the unique constraint fails on duplicates
    await expectDataError(
      updateColumn(handle.db, projectId, 'dup', 'v', { name: 'renamed', unique: true }),
      'CONFLICT',
      /cannot be unique/,
    );
    expect(await getTable(handle.db, projectId, 'dup')).toEqual(before);
    expect((await constraints())[0].n).toBe(constraintsBefore);

    // a table created with a broken relation leaves no table and no metadata behind
    const tablesBefore = await physicalTables();
    await expectDataError(
      createTable(handle.db, projectId, {
        name: 'broken',
        columns: [
          { name: 'a', type: 'text' },
          { name: 'b', type: 'relation', relationTable: 'missing' },
        ],
      }),
      'VALIDATION',
    );
    expect(await physicalTables()).toEqual(tablesBefore);
    expect((await listTables(handle.db, projectId)).map((t) => t.name)).not.toContain('broken');

    // adding a relation over orphan values fails in the FK step, after the column was added: all rolled back
    await createTable(handle.db, projectId, { name: 'target', columns: [] });
    await expectDataError(updateColumn(handle.db, projectId, 'dup', 'v', { type: 'integer' }), 'CONFLICT');
    expect(await getTable(handle.db, projectId, 'dup')).toEqual(before);
  });

  it('protects system tables', async () => {
    await expectDataError(deleteTable(handle.db, projectId, 'end_user'), 'FORBIDDEN', /system table/);
    await expectDataError(renameTable(handle.db, projectId, 'end_user', 'people'), 'FORBIDDEN');
    await expectDataError(addColumn(handle.db, projectId, 'end_user', { name: 'age', type: 'integer' }), 'FORBIDDEN');
    await expectDataError(updateColumn(handle.db, projectId, 'end_user', 'email', { name: 'mail' }), 'FORBIDDEN');
    await expectDataError(removeColumn(handle.db, projectId, 'end_user', 'role'), 'FORBIDDEN');
    const { createSystemTable } = await import('../src');
    await createSystemTable(handle.db, projectId, {
      name: 'payment',
      columns: [
        { name: 'amount', type: 'integer', required: true },
        { name: 'payer', type: 'relation', relationTable: 'end_user' },
      ],
      ownerColumn: 'payer',
    });
    const payment = await getTable(handle.db, projectId, 'payment');
    expect(payment).toMatchObject({ isSystem: true, ownerColumn: 'payer' });
    await expectDataError(deleteTable(handle.db, projectId, 'payment'), 'FORBIDDEN');
    await expectDataError(updateColumn(handle.db, projectId, 'payment', 'amount', { type: 'text' }), 'FORBIDDEN');
    // readable (and writable by the backend) like any table
    await insertRow(handle.db, projectId, { kind: 'backend' }, 'payment', { amount: 500 });
    expect((await queryRows(handle.db, projectId, builder, 'payment')).rows).toHaveLength(1);
  });

  it('drops the schema and all metadata with the project', async () => {
    const { dropProjectSchema, listRoles } = await import('../src');
    const { projects } = await import('@tillflow/db');
    const { eq } = await import('drizzle-orm');
    const project = await createTestProject(handle);
    await createTable(handle.db, project.id, { name: 'a', columns: [] });
    await createTable(handle.db, project.id, {
      name: 'b',
      columns: [{ name: 'a', type: 'relation', relationTable: 'a' }],
    });
    await handle.db.transaction(async (tx) => {
      await dropProjectSchema(tx, project);
      await tx.delete(projects).where(eq(projects.id, project.id));
    });
    expect(await listTables(handle.db, project.id)).toEqual([]);
    expect(await listRoles(handle.db, project.id)).toEqual([]);
    const schemas = await executeRows(
      handle.db,
      sql`select 1 from information_schema.schemata where schema_name = ${project.schemaName}`,
    );
    expect(schemas).toEqual([]);
  });
});
