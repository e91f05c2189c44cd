import { Writable } from 'node:stream';
import { createLogger } from '@tillflow/core';
import { insertRow } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeHub } from '../src';
import { collect, createOrderProject, waitFor } from './helpers';

const backend = { kind: 'backend' } as const;
const builder = { kind: 'builder' } as const;

describe('realtime hub errors', () => {
  let handle: DbHandle;
  let hub: ChangeHub;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    handle = await createTestDb();
    const logger = createLogger(
      { TILLFLOW_LOG_LEVEL: 'info' },
      {
        destination: new Writable({
          write(chunk, _encoding, done) {
            for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
            done();
          },
        }),
      },
    );
    hub = new ChangeHub(handle, logger);
  });
  afterAll(async () => {
    await hub.close();
    await handle.close();
  });

  it('a failed dispatch is logged through the hub’s logger with its stage, project, position and subscribers, and the next change still arrives', async () => {
    const { project } = await createOrderProject(handle);
    const abort = new AbortController();
    const stream = collect(hub.subscribe({ project, actor: builder, tables: ['order'], signal: abort.signal }));
    await waitFor(() => hub.subscriberCount(project.id) === 1);

    // The table-name lookup of the next change fails once (as a dropped connection would).
    const hubInternals = hub as unknown as { tableName: (change: unknown) => Promise<string | null> };
    const tableName = hubInternals.tableName.bind(hub);
    let failures = 0;
    hubInternals.tableName = async (change) => {
      if (failures === 0) {
        failures += 1;
        throw new Error('connection terminated');
      }
      return tableName(change);
    };
    await insertRow(handle.db, project.id, backend, 'order', { title: 'lost' });
    await waitFor(() => lines.some((l) => l.msg === 'realtime: dispatch failed'));
    const line = lines.find((l) => l.msg === 'realtime: dispatch failed') as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'error',
      stage: 'dispatch a change',
      projectId: project.id,
      subscribers: 1,
      err: { message: 'connection terminated' },
    });
    expect(typeof line.position).toBe('number');
    expect(line.position as number).toBeGreaterThan(0);

    // The hub goes on: the next change reaches the subscriber.
    const next = await insertRow(handle.db, project.id, backend, 'order', { title: 'next' });
    await waitFor(() => stream.events.some((e) => e.rowId === next.id));
    abort.abort();
    await stream.done;
  });
});
