import { queryRows } from '@tillflow/data-model';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  createRunServices,
  getRun,
  ingestStripeWebhook,
  listRuns,
  startWorkers,
  stripeSignatureHeader,
  type Workers,
} from '../src';
import {
  captureLogger,
  createHookedFlow,
  createRuntimeProject,
  ledgerFlow,
  post,
  stripeEvent,
  testLogger,
  waitFor,
} from './harness';

let handle: DbHandle;
let workers: Workers;
let projectId: number;
let hook: Awaited<ReturnType<typeof createHookedFlow>>;
const backend = { kind: 'backend' } as const;

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
  hook = await createHookedFlow(handle, projectId, ledgerFlow());
  workers = await startWorkers(createRunServices({ database: handle }), {
    concurrency: 4,
    pollMs: 50,
    projectIds: [projectId],
  });
});
afterAll(async () => {
  await workers?.stop();
  await handle?.close();
});

async function ledgerRows(eventId: string) {
  return (
    await queryRows(handle.db, projectId, backend, 'ledger', {
      filters: [{ column: 'event_id', op: 'eq', value: eventId }],
    })
  ).rows;
}
async function eventRows(eventId: string) {
  return executeRows<{ id: string; delivery_count: number }>(
    handle.db,
    sql`select id, delivery_count from stripe_event where project_id = ${projectId} and event_id = ${eventId}`,
  );
}

describe('webhook ingestion', () => {
  it('stores a valid event, answers 200 and runs its flow once', async () => {
    const event = stripeEvent('payment_intent.succeeded', { amount: 1250 });
    const response = await post(handle, hook.endpointId, hook.secret, event);
    expect(response).toMatchObject({ status: 200, body: { received: true, duplicate: false, runsQueued: 1 } });
    const [row] = await waitFor(async () => {
      const rows = await ledgerRows(event.id);
      return rows[0]?.note === 'done' ? rows : null;
    });
    expect(row.amount).toBe(2500);
    // The effect commits with its step; the run is marked succeeded just after.
    const run = await waitFor(async () =>
      (await listRuns(handle.db, projectId, { flowId: hook.flow.id })).find(
        (r) => r.eventId === event.id && r.status === 'succeeded',
      ),
    );
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1, eventType: 'payment_intent.succeeded' });
    // The queue row keeps no copy of the event: the run's trigger (amount 1250 above) is the stored event's payload.
    const [queued] = await executeRows<{ trigger_payload: unknown }>(
      handle.db,
      sql`select trigger_payload from flow_run where id = ${run.id}`,
    );
    expect(queued.trigger_payload).toBeNull();
    expect((await getRun(handle.db, run.id, projectId))?.triggerPayload).toMatchObject({ id: event.id });
  });

  it('applies the effect once when the same event arrives 5 times concurrently, recording 4 duplicates', async () => {
    const event = stripeEvent('payment_intent.succeeded', { amount: 10 });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => post(handle, hook.endpointId, hook.secret, event)),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(responses.filter((r) => r.body.duplicate === true && r.body.alreadyProcessed === true)).toHaveLength(4);
    await waitFor(async () => (await ledgerRows(event.id))[0]?.note === 'done');
    await workers.idle();
    expect(await ledgerRows(event.id)).toHaveLength(1);
    const [stored] = await eventRows(event.id);
    expect(Number(stored.delivery_count)).toBe(5);
    const deliveries = await executeRows<{ duplicate: boolean; n: number }>(
      handle.db,
      sql`select duplicate, count(*)::int as n from webhook_delivery where event_row_id = ${stored.id} group by duplicate order by duplicate`,
    );
    expect(deliveries.map((d) => [d.duplicate, Number(d.n)])).toEqual([
      [false, 1],
      [true, 4],
    ]);
    const runs = await executeRows(handle.db, sql`select id from flow_run where event_row_id = ${stored.id}`);
    expect(runs).toHaveLength(1);
  });

  it('refuses a bad signature, a stale timestamp, a malformed body (400) and a 2 MB body (413), storing nothing of them and logging each refusal', async () => {
    const { logger, lines } = captureLogger();
    process.env.TILLFLOW_QUIET_WEBHOOKS = '0'; // the harness quiets refusal lines; this test reads them
    onTestFinished(() => {
      process.env.TILLFLOW_QUIET_WEBHOOKS = '1';
    });
    const before = await executeRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from stripe_event where project_id = ${projectId}`,
    );
    const forged = stripeEvent('payment_intent.succeeded');
    expect((await post(handle, hook.endpointId, 'whsec_wrong_secret', forged, undefined, logger)).status).toBe(400);
    const stale = stripeEvent('payment_intent.succeeded');
    const staleResponse = await post(
      handle,
      hook.endpointId,
      hook.secret,
      stale,
      Math.floor(Date.now() / 1000) - 301,
      logger,
    );
    expect(staleResponse).toMatchObject({ status: 400, body: { error: 'stale_timestamp' } });
    const malformed = '{"id": "evt_1", "type": ';
    const malformedResponse = await ingestStripeWebhook(handle, {
      endpointId: hook.endpointId,
      rawBody: malformed,
      signatureHeader: stripeSignatureHeader(malformed, hook.secret),
      contentType: 'application/json',
      logger,
    });
    expect(malformedResponse).toMatchObject({ status: 400, body: { error: 'not_json' } });
    const huge = JSON.stringify({ ...stripeEvent('payment_intent.succeeded'), padding: 'x'.repeat(2 * 1024 * 1024) });
    const hugeResponse = await ingestStripeWebhook(handle, {
      endpointId: hook.endpointId,
      rawBody: huge,
      signatureHeader: stripeSignatureHeader(huge, hook.secret),
      contentType: 'application/json',
      logger,
    });
    expect(hugeResponse).toMatchObject({ status: 413, body: { error: 'body_too_large' } });
    const notAnEvent = JSON.stringify({ hello: 'world' });
    expect(
      (
        await ingestStripeWebhook(handle, {
          endpointId: hook.endpointId,
          rawBody: notAnEvent,
          signatureHeader: stripeSignatureHeader(notAnEvent, hook.secret),
          logger,
        })
      ).status,
    ).toBe(400);

    const after = await executeRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from stripe_event where project_id = ${projectId}`,
    );
    expect(Number(after[0].n)).toBe(Number(before[0].n));
    expect(await eventRows(forged.id)).toHaveLength(0);
    expect(await eventRows(stale.id)).toHaveLength(0);
    const rejections = await executeRows<{ reason: string; n: number }>(
      handle.db,
      sql`select reason, count(*)::int as n from webhook_rejection where endpoint_id = ${hook.endpointId} group by reason order by reason`,
    );
    expect(Object.fromEntries(rejections.map((r) => [r.reason, Number(r.n)]))).toEqual({
      bad_signature: 1,
      body_too_large: 1,
      not_an_event: 1,
      not_json: 1,
      stale_timestamp: 1,
    });
    // Each refusal is a line in the process's log too (endpoint, project, reason, size; never the body).
    const refused = lines.filter((l) => l.msg === 'webhook refused');
    expect(refused.map((l) => l.reason).sort()).toEqual([
      'bad_signature',
      'body_too_large',
      'not_an_event',
      'not_json',
      'stale_timestamp',
    ]);
    for (const line of refused) expect(line).toMatchObject({ level: 'warn', endpointId: hook.endpointId, projectId });
    expect(JSON.stringify(refused)).not.toContain(hook.secret);
  });

  it('refuses a signature that is right except for one hex digit at its start, middle or end, storing and running nothing', async () => {
    // Its own endpoint, so the rejection counts of the test above stay exact.
    const own = await createHookedFlow(handle, projectId, ledgerFlow());
    for (const position of [0, 31, 63]) {
      const event = stripeEvent('payment_intent.succeeded', { amount: 7 });
      const rawBody = JSON.stringify(event);
      const header = stripeSignatureHeader(rawBody, own.secret);
      const at = header.indexOf('v1=') + 3 + position;
      const flipped = header[at] === '0' ? '1' : '0';
      const nearMiss = `${header.slice(0, at)}${flipped}${header.slice(at + 1)}`;
      const response = await ingestStripeWebhook(handle, {
        endpointId: own.endpointId,
        rawBody,
        signatureHeader: nearMiss,
        contentType: 'application/json',
        logger: testLogger,
      });
      expect(response, `digit ${position} changed`).toMatchObject({ status: 400, body: { error: 'bad_signature' } });
      expect(await eventRows(event.id)).toHaveLength(0);
    }
    const runs = await listRuns(handle.db, projectId, { flowId: own.flow.id });
    expect(runs).toHaveLength(0);
  });

  it('answers 404 for an unknown endpoint and 200 (ignored) for an event type no flow listens to', async () => {
    const event = stripeEvent('payment_intent.succeeded');
    expect((await post(handle, '00000000-0000-4000-8000-000000000000', hook.secret, event)).status).toBe(404);
    expect((await post(handle, 'not-a-uuid', hook.secret, event)).status).toBe(404);
    const unknown = stripeEvent('some_future.object_did_something');
    expect(await post(handle, hook.endpointId, hook.secret, unknown)).toMatchObject({
      status: 200,
      body: { duplicate: false, runsQueued: 0 },
    });
    expect(await eventRows(unknown.id)).toHaveLength(1);
  });
  it("acknowledges and runs a stored event even when the endpoint's last delivery time cannot be written", async () => {
    const fresh = await createHookedFlow(handle, projectId, ledgerFlow());
    // The bookkeeping write fails (as when the connection drops right after the event's commit).
    await handle.db.execute(
      sql.raw(`create or replace function tf_refuse_touch() returns trigger language plpgsql as $$
        begin raise exception 'no bookkeeping today'; end $$`),
    );
    await handle.db.execute(
      sql.raw(`create trigger tf_refuse_touch before update on webhook_endpoint for each row
        when (new.id = '${fresh.endpointId}') execute function tf_refuse_touch()`),
    );
    try {
      const event = stripeEvent('payment_intent.succeeded', { amount: 700 });
      const response = await post(handle, fresh.endpointId, fresh.secret, event);
      expect(response).toMatchObject({ status: 200, body: { received: true, duplicate: false, runsQueued: 1 } });
      const rows = await waitFor(async () => {
        const found = await ledgerRows(event.id);
        return found[0]?.note === 'done' ? found : null;
      });
      expect(rows).toHaveLength(1);
      expect(await eventRows(event.id)).toHaveLength(1);
    } finally {
      await handle.db.execute(sql.raw('drop trigger tf_refuse_touch on webhook_endpoint'));
      await handle.db.execute(sql.raw('drop function tf_refuse_touch()'));
    }
  });
});

describe('what a signed body must be to count as a Stripe event', () => {
  const send = (body: string, options: { contentType?: string | null; bodyBytes?: number } = {}) =>
    ingestStripeWebhook(handle, {
      endpointId: hook.endpointId,
      rawBody: body,
      signatureHeader: stripeSignatureHeader(body, hook.secret),
      contentType: options.contentType === undefined ? 'application/json' : options.contentType,
      bodyBytes: options.bodyBytes,
      logger: testLogger,
    });
  const rejections = async () =>
    Number(
      (
        await executeRows<{ n: number }>(
          handle.db,
          sql`select count(*)::int as n from webhook_rejection where endpoint_id = ${hook.endpointId}`,
        )
      )[0].n,
    );

  it('refuses, with one rejection row each and no event stored, signed JSON that is not an event', async () => {
    const good = stripeEvent('payment_intent.succeeded', { amount: 5 });
    const cases: unknown[] = [
      null,
      [good],
      'evt',
      7,
      { ...good, id: '' },
      { ...good, id: 42 },
      { ...good, type: '' },
      { ...good, type: ['payment_intent.succeeded'] },
      { ...good, created: '1700000000' },
      { ...good, created: undefined },
      { ...good, data: undefined },
      { ...good, data: {} },
      { ...good, data: { object: null } },
      { ...good, data: { object: 'pi_1' } },
    ];
    const before = await rejections();
    for (const body of cases) {
      const response = await send(JSON.stringify(body));
      expect(response, JSON.stringify(body)).toEqual({ status: 400, body: { error: 'not_an_event' } });
    }
    expect(await rejections()).toBe(before + cases.length);
    expect(await eventRows(good.id)).toEqual([]);
    // The same event, whole, is stored.
    expect((await send(JSON.stringify(good))).status).toBe(200);
    expect(await eventRows(good.id)).toHaveLength(1);
  });

  it('reads the content type: JSON (any case, with a charset) or none is accepted; anything else is refused', async () => {
    for (const contentType of ['application/json', 'Application/JSON; charset=utf-8', null]) {
      const event = stripeEvent('payment_intent.succeeded', { amount: 6 });
      expect((await send(JSON.stringify(event), { contentType })).status, String(contentType)).toBe(200);
    }
    for (const contentType of ['text/plain', 'application/jsonp', 'x-application/json']) {
      const event = stripeEvent('payment_intent.succeeded', { amount: 7 });
      expect(await send(JSON.stringify(event), { contentType }), contentType).toEqual({
        status: 400,
        body: { error: 'not_json' },
      });
      expect(await eventRows(event.id)).toEqual([]);
    }
  });

  it('refuses a delivery whose sender said it was larger than the limit, even when the part read is small', async () => {
    const event = stripeEvent('payment_intent.succeeded', { amount: 8 });
    const body = JSON.stringify(event);
    expect(await send(body, { bodyBytes: 2 * 1024 * 1024 })).toEqual({
      status: 413,
      body: { error: 'body_too_large' },
    });
    expect(await eventRows(event.id)).toEqual([]);
    expect((await send(body, { bodyBytes: 10 })).status).toBe(200);
  });
});
