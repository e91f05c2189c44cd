import { createLogger, sandboxControlToken } from '@tillflow/core';
import { createTable, queryRows } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { executeRows } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { buildSystemFlow, type FlowDefinition } from '@tillflow/flow-model';
import { createFlow, createWebhookEndpoint, ingestStripeWebhook, stripeSignatureHeader } from '@tillflow/runtime';
import { startSandbox } from '@tillflow/stripe-sandbox';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpBuilder } from './helpers';

process.env.TILLFLOW_QUIET_WEBHOOKS = '1';

let handle: DbHandle;
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
beforeAll(async () => {
  handle = await createTestDb();
  // Publishing a Stripe-triggered custom flow registers its endpoint in (the project's sandbox account of) Stripe.
  sandbox = await startSandbox({ port: 0, controlToken: sandboxControlToken() });
  process.env.TILLFLOW_SANDBOX_URL = sandbox.url;
  process.env.PUBLIC_URL ??= 'http://127.0.0.1:9';
});
afterAll(async () => {
  await sandbox.close();
  await handle.close();
});

/** A builder with a project, an `order` table (status, note) and the StripePayment system flow. */
async function setup() {
  const { caller, user } = await signUpBuilder(handle, 'flows');
  const project = await caller.project.create({ name: 'Flow shop', slug: `flows-${uniqueSuffix()}` });
  await createTable(handle.db, project.id, {
    name: 'order',
    columns: [
      { name: 'status', type: 'text' },
      { name: 'note', type: 'text' },
    ],
  });
  const system = await createFlow(handle.db, {
    projectId: project.id,
    name: 'StripePayment',
    kind: 'system',
    systemKind: 'StripePayment',
    definition: buildSystemFlow('StripePayment', { orderTable: 'order' }),
    publish: true,
  });
  return { caller, user, projectId: project.id, systemId: system.id };
}

/** trigger (charge.succeeded) → insert an order row noting the charge id. */
function insertingFlow(): FlowDefinition {
  return {
    trigger: { kind: 'stripe_webhook', events: ['charge.succeeded'] },
    graph: {
      nodes: [
        { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
        {
          id: 'record',
          type: 'insert_row',
          label: 'Record charge',
          config: { table: 'order', values: { status: 'paid', note: '{{ trigger.data.object.id }}' } },
          position: { x: 0, y: 140 },
        },
      ],
      edges: [{ id: 'e1', source: 'trigger', target: 'record' }],
    },
  };
}

describe('flows router', () => {
  it('lists system and custom flows with badge, trigger and status; refuses deleting a system flow', async () => {
    const { caller, projectId, systemId } = await setup();
    const created = await caller.flows.create({
      projectId,
      name: 'Alert on failures',
      template: 'charge_failed_email',
    });
    const blank = await caller.flows.create({ projectId, name: 'Blank' });
    const list = await caller.flows.list({ projectId });
    expect(list.map((f) => [f.name, f.system, f.status])).toEqual([
      ['StripePayment', true, 'published'],
      ['Alert on failures', false, 'draft'],
      ['Blank', false, 'draft'],
    ]);
    expect(list.find((f) => f.id === created.id)?.trigger).toEqual({
      kind: 'stripe_webhook',
      events: ['charge.failed'],
    });
    expect(list.find((f) => f.id === blank.id)?.trigger).toEqual({ kind: 'manual' });
    expect(list[0]).toMatchObject({ publishedVersion: 1, lastRun: null, failureCount: 0 });

    await expect(caller.flows.delete({ projectId, flowId: systemId })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('system flow'),
    });
    await caller.flows.delete({ projectId, flowId: blank.id });
    expect((await caller.flows.list({ projectId })).map((f) => f.name)).not.toContain('Blank');
    await expect(caller.flows.create({ projectId, name: 'x', template: 'nope' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });

  it('hides flows of other builders', async () => {
    const { projectId, systemId } = await setup();
    const other = await signUpBuilder(handle, 'mallory');
    await expect(other.caller.flows.get({ projectId, flowId: systemId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const mine = await other.caller.project.create({ name: 'Mine', slug: `m-${uniqueSuffix()}` });
    await expect(other.caller.flows.get({ projectId: mine.id, flowId: systemId })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('saves drafts with optimistic concurrency: a stale save is refused with CONFLICT', async () => {
    const { caller, projectId, systemId } = await setup();
    const flow = await caller.flows.get({ projectId, flowId: systemId });
    expect(flow.issues).toEqual([]);
    expect(flow.tables.find((t) => t.name === 'order')?.columns.map((c) => c.name)).toEqual(['status', 'note']);
    const edited = structuredClone(flow.draft);
    const update = edited.graph.nodes.find((n) => n.id === 'update_order');
    if (update) update.label = 'Mark it paid';
    const first = await caller.flows.saveDraft({
      projectId,
      flowId: systemId,
      definition: edited,
      expectedRevision: flow.revision,
    });
    expect(first.revision).toBe(flow.revision + 1);
    // A second builder still holding the old revision:
    await expect(
      caller.flows.saveDraft({ projectId, flowId: systemId, definition: flow.draft, expectedRevision: flow.revision }),
    ).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('Someone else saved this flow') });
    const again = await caller.flows.get({ projectId, flowId: systemId });
    expect(again.draft.graph.nodes.find((n) => n.id === 'update_order')?.label).toBe('Mark it paid');
    expect((await caller.flows.list({ projectId }))[0].status).toBe('changed');
  });

  it('refuses to save edits to locked nodes', async () => {
    const { caller, projectId, systemId } = await setup();
    const flow = await caller.flows.get({ projectId, flowId: systemId });
    const withoutCallback = structuredClone(flow.draft);
    withoutCallback.graph.nodes = withoutCallback.graph.nodes.filter((n) => n.id !== 'callback');
    await expect(
      caller.flows.saveDraft({
        projectId,
        flowId: systemId,
        definition: withoutCallback,
        expectedRevision: flow.revision,
      }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('cannot be deleted') });
  });

  it('refuses to publish an invalid flow with the list of problems; publishes, lists versions with diffs and rolls back', async () => {
    const { caller, projectId, systemId } = await setup();
    const flow = await caller.flows.get({ projectId, flowId: systemId });
    const broken = structuredClone(flow.draft);
    const update = broken.graph.nodes.find((n) => n.id === 'update_order');
    if (update) update.config = { ...update.config, values: { status: '{{ nodes.callback.nope }}' } };
    const saved = await caller.flows.saveDraft({
      projectId,
      flowId: systemId,
      definition: broken,
      expectedRevision: flow.revision,
    });
    expect(saved.issues).toEqual([expect.objectContaining({ nodeId: 'update_order', field: 'values.status' })]);
    const refused = await caller.flows.publish({ projectId, flowId: systemId }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'PRECONDITION_FAILED', message: expect.stringContaining('1 problem') });
    expect(refused.message).toContain('nope');
    expect(Object.keys(refused.cause.fieldErrors)[0]).toMatch(/^update_order:values\.status:/);

    const fixed = structuredClone(flow.draft);
    fixed.graph.nodes.push({
      id: 'note_it',
      type: 'update_rows',
      config: {
        table: 'order',
        filters: [{ column: 'id', op: 'eq', value: '{{ nodes.callback.orderId }}' }],
        values: { note: 'paid via {{ trigger.type }}' },
      },
      position: { x: 200, y: 420 },
    });
    fixed.graph.edges.push({ id: 'e_note', source: 'update_order', target: 'note_it' });
    await caller.flows.saveDraft({ projectId, flowId: systemId, definition: fixed, expectedRevision: saved.revision });
    expect(await caller.flows.publish({ projectId, flowId: systemId })).toMatchObject({ version: 2 });

    const versions = await caller.flows.versions({ projectId, flowId: systemId });
    expect(versions.map((v) => [v.version, v.live, v.summary])).toEqual([
      [2, true, '1 step added, 1 connection added'],
      [1, false, 'First version'],
    ]);
    const current = await caller.flows.get({ projectId, flowId: systemId });
    const rolled = await caller.flows.rollback({
      projectId,
      flowId: systemId,
      versionId: versions[1].id,
      expectedRevision: current.revision,
    });
    expect(rolled).toMatchObject({ version: 3, restored: 1 });
    const after = await caller.flows.get({ projectId, flowId: systemId });
    expect(after.draft.graph.nodes.map((n) => n.id)).not.toContain('note_it');
    expect((await caller.flows.versions({ projectId, flowId: systemId }))[0].summary).toBe(
      '1 step removed, 1 connection removed',
    );
  });

  it('test-runs a draft with a sample event: per-node output, database effects rolled back unless asked to keep them', async () => {
    const { caller, projectId } = await setup();
    const { id: flowId } = await caller.flows.create({
      projectId,
      name: 'Record charges',
      events: ['charge.succeeded'],
    });
    const sample = await caller.flows.sampleEvent({ projectId, flowId });
    expect(sample).toMatchObject({ type: 'charge.succeeded', data: { object: { object: 'charge' } } });
    const countOrders = async () =>
      (await queryRows(handle.db, projectId, { kind: 'builder' }, 'order', { limit: 100 })).rows.length;
    const before = await countOrders();
    const rolledBack = await caller.flows.testRun({
      projectId,
      flowId,
      definition: insertingFlow(),
      source: { kind: 'sample', eventType: 'charge.succeeded' },
      rollback: true,
    });
    expect(rolledBack.status).toBe('succeeded');
    const record = rolledBack.steps.find((s) => s.nodeId === 'record');
    expect(record).toMatchObject({ status: 'succeeded', error: null });
    // The runtime reports the inserted row under `row` (the catalog's output shape says the row itself).
    const inserted = (o: unknown) => ((o as { row?: unknown }).row ?? o) as Record<string, unknown>;
    expect(inserted(record?.output)).toMatchObject({
      status: 'paid',
      note: (sample as { data: { object: { id: string } } }).data.object.id,
    });
    expect(typeof record?.durationMs).toBe('number');
    expect(await countOrders()).toBe(before);

    const kept = await caller.flows.testRun({
      projectId,
      flowId,
      definition: insertingFlow(),
      source: { kind: 'json', event: { type: 'charge.succeeded', data: { object: { id: 'ch_by_hand' } } } },
      rollback: false,
    });
    expect(inserted(kept.steps.find((s) => s.nodeId === 'record')?.output)).toMatchObject({ note: 'ch_by_hand' });
    expect(await countOrders()).toBe(before + 1);

    const runs = await caller.flows.runs({ projectId, flowId });
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.testRun)).toBe(true);
    const detail = await caller.flows.run({ projectId, runId: runs[0].id });
    expect(detail.steps.map((s) => s.nodeId)).toContain('record');
    await expect(caller.flows.retryRun({ projectId, runId: runs[0].id })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
  });
});

describe('events router', () => {
  it('lists received events with deliveries, duplicates and the runs they started; replays; retries failed runs', async () => {
    const { caller, projectId } = await setup();
    const { id: flowId } = await caller.flows.create({
      projectId,
      name: 'Record charges',
      events: ['charge.succeeded'],
    });
    const draft = insertingFlow();
    const flow = await caller.flows.get({ projectId, flowId });
    await caller.flows.saveDraft({ projectId, flowId, definition: draft, expectedRevision: flow.revision });
    await caller.flows.publish({ projectId, flowId });
    // publishing registered the flow's own endpoint (only its events) in the project's Stripe account
    const [registered] = await executeRows<{ enabled_events: string[]; stripe_endpoint_id: string | null }>(
      handle.db,
      sql`select enabled_events, stripe_endpoint_id from webhook_endpoint where flow_id = ${flowId}`,
    );
    expect(registered).toMatchObject({
      enabled_events: ['charge.succeeded'],
      stripe_endpoint_id: expect.stringMatching(/^we_/),
    });
    const secret = 'whsec_flows_router_test_secret';
    const { endpoint } = await createWebhookEndpoint(handle.db, {
      projectId,
      purpose: 'custom',
      flowId,
      enabledEvents: ['charge.succeeded'],
      secret,
    });
    const event = {
      id: `evt_${uniqueSuffix()}`,
      object: 'event',
      type: 'charge.succeeded',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: 'ch_routed', object: 'charge' } },
    };
    const rawBody = JSON.stringify(event);
    const deliver = () =>
      ingestStripeWebhook(handle, {
        endpointId: endpoint.id,
        rawBody,
        signatureHeader: stripeSignatureHeader(rawBody, secret),
        contentType: 'application/json',
        logger: createLogger({ TILLFLOW_LOG_LEVEL: 'warn' }),
      });
    expect((await deliver()).status).toBe(200);
    expect((await deliver()).status).toBe(200);

    const [listed] = await caller.events.list({ projectId });
    expect(listed).toMatchObject({ eventId: event.id, type: 'charge.succeeded', deliveries: 2, duplicates: 1 });
    expect(listed.runs).toEqual([expect.objectContaining({ flowId, flowName: 'Record charges' })]);

    // The payments dashboard links a row to the events about its Stripe objects.
    expect(
      (await caller.events.list({ projectId, objectIds: ['ch_routed', 'pi_other'] })).map((e) => e.eventId),
    ).toEqual([event.id]);
    expect(await caller.events.list({ projectId, objectIds: ['ch_unrelated'] })).toEqual([]);

    const { runIds } = await caller.events.replay({ projectId, eventId: listed.id });
    expect(runIds).toHaveLength(1);
    const [again] = await caller.events.list({ projectId });
    expect(again.runs).toHaveLength(2);
    const other = await signUpBuilder(handle, 'eve');
    await expect(other.caller.events.replay({ projectId, eventId: listed.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });

    // A failed run goes back to the queue on retry.
    const runId = runIds[0];
    await executeRows(handle.db, sql`update flow_run set status = 'failed', error = 'boom' where id = ${runId}`);
    const failedList = await caller.flows.list({ projectId });
    expect(failedList.find((f) => f.id === flowId)).toMatchObject({ failureCount: 1, runCount: 2 });
    expect(await caller.flows.retryRun({ projectId, runId })).toEqual({ retried: true });
    expect((await caller.flows.run({ projectId, runId })).status).toBe('queued');
  });
});
