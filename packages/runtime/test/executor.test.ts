import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { queryRows } from '@tillflow/data-model';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFlow,
  createRunServices,
  getRun,
  listRuns,
  purgeOldRuns,
  replayEvent,
  retryRun,
  startWorkers,
  testRunFlow,
  type Workers,
} from '../src';
import {
  createHookedFlow,
  createRuntimeProject,
  type LooseFlow,
  ledgerFlow,
  loopbackEgress,
  post,
  stripeEvent,
  toDefinition,
  waitFor,
} from './harness';

let handle: DbHandle;
let workers: Workers;
let projectId: number;
let server: Server;
let url: string;
let failuresLeft = 0;

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
  workers = await startWorkers(createRunServices({ database: handle }), {
    concurrency: 4,
    pollMs: 30,
    backoffBaseMs: 20,
    backoffMaxMs: 100,
    projectIds: [projectId],
    egress: loopbackEgress(),
  });
  server = createServer((req, res) => {
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      res.writeHead(503).end('busy');
    } else
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ key: req.headers['idempotency-key'] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await workers?.stop();
  server?.closeAllConnections();
  server?.close();
  await handle?.close();
});

const ledger = async (filter: { column: string; value: unknown }) =>
  (await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', { filters: [{ ...filter, op: 'eq' }] })).rows;

async function finishedRun(flowId: string) {
  return waitFor(async () => {
    const [run] = await listRuns(handle.db, projectId, { flowId });
    return run && (run.status === 'succeeded' || run.status === 'failed') ? run : null;
  });
}

function retryingFlow(): LooseFlow {
  return {
    trigger: { type: 'stripe_webhook', eventTypes: ['charge.succeeded'] },
    nodes: [
      {
        id: 'record',
        type: 'insert_row',
        config: { table: 'ledger', values: { event_id: '{{trigger.id}}', note: 'start' } },
      },
      { id: 'call', type: 'http_request', config: { method: 'POST', url, body: { id: '{{trigger.id}}' } } },
      {
        id: 'done',
        type: 'update_rows',
        config: {
          table: 'ledger',
          filters: [{ column: 'id', op: 'eq', value: '{{nodes.record.row.id}}' }],
          values: { note: '{{nodes.call.body.key}}' },
        },
      },
    ],
    edges: [
      { source: 'record', target: 'call' },
      { source: 'call', target: 'done' },
    ],
  };
}

describe('flow execution', () => {
  it('follows the branch a condition chose and skips the other', async () => {
    const flow: LooseFlow = {
      trigger: { type: 'stripe_webhook', eventTypes: ['invoice.paid'] },
      nodes: [
        { id: 'big', type: 'condition', config: { expression: '{{trigger.data.object.big}}' } },
        { id: 'yes', type: 'insert_row', config: { table: 'ledger', values: { note: 'big-{{trigger.id}}' } } },
        { id: 'no', type: 'insert_row', config: { table: 'ledger', values: { note: 'small-{{trigger.id}}' } } },
        { id: 'kind', type: 'switch', config: { value: '{{trigger.data.object.kind}}', cases: ['a', 'b'] } },
        { id: 'isB', type: 'set_variables', config: { variables: { picked: 'b' } } },
      ],
      edges: [
        { source: 'big', target: 'yes', label: 'true' },
        { source: 'big', target: 'no', label: 'false' },
        { source: 'yes', target: 'kind' },
        { source: 'kind', target: 'isB', label: 'b' },
      ],
    };
    const hook = await createHookedFlow(handle, projectId, flow);
    const event = stripeEvent('invoice.paid', { big: true, kind: 'b' });
    await post(handle, hook.endpointId, hook.secret, event);
    const run = await finishedRun(hook.flow.id);
    expect(run.status).toBe('succeeded');
    expect(await ledger({ column: 'note', value: `big-${event.id}` })).toHaveLength(1);
    expect(await ledger({ column: 'note', value: `small-${event.id}` })).toHaveLength(0);
    const detail = await getRun(handle.db, run.id);
    expect(detail?.steps.map((s) => s.nodeId).sort()).toEqual(['big', 'isB', 'kind', 'trigger', 'yes']);
    expect(detail?.steps.find((s) => s.nodeId === 'isB')?.output).toEqual({ picked: 'b' });
    expect(detail?.steps.find((s) => s.nodeId === 'yes')?.input).toMatchObject({ values: { note: `big-${event.id}` } });
  });

  it('retries a transient failure with backoff, reusing completed steps (database effect once)', async () => {
    const hook = await createHookedFlow(handle, projectId, retryingFlow());
    failuresLeft = 2;
    const event = stripeEvent('charge.succeeded');
    await post(handle, hook.endpointId, hook.secret, event);
    const run = await finishedRun(hook.flow.id);
    expect(run).toMatchObject({ status: 'succeeded', attempt: 3 });
    const rows = await ledger({ column: 'event_id', value: event.id });
    expect(rows).toHaveLength(1);
    expect(rows[0].note).toBe(`${run.id}:call`); // the idempotency key the HTTP node sent
  });

  it('marks a run failed after its attempts (dead letter), and retryRun finishes it', async () => {
    const hook = await createHookedFlow(handle, projectId, retryingFlow());
    failuresLeft = 1000;
    const event = stripeEvent('charge.succeeded');
    await post(handle, hook.endpointId, hook.secret, event);
    const failed = await finishedRun(hook.flow.id);
    expect(failed).toMatchObject({ status: 'failed', attempt: 5 });
    expect(failed.error).toMatch(/call: HTTP 503/);
    const detail = await getRun(handle.db, failed.id);
    expect(detail?.steps.find((s) => s.nodeId === 'call')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/503/),
    });
    expect((await listRuns(handle.db, projectId, { status: 'failed' })).some((r) => r.id === failed.id)).toBe(true);

    failuresLeft = 0;
    expect(await retryRun(handle.db, failed.id)).toBe(true);
    const done = await waitFor(async () => {
      const r = await getRun(handle.db, failed.id);
      return r?.status === 'succeeded' ? r : null;
    });
    expect(done.steps.every((s) => s.status === 'succeeded')).toBe(true);
    expect(await ledger({ column: 'event_id', value: event.id })).toHaveLength(1);
    expect(await retryRun(handle.db, failed.id)).toBe(false); // only failed runs
  });

  it('fails permanently (no retries) on a database refusal and on a fail node', async () => {
    const hook = await createHookedFlow(
      handle,
      projectId,
      {
        trigger: { type: 'stripe_webhook', eventTypes: ['charge.failed'] },
        nodes: [{ id: 'bad', type: 'insert_row', config: { table: 'no_such_table', values: {} } }],
        edges: [],
      },
      { skipValidation: true },
    ); // the validator would refuse it; the runtime must too
    await post(handle, hook.endpointId, hook.secret, stripeEvent('charge.failed'));
    expect(await finishedRun(hook.flow.id)).toMatchObject({ status: 'failed', attempt: 1 });
    const failing = await createHookedFlow(handle, projectId, {
      trigger: { type: 'stripe_webhook', eventTypes: ['charge.failed'] },
      nodes: [{ id: 'stop', type: 'stop', config: { outcome: 'fail', message: 'Refusing {{trigger.type}}' } }],
      edges: [],
    });
    await post(handle, failing.endpointId, failing.secret, stripeEvent('charge.failed'));
    expect(await finishedRun(failing.flow.id)).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: 'stop: Refusing charge.failed',
    });
  });

  it('replays a stored event as a new run', async () => {
    const hook = await createHookedFlow(handle, projectId, {
      trigger: { type: 'stripe_webhook', eventTypes: ['customer.created'] },
      nodes: [{ id: 'log', type: 'insert_row', config: { table: 'ledger', values: { note: 'seen {{trigger.id}}' } } }],
      edges: [],
    });
    const event = stripeEvent('customer.created');
    await post(handle, hook.endpointId, hook.secret, event);
    const first = await finishedRun(hook.flow.id);
    const [eventRow] = await executeRows<{ id: string }>(
      handle.db,
      sql`select id from stripe_event where event_id = ${event.id}`,
    );
    const [replayed] = await replayEvent(handle, eventRow.id);
    expect(replayed).not.toBe(first.id);
    await waitFor(async () => (await getRun(handle.db, replayed))?.status === 'succeeded');
    expect(await ledger({ column: 'note', value: `seen ${event.id}` })).toHaveLength(2);
  });

  it('test runs report each node and roll back database effects on request', async () => {
    const flow = await createFlow(handle.db, {
      projectId,
      name: 'Draft',
      kind: 'custom',
      definition: toDefinition(ledgerFlow()),
    });
    const event = stripeEvent('payment_intent.succeeded', { amount: 7 });
    const dry = await testRunFlow(createRunServices({ database: handle }), { flowId: flow.id, event, rollback: true });
    expect(dry.status).toBe('succeeded');
    expect(dry.steps.map((s) => [s.nodeId, s.status])).toEqual([
      ['trigger', 'succeeded'],
      ['insert', 'succeeded'],
      ['double', 'succeeded'],
      ['update', 'succeeded'],
    ]);
    expect(dry.steps[2].output).toEqual({ amount: 14 });
    expect(dry.steps[1].input).toMatchObject({ values: { event_id: event.id, amount: 7 } });
    expect(dry.steps.every((s) => s.durationMs >= 0)).toBe(true);
    expect(await ledger({ column: 'event_id', value: event.id })).toHaveLength(0);
    const recorded = await getRun(handle.db, dry.runId);
    expect(recorded).toMatchObject({ testRun: true, status: 'succeeded' });
    expect(recorded?.steps).toHaveLength(4);

    const real = await testRunFlow(createRunServices({ database: handle }), {
      flowId: flow.id,
      event,
      rollback: false,
    });
    expect(real.status).toBe('succeeded');
    expect((await ledger({ column: 'event_id', value: event.id }))[0]).toMatchObject({ note: 'done', amount: 14 });

    const broken = await testRunFlow(createRunServices({ database: handle }), {
      flowId: flow.id,
      definition: toDefinition({ ...ledgerFlow(), nodes: [{ id: 'oops', type: 'no_such_node' }], edges: [] }),
      event,
      rollback: true,
    });
    expect(broken).toMatchObject({ status: 'failed' });
    expect(broken.steps.find((s) => s.nodeId === 'oops')?.error).toMatch(
      /No executor is registered for node type "no_such_node"/,
    );
  });

  it('purges finished runs older than the retention period', async () => {
    const flow = await createFlow(handle.db, {
      projectId,
      name: 'Old',
      kind: 'custom',
      definition: toDefinition(ledgerFlow()),
    });
    const old = await testRunFlow(createRunServices({ database: handle }), {
      flowId: flow.id,
      event: stripeEvent('payment_intent.succeeded', { amount: 1 }),
      rollback: true,
    });
    await handle.db.execute(sql`update flow_run set created_at = now() - interval '40 days' where id = ${old.runId}`);
    const { runs } = await purgeOldRuns(handle.db, 30);
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(await getRun(handle.db, old.runId)).toBeNull();
    expect(await executeRows(handle.db, sql`select id from flow_step where run_id = ${old.runId}`)).toHaveLength(0);
  });
});
