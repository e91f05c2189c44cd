import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { insertRow, queryRows } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlow, createRunServices, testRunFlow } from '../src';
import { createRuntimeProject, loopbackEgress, stripeEvent, toDefinition } from './harness';

describe('a test run holds no transaction across outbound calls', () => {
  let handle: DbHandle;
  let projectId: number;
  let server: Server;
  let url: string;
  let arrived: () => void = () => {};
  let release: () => void = () => {};

  beforeAll(async () => {
    handle = await createTestDb();
    const project = await createRuntimeProject(handle);
    projectId = project.id;
    // A slow service: it answers only when the test releases it.
    server = createServer((_req, res) => {
      arrived();
      new Promise<void>((resolve) => {
        release = resolve;
      }).then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"slow":true}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
  });
  afterAll(async () => {
    release();
    server?.close();
    await handle?.close();
  });

  it('lets another transaction change the same row while the test run waits on a slow HTTP node', async () => {
    const eventId = `evt_slow_${Date.now()}`;
    const definition = toDefinition({
      trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
      nodes: [
        { id: 'seed', type: 'insert_row', config: { table: 'ledger', values: { event_id: eventId, note: 'seed' } } },
        {
          id: 'mark',
          type: 'update_rows',
          config: {
            table: 'ledger',
            filters: [{ column: 'event_id', op: 'eq', value: eventId }],
            values: { note: 'test run' },
          },
        },
        { id: 'call', type: 'http_request', config: { method: 'GET', url } },
      ],
      edges: [
        { source: 'seed', target: 'mark' },
        { source: 'mark', target: 'call' },
      ],
    });
    const flow = await createFlow(handle.db, { projectId, name: 'Slow call', kind: 'custom', definition });
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const run = testRunFlow(createRunServices({ database: handle }), {
      flowId: flow.id,
      definition,
      event: stripeEvent('payment_intent.succeeded'),
      rollback: true,
      egress: loopbackEgress(),
    });
    await reached; // the HTTP node is waiting on the slow server now

    // Another writer on the same database inserts the very row the test run's database nodes wrote: while a
    // transaction holding that row stayed open, this waited for it (PostgreSQL: the unique key; PGlite: its one
    // connection) until the slow call ended.
    const other = handle.db.transaction((tx) =>
      insertRow(tx, projectId, { kind: 'backend' }, 'ledger', { event_id: eventId, note: 'real' }),
    );
    const blocked = await Promise.race([
      other.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 3000)),
    ]);
    release();
    const result = await run;
    expect(blocked).toBe(false);
    expect(result.status).toBe('succeeded');
    expect(result.steps.map((s) => [s.nodeId, s.status])).toEqual([
      ['trigger', 'succeeded'],
      ['seed', 'succeeded'],
      ['mark', 'succeeded'],
      ['call', 'succeeded'],
    ]);
    // The test run left nothing: the only row is the other writer's.
    const rows = (
      await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', {
        filters: [{ column: 'event_id', op: 'eq', value: eventId }],
      })
    ).rows;
    expect(rows.map((r) => r.note)).toEqual(['real']);
  });
});
