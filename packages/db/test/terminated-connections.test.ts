import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../src';
import { startTestCluster, type TestCluster, testClusterUnavailable } from '../src/test-cluster';

// postgres.js 3.4.9 (the newest release) could crash the process from a
// setImmediate (`Cannot read properties of null (reading 'write')` in
// nextWrite), leave queries waiting forever on a connection whose socket died,
// and reject an internal type query nobody awaited (an unhandled rejection,
// which ends a Node process). patches/postgres+3.4.9.patch fixes all three;
// these tests fail without it (hung loops, or vitest's unhandled errors).
const unavailable = testClusterUnavailable();
if (unavailable) console.warn(`[skipped] terminated-connection tests: ${unavailable}`);

describe.skipIf(unavailable)('database connections that die', () => {
  let cluster: TestCluster;
  let handle: DbHandle;
  beforeAll(async () => {
    cluster = await startTestCluster();
    handle = await createDb({ url: cluster.url(), migrate: false, max: 4 });
    await handle.query('create table queue_item (id serial primary key, taken int not null default 0)');
    await handle.query('insert into queue_item (taken) select 0 from generate_series(1, 20)');
  }, 120_000);
  afterAll(async () => {
    await handle?.close();
    await cluster?.stop();
  });

  it('keeps every query loop going while its backends are terminated again and again', async () => {
    const done: number[] = Array(6).fill(0);
    const failures: string[] = [];
    let stop = false;
    const loops = done.map(async (_, i) => {
      while (!stop) {
        try {
          // The shape of a run claim: update … where id in (select … for update skip locked) returning.
          await handle.query(
            `update queue_item set taken = taken + 1 where id in (
               select id from queue_item order by id limit 2 for update skip locked) returning id`,
          );
          done[i] += 1;
        } catch (error) {
          failures.push((error as { code?: string }).code ?? String(error));
        }
      }
    });
    for (let k = 0; k < 12; k++) {
      await new Promise((r) => setTimeout(r, 60 + Math.random() * 120));
      await cluster.terminateBackends();
    }
    expect(failures.length).toBeGreaterThan(0); // the kills did land on running queries
    // After the last kill every loop must still complete queries: none waits forever on a dead socket.
    const before = [...done];
    await expect.poll(() => done.every((n, i) => n >= before[i] + 3), { timeout: 10_000, interval: 100 }).toBe(true);
    stop = true;
    await Promise.all(loops);
  }, 60_000);

  it('hears NOTIFY again after its LISTEN connection was terminated', async () => {
    const heard: string[] = [];
    let listens = 0;
    const sub = await handle.sql?.listen(
      'tillflow_test',
      (payload) => heard.push(payload),
      () => {
        listens += 1;
      },
    );
    await cluster.terminateBackends();
    await expect.poll(() => listens, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await cluster.psql(`select pg_notify('tillflow_test', 'after-kill')`);
    await expect.poll(() => heard, { timeout: 10_000 }).toContain('after-kill');
    await sub?.unlisten();
  }, 30_000);
});
