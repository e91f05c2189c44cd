// Vacuum and planner statistics for Tillflow's tables where the database keeps none itself (table-upkeep.ts):
// PGlite (no autovacuum at all) and a PostgreSQL server with autovacuum off get their dead rows cleared and their
// statistics refreshed by the workers, at autovacuum's own thresholds; a server that vacuums for itself is left
// alone, as are tables outside Tillflow's schemas; a table held by another session (DDL) is skipped, not waited for.
import { openAsBlob } from 'node:fs';
import { createDb, type DbHandle } from '@tillflow/db';
import { startTestCluster, type TestCluster, testClusterUnavailable } from '@tillflow/db/test-cluster';
import { pgliteTemplate } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, startWorkers } from '../src';
import {
  planUpkeep,
  type TableActivity,
  UPKEEP_TABLES_PER_ROUND,
  upkeepStatement,
  upkeepTables,
} from '../src/table-upkeep';
import { createHookedFlow, createRuntimeProject, ledgerFlow, post, stripeEvent, waitFor } from './harness';

const table = (name: string, rows: number, deadRows: number, changedSinceAnalyze: number): TableActivity => ({
  schema: 'public',
  table: name,
  rows,
  deadRows,
  changedSinceAnalyze,
});

describe('what a round of upkeep decides', () => {
  it("vacuums a table past autovacuum's dead-row threshold (50 + 20 % of its rows) and analyzes one past its change threshold (50 + 10 %)", () => {
    expect(planUpkeep([table('a', 1000, 250, 0)])).toEqual([]);
    expect(planUpkeep([table('a', 1000, 251, 0)])).toEqual([{ schema: 'public', table: 'a', action: 'vacuum' }]);
    expect(planUpkeep([table('b', 1000, 0, 150)])).toEqual([]);
    expect(planUpkeep([table('b', 1000, 0, 151)])).toEqual([{ schema: 'public', table: 'b', action: 'analyze' }]);
    // A vacuum analyzes too: one action per table.
    expect(planUpkeep([table('c', 1000, 400, 400)])).toEqual([{ schema: 'public', table: 'c', action: 'vacuum' }]);
  });

  it('counts a table never vacuumed or analyzed (reltuples -1) as empty: 51 changes are enough', () => {
    expect(planUpkeep([table('new', -1, 0, 50)])).toEqual([]);
    expect(planUpkeep([table('new', -1, 0, 51)])).toEqual([{ schema: 'public', table: 'new', action: 'analyze' }]);
  });

  it('works on the most overdue tables first, at most four a round', () => {
    const tables = [
      table('slightly', 1000, 260, 0),
      table('far', 100, 5000, 0),
      table('fine', 1000, 10, 10),
      table('stale', 10, 0, 600),
      table('middling', 1000, 1000, 0),
      table('more', 1000, 2000, 0),
    ];
    const plan = planUpkeep(tables);
    expect(plan).toHaveLength(UPKEEP_TABLES_PER_ROUND);
    expect(plan.map((a) => a.table)).toEqual(['far', 'stale', 'more', 'middling']);
  });

  it('quotes schema and table names in the statement, and neither truncates nor waits behind a lock', () => {
    expect(upkeepStatement({ schema: 'p_x', table: 'we"ird', action: 'vacuum' })).toBe(
      'vacuum (analyze, skip_locked, truncate false) "p_x"."we""ird"',
    );
    expect(upkeepStatement({ schema: 'public', table: 'flow_run', action: 'analyze' })).toBe(
      'analyze (skip_locked) "public"."flow_run"',
    );
  });
});

/** Rows that leave `dead` dead versions behind, in public (Tillflow's) and in a schema that is not Tillflow's. */
async function churn(run: (text: string) => Promise<unknown>, dead: number) {
  for (const schema of ['public', 'elsewhere']) {
    await run(`create schema if not exists ${schema}`);
    await run(`create table ${schema}.upkeep_probe (id int primary key, note text)`);
    await run(`insert into ${schema}.upkeep_probe select g, 'new' from generate_series(1, ${dead}) g`);
    await run(`update ${schema}.upkeep_probe set note = 'changed'`);
  }
}

interface Counters {
  schemaname: string;
  n_dead_tup: number;
  vacuumed: boolean;
  analyzed: boolean;
  reltuples: number;
}
const COUNTERS = `select s.schemaname, s.n_dead_tup::int as n_dead_tup, s.last_vacuum is not null as vacuumed,
    s.last_analyze is not null as analyzed, c.reltuples::int as reltuples
  from pg_stat_user_tables s join pg_class c on c.oid = s.relid where s.relname = 'upkeep_probe' order by 1`;

describe('upkeep on PGlite (which has no autovacuum)', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createDb({ pgliteDir: 'memory', pgliteTemplate: await openAsBlob(await pgliteTemplate()) });
  });
  afterAll(() => handle?.close());

  it("vacuums and analyzes Tillflow's table once its dead rows pass the threshold, and leaves another schema's alone", async () => {
    await churn((text) => handle.query(text), 300);
    // The statistics collector counts a little after the writes.
    await waitFor(async () => {
      const rows = await handle.query<Counters>(COUNTERS);
      return rows.length === 2 && rows.every((r) => r.n_dead_tup >= 300);
    });
    const done = await upkeepTables(handle);
    expect(done).toContainEqual({ schema: 'public', table: 'upkeep_probe', action: 'vacuum' });
    expect(done.some((a) => a.schema === 'elsewhere')).toBe(false);
    const [elsewhere, mine] = await handle.query<Counters>(COUNTERS);
    expect(mine).toMatchObject({ schemaname: 'public', n_dead_tup: 0, vacuumed: true, analyzed: true, reltuples: 300 });
    expect(elsewhere).toMatchObject({ schemaname: 'elsewhere', n_dead_tup: 300, vacuumed: false, analyzed: false });
  });

  it("a worker's rounds refresh the run queue's statistics as runs go through it", async () => {
    const project = await createRuntimeProject(handle);
    const hook = await createHookedFlow(handle, project.id, ledgerFlow());
    const workers = await startWorkers(createRunServices({ database: handle }), {
      projectIds: [project.id],
      pollMs: 20,
      upkeepEveryMs: 50,
    });
    try {
      for (let i = 0; i < 30; i++)
        expect((await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(
          200,
        );
      await workers.idle();
      const refreshed = await waitFor(async () => {
        const [row] = await handle.query<{ analyzed: boolean }>(
          `select (last_analyze is not null or last_vacuum is not null) as analyzed
           from pg_stat_user_tables where schemaname = 'public' and relname = 'flow_run'`,
        );
        return row?.analyzed ? row : null;
      });
      expect(refreshed.analyzed).toBe(true);
    } finally {
      await workers.stop();
    }
  });
});

describe.skipIf(testClusterUnavailable())('upkeep on PostgreSQL servers', () => {
  let withoutAutovacuum: TestCluster;
  let withAutovacuum: TestCluster;
  const handles: DbHandle[] = [];
  beforeAll(async () => {
    [withoutAutovacuum, withAutovacuum] = await Promise.all([
      startTestCluster({ autovacuum: 'off' }),
      startTestCluster(),
    ]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(handles.map((h) => h.close()));
    await Promise.all([withoutAutovacuum?.stop(), withAutovacuum?.stop()]);
  });
  const open = async (cluster: TestCluster) => {
    const handle = await createDb({ url: cluster.url() });
    handles.push(handle);
    // psql's session ends after its writes, and a session that ends hands its counts to the collector.
    await churn((text) => cluster.psql(text), 300);
    await waitFor(async () => (await handle.query<Counters>(COUNTERS)).every((r) => r.n_dead_tup >= 300));
    return handle;
  };

  it('with autovacuum off: skips a table another session holds without waiting, and vacuums it at the next round', async () => {
    const handle = await open(withoutAutovacuum);
    const other = await createDb({ url: withoutAutovacuum.url(), migrate: false, max: 1 });
    let letGo = () => {};
    const held = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    // A builder's DDL in progress: the lock VACUUM and ANALYZE need is taken.
    const holder = other.sql?.begin(async (tx) => {
      await tx.unsafe('lock table public.upkeep_probe in share update exclusive mode');
      locked();
      await held;
    });
    try {
      await isLocked;
      await upkeepTables(handle); // returns: it does not wait behind the lock
      expect((await handle.query<Counters>(COUNTERS))[1]).toMatchObject({ n_dead_tup: 300, vacuumed: false });
    } finally {
      letGo();
      await holder;
      await other.close();
    }
    // Two processes' rounds at once: both end, the table is vacuumed.
    const second = await createDb({ url: withoutAutovacuum.url(), migrate: false });
    handles.push(second);
    const [mine] = await Promise.all([upkeepTables(handle), upkeepTables(second)]);
    expect(mine).toContainEqual({ schema: 'public', table: 'upkeep_probe', action: 'vacuum' });
    const [elsewhere, probe] = await handle.query<Counters>(COUNTERS);
    expect(probe).toMatchObject({ n_dead_tup: 0, vacuumed: true, analyzed: true, reltuples: 300 });
    expect(elsewhere).toMatchObject({ n_dead_tup: 300, vacuumed: false });
  });

  it("with autovacuum on: leaves the server's own upkeep (and its DBA's settings) alone", async () => {
    const handle = await open(withAutovacuum);
    expect(await upkeepTables(handle)).toEqual([]);
    const [, mine] = await handle.query<Counters>(COUNTERS);
    expect(mine.vacuumed).toBe(false);
    expect(mine.analyzed).toBe(false);
  });
});
