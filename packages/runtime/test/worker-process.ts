import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { queryRows } from '@tillflow/data-model';
import { createDb, type DbHandle } from '@tillflow/db';
import { afterAll } from 'vitest';

/**
 * The database a worker child process (fixtures/worker.ts) shares with the test that kills it. PGlite: one
 * process at a time opens a folder database, so the test closes it while the child runs and reopens it after;
 * the folder is removed after the file's tests.
 */
export function sharedDatabase(prefix: string) {
  const pglite = !process.env.DATABASE_URL;
  const dir = pglite ? mkdtempSync(path.join(tmpdir(), prefix)) : null;
  const open = () => (pglite ? createDb({ pgliteDir: dir as string }) : createDb({ url: process.env.DATABASE_URL }));
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return { pglite, dir, open };
}

/** A worker in a child process for one project, on the shared database, with a 3 s lease; `env` adds to it. */
export function spawnWorker(dir: string | null, projectId: number, env: Record<string, string> = {}): ChildProcess {
  return fork(path.join(import.meta.dirname, 'fixtures/worker.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      TEST_PGLITE_DIR: dir ?? '',
      TILLFLOW_LEASE_MS: '3000',
      TEST_PROJECT_ID: String(projectId),
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The last node of the crash flows: marks the ledger row the `record` node inserted as finished. */
export const finishLedgerRow = {
  id: 'finish',
  type: 'update_rows',
  config: {
    table: 'ledger',
    filters: [{ column: 'id', op: 'eq', value: '{{nodes.record.row.id}}' }],
    values: { note: 'finished' },
  },
};

/** The ledger rows written for one Stripe event. */
export const ledgerRows = async (handle: DbHandle, projectId: number, eventId: string) =>
  (
    await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', {
      filters: [{ column: 'event_id', op: 'eq', value: eventId }],
    })
  ).rows;
