import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { queryRows } from '@tillflow/data-model';
import { createDb, type DbHandle, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';
import { afterAll } from 'vitest';
import type { LooseFlow } from './harness';

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

/**
 * trigger → insert a ledger row for the event (`amount`: a number or an expression) → condition → mark it finished:
 * two database nodes with a pure one between, a database-only flow.
 */
export function databaseOnlyLedgerFlow(amount: unknown = 7): LooseFlow {
  return {
    trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
    nodes: [
      {
        id: 'record',
        type: 'insert_row',
        config: { table: 'ledger', values: { event_id: '{{trigger.id}}', note: 'recorded', amount } },
      },
      { id: 'check', type: 'condition', config: { expression: '{{nodes.record.row.amount > 0}}' } },
      finishLedgerRow,
    ],
    edges: [
      { source: 'record', target: 'check' },
      { source: 'check', target: 'finish', label: 'true' },
    ],
  };
}

/** A run's step records as [node, status, attempt], by node id. */
export async function stepsOf(handle: DbHandle, runId: string): Promise<[string, string, number][]> {
  const rows = await executeRows<{ node_id: string; status: string; attempt: number }>(
    handle.db,
    sql`select node_id, status, attempt from flow_step where run_id = ${runId} order by node_id`,
  );
  return rows.map((s) => [s.node_id, s.status, s.attempt]);
}
