// npm run bench -- data-model
// insert_rows_per_s: rows/s through insertRow (validation + permission lookup + INSERT … RETURNING), one at a time.
// page_fetch_ms_100k: median ms for queryRows as an end user (row scope 'own' applied) fetching a page of 50
// rows filtered by status and sorted by amount, starting from cursors deep inside a 100 000-row table.
import { randomBytes } from 'node:crypto';
import {
  type Actor,
  createEndUser,
  createTable,
  dropProjectSchema,
  getTable,
  insertRow,
  provisionProjectSchema,
  queryRows,
  setOwnerColumn,
  setTablePermission,
} from '@tillflow/data-model';
import { encodeCursor } from '@tillflow/data-model/query';
import { authUser, createDb, projects } from '@tillflow/db';
import { eq } from 'drizzle-orm';

const TOTAL = 100_000;
const INSERTS = Number(process.env.BENCH_INSERTS ?? 2000);
const FETCHES = 25;

// Statements the inserts send (PostgreSQL: postgres.js's debug hook), so a change shows what it saved.
let counting = false;
const statements = new Map<string, number>();
const onStatement = (text: string) => {
  if (!counting) return;
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
  statements.set(key, (statements.get(key) ?? 0) + 1);
};
const handle = process.env.DATABASE_URL ? await createDb({ onStatement }) : await createDb({ pgliteDir: 'memory' });
const suffix = randomBytes(5).toString('hex');
const [owner] = await handle.db
  .insert(authUser)
  .values({ id: `bench_${suffix}`, name: 'Bench', email: `bench-${suffix}@example.test` })
  .returning();
const project = await handle.db.transaction(async (tx) => {
  const [p] = await tx
    .insert(projects)
    .values({ ownerId: owner.id, name: 'Bench', slug: `bench-${suffix}`, schemaName: `bench_${suffix}` })
    .returning();
  await provisionProjectSchema(tx, p);
  return p;
});

try {
  const db = handle.db;
  const users = [];
  for (let i = 0; i < 4; i++) users.push(await createEndUser(db, project.id, { email: `buyer${i}@bench.test` }));
  await createTable(db, project.id, {
    name: 'order',
    columns: [
      {
        name: 'status',
        type: 'enum',
        enumOptions: ['pending', 'paid', 'refunded', 'cancelled'],
        required: true,
        default: 'pending',
      },
      { name: 'amount', type: 'integer', required: true },
      { name: 'buyer', type: 'relation', relationTable: 'end_user' },
      { name: 'note', type: 'text' },
    ],
  });
  await setOwnerColumn(db, project.id, 'order', 'buyer');
  await setTablePermission(db, project.id, {
    role: 'user',
    table: 'order',
    operation: 'read',
    allowed: true,
    scope: 'own',
  });

  const statuses = ['pending', 'paid', 'refunded', 'cancelled'];
  const backend: Actor = { kind: 'backend' };
  const started = performance.now();
  counting = true;
  for (let i = 0; i < INSERTS; i++)
    await insertRow(db, project.id, backend, 'order', {
      status: statuses[i % 4],
      amount: (i * 7919) % 100_000,
      buyer: users[i % 4].id,
      note: `order ${i}`,
    });
  const insertSeconds = (performance.now() - started) / 1000;
  counting = false;
  if (statements.size > 0) {
    const total = [...statements.values()].reduce((a, b) => a + b, 0);
    console.log(`# statements per insert: ${(total / INSERTS).toFixed(2)}`);
    for (const [text, n] of [...statements].sort((a, b) => b[1] - a[1]).slice(0, 6))
      console.log(`#   ${(n / INSERTS).toFixed(2)}  ${text}`);
  }

  // The rest in bulk: the page-fetch figure is about reading, not about how the rows got there.
  const table = await getTable(db, project.id, 'order');
  const col = (name: string) => `"${table.columns.find((c) => c.name === name)?.physicalName}"`;
  const ids = users.map((u) => u.id);
  await handle.query(
    `insert into "${table.schemaName}"."${table.physicalName}" (${col('status')}, ${col('amount')}, ${col('buyer')}, ${col('note')})
     select (array['pending','paid','refunded','cancelled'])[1 + g % 4], (g * 7919) % 100000, ($1::int[])[1 + (g / 4) % 4], 'order ' || g
     from generate_series(${INSERTS}, ${TOTAL - 1}) g`,
    [ids],
  );
  await handle.query(`analyze "${table.schemaName}"."${table.physicalName}"`);

  const me: Actor = { kind: 'endUser', userId: users[1].id, role: 'user' };
  const options = {
    filters: [{ column: 'status', op: 'eq' as const, value: 'paid' }],
    sort: [{ column: 'amount', direction: 'asc' as const }],
    limit: 50,
  };
  // Cursors at evenly spread depths of the matching rows (what a user scrolling far down would hold).
  const [{ n }] = await handle.query<{ n: number }>(
    `select count(*)::int as n from "${table.schemaName}"."${table.physicalName}" where ${col('status')} = 'paid' and ${col('buyer')} = $1`,
    [me.kind === 'endUser' ? me.userId : 0],
  );
  const times: number[] = [];
  for (let i = 0; i < FETCHES; i++) {
    const depth = Math.floor(((i + 1) / (FETCHES + 1)) * (n - 60));
    const [at] = await handle.query<{ amount: string; id: number }>(
      `select ${col('amount')}::text as amount, id from "${table.schemaName}"."${table.physicalName}"
       where ${col('status')} = 'paid' and ${col('buyer')} = $1 order by ${col('amount')}, id offset $2 limit 1`,
      [users[1].id, depth],
    );
    const after = encodeCursor([at.amount, String(at.id)]);
    const t0 = performance.now();
    const page = await queryRows(db, project.id, me, 'order', { ...options, after });
    times.push(performance.now() - t0);
    if (page.rows.length !== 50 || page.rows.some((r) => r.buyer !== users[1].id || r.status !== 'paid'))
      throw new Error('page fetch returned the wrong rows');
  }
  times.sort((a, b) => a - b);
  console.log(`driver: ${handle.driver}`);
  console.log(`insert_rows_per_s: ${Math.round(INSERTS / insertSeconds)}`);
  console.log(`page_fetch_ms_100k: ${times[Math.floor(times.length / 2)].toFixed(2)}`);
} finally {
  await handle.db.transaction(async (tx) => {
    await dropProjectSchema(tx, project);
    await tx.delete(projects).where(eq(projects.id, project.id));
    await tx.delete(authUser).where(eq(authUser.id, owner.id));
  });
  await handle.close();
}
