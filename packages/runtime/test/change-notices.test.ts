import { CHANGE_CHANNEL, getTable, insertRow } from '@tillflow/data-model';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, executeFlow } from '../src';
import { createHookedFlow, createRuntimeProject, insertThenBumpFlow, post, stripeEvent, toDefinition } from './harness';

// PostgreSQL serialises the commits of transactions that NOTIFY, so a run's shared transaction asks the realtime
// change trigger not to notify inside it (a transaction-local setting the trigger reads) and announces the
// project once after its commit. A probe trigger on the run's table records the setting each write saw.
let handle: DbHandle;
let project: Awaited<ReturnType<typeof createRuntimeProject>>;
let probe: string;

beforeAll(async () => {
  handle = await createTestDb();
  project = await createRuntimeProject(handle);
  const ledger = await getTable(handle.db, project.id, 'ledger');
  probe = `"${ledger.schemaName}"."notice_probe"`;
  await handle.db.execute(sql.raw(`create table ${probe} (seen text)`));
  await handle.db.execute(
    sql.raw(`create function "${ledger.schemaName}".notice_probe() returns trigger language plpgsql as $fn$
      begin insert into ${probe} values (coalesce(nullif(current_setting('tillflow.notify_after_commit', true), ''), 'unset')); return null; end $fn$`),
  );
  await handle.db.execute(
    sql.raw(`create trigger notice_probe after insert or update on "${ledger.schemaName}"."${ledger.physicalName}"
      for each row execute function "${ledger.schemaName}".notice_probe()`),
  );
});
afterAll(async () => {
  await handle?.close();
});

const twoWrites = insertThenBumpFlow('n');

async function runOnce() {
  const hook = await createHookedFlow(handle, project.id, twoWrites);
  const event = stripeEvent('charge.succeeded');
  await post(handle, hook.endpointId, hook.secret, event);
  const [run] = await executeRows<{ id: string }>(
    handle.db,
    sql`select id from flow_run where flow_id = ${hook.flow.id}`,
  );
  return executeFlow({
    services: createRunServices({ database: handle }),
    runId: run.id,
    projectId: project.id,
    definition: toDefinition(twoWrites),
    trigger: event,
    attempt: 1,
    persist: true,
  });
}

async function seen(): Promise<string[]> {
  const rows = await executeRows<{ seen: string }>(handle.db, sql.raw(`delete from ${probe} returning seen`));
  return rows.map((r) => r.seen);
}

describe('realtime notices of a run', () => {
  it.runIf(process.env.DATABASE_URL)(
    'PostgreSQL: both writes of a run are told not to notify, the project is announced once after the commit, and a write outside a run is not deferred',
    async () => {
      const pg = handle.sql as NonNullable<DbHandle['sql']>;
      const payloads: string[] = [];
      const { unlisten } = await pg.listen(CHANGE_CHANNEL, (payload) => payloads.push(payload));
      try {
        const ours = () => payloads.filter((p) => p === String(project.id));
        expect((await runOnce()).status).toBe('succeeded');
        expect(await seen()).toEqual(['on', 'on']);
        await expect.poll(ours, { timeout: 5_000 }).toHaveLength(1);
        await new Promise((r) => setTimeout(r, 200));
        expect(ours()).toHaveLength(1);
        await insertRow(handle.db, project.id, { kind: 'backend' }, 'ledger', { note: 'outside', amount: 3 });
        expect(await seen()).toEqual(['unset']);
      } finally {
        await unlisten();
      }
    },
  );

  it.runIf(!process.env.DATABASE_URL)(
    'PGlite: a run’s writes are not deferred, so the trigger’s own notice stands',
    async () => {
      expect((await runOnce()).status).toBe('succeeded');
      expect(await seen()).toEqual(['unset', 'unset']);
    },
  );
});
