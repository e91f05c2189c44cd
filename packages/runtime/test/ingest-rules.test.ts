// What ingestion records of an event and whom it queues: live mode, the object's id and Stripe's creation time as
// given; every published flow listening on a shared endpoint gets one run with its own published version; and an
// endpoint this process cached before another process rotated its secret (or deleted it) is looked up again on the
// first signature that does not match. Written against the survivors of the 2026-12-04 Stryker runs of ingest.ts.
import { sealSecret } from '@tillflow/core';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { getTableName, sql, type Table } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createFlow,
  createWebhookEndpoint,
  findWebhookEndpoint,
  generateWebhookSecret,
  ingestStripeWebhook,
  MAX_WEBHOOK_BODY_BYTES,
  metrics,
  stripeSignatureHeader,
  webhookSecretOwner,
} from '../src';
import {
  captureLogger,
  createHookedFlow,
  createRuntimeProject,
  ledgerFlow,
  post,
  stripeEvent,
  testLogger,
  toDefinition,
} from './harness';

let handle: DbHandle;
let projectId: number;

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
});
afterAll(async () => {
  await handle?.close();
});

const storedEvent = async (eventId: string) =>
  (
    await executeRows<{ livemode: boolean; object_id: string | null; event_created: number | string }>(
      handle.db,
      sql`select livemode, object_id, event_created from stripe_event where event_id = ${eventId}`,
    )
  )[0];

describe('what ingestion records of an event', () => {
  it("keeps Stripe's live mode, the object's id and the creation time (whole seconds) as the event gives them", async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const live = { ...stripeEvent('payment_intent.succeeded'), livemode: true };
    const answer = await post(handle, hook.endpointId, hook.secret, live);
    expect(answer).toEqual({
      status: 200,
      body: { received: true, eventId: live.id, duplicate: false, alreadyProcessed: false, runsQueued: 1 },
    });
    expect(await storedEvent(live.id)).toMatchObject({ livemode: true, object_id: live.data.object.id });

    const test = stripeEvent('payment_intent.succeeded', {}, 1_700_000_000);
    const numbered = { ...test, created: 1_700_000_000.75, livemode: 'true', data: { object: { id: 42 } } };
    await post(handle, hook.endpointId, hook.secret, numbered);
    const row = await storedEvent(numbered.id);
    // Only a JSON true is live; an object id that is not a string is not an id.
    expect(row).toMatchObject({ livemode: false, object_id: null });
    expect(Number(row.event_created)).toBe(1_700_000_000);

    const [seen] = await executeRows<{ last_delivery_at: Date | string | null }>(
      handle.db,
      sql`select last_delivery_at from webhook_endpoint where id = ${hook.endpointId}`,
    );
    expect(seen.last_delivery_at).not.toBeNull();

    const again = await post(handle, hook.endpointId, hook.secret, live);
    expect(again.body).toEqual({
      received: true,
      eventId: live.id,
      duplicate: true,
      alreadyProcessed: true,
      runsQueued: 0,
    });
  });

  it("queues one run for each published system flow of the shared endpoint's purpose, each with its own version, and no other flow", async () => {
    const { endpoint, secret } = await createWebhookEndpoint(handle.db, { projectId, purpose: 'orders' });
    const listening = toDefinition({
      ...ledgerFlow(),
      trigger: { type: 'stripe_webhook', eventTypes: ['charge.refunded'] },
    });
    const made = [];
    for (const name of ['first', 'second', 'third'])
      made.push(
        await createFlow(handle.db, {
          projectId,
          name: `Shared ${name} ${endpoint.id}`,
          kind: 'system',
          systemKind: 'orders',
          definition: listening,
          publish: name !== 'third', // a draft listens to nothing
        }),
      );
    // Listening for the same event type, but not on this endpoint: a system flow of another purpose (it has a shared
    // endpoint of its own) and a custom flow (it has its own endpoint).
    const otherPurpose = await createFlow(handle.db, {
      projectId,
      name: `Refunds ${endpoint.id}`,
      kind: 'system',
      systemKind: 'refunds',
      definition: listening,
      publish: true,
    });
    const custom = await createHookedFlow(handle, projectId, {
      ...ledgerFlow(),
      trigger: { type: 'stripe_webhook', eventTypes: ['charge.refunded'] },
    });
    const event = stripeEvent('charge.refunded');
    const answer = await post(handle, endpoint.id, secret, event);
    expect(answer.body).toMatchObject({ runsQueued: 2 });
    const runs = await executeRows<{ flow_id: string; flow_version_id: string }>(
      handle.db,
      sql`select r.flow_id, r.flow_version_id from flow_run r join stripe_event e on e.id = r.event_row_id
          where e.event_id = ${event.id} order by r.flow_id`,
    );
    const published = made
      .filter((f) => 'publishedVersionId' in f && f.publishedVersionId)
      .map((f) => ({ flow_id: f.id, flow_version_id: (f as { publishedVersionId: string }).publishedVersionId }))
      .sort((a, b) => a.flow_id.localeCompare(b.flow_id));
    expect(runs).toEqual(published);
    expect(runs.map((r) => r.flow_id)).not.toContain(otherPurpose.id);
    expect(runs.map((r) => r.flow_id)).not.toContain(custom.flow.id);
    // The custom flow's own endpoint still serves it, and only it.
    const own = stripeEvent('charge.refunded');
    expect((await post(handle, custom.endpointId, custom.secret, own)).body).toMatchObject({ runsQueued: 1 });
  });
});

describe('an endpoint cached before another process changed it', () => {
  it('takes a secret rotated elsewhere at the first delivery signed with it', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    expect((await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(
      200,
    );
    // Another studio process rotates the secret: this process's cache still holds the old row.
    const rotated = generateWebhookSecret();
    await executeRows(
      handle.db,
      sql`update webhook_endpoint set secret_encrypted = ${sealSecret(rotated, webhookSecretOwner(projectId))}
          where id = ${hook.endpointId} returning id`,
    );
    const answer = await post(handle, hook.endpointId, rotated, stripeEvent('payment_intent.succeeded'));
    expect(answer).toMatchObject({ status: 200, body: { runsQueued: 1 } });
  });

  it('stops queueing runs for a flow unpublished elsewhere once the routing cache has expired (2 s)', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const first = await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
    expect(first).toMatchObject({ status: 200, body: { runsQueued: 1 } });
    // Another studio process unpublishes the flow: this process still holds the flows it found.
    await executeRows(
      handle.db,
      sql`update flow set published_version_id = null where id = ${hook.flow.id} returning id`,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const later = await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
    expect(later).toMatchObject({ status: 200, body: { runsQueued: 0 } });
  });

  it('answers an endpoint deleted elsewhere as unknown once the cache has expired, even signed with its own secret', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    expect((await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(
      200,
    );
    await executeRows(handle.db, sql`delete from flow_run where flow_id = ${hook.flow.id} returning id`);
    await executeRows(handle.db, sql`delete from webhook_endpoint where id = ${hook.endpointId} returning id`);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const answer = await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
    expect(answer.status).toBe(404);
  });

  it('answers an endpoint deleted elsewhere as unknown, not as a bad signature', async () => {
    const { endpoint } = await createWebhookEndpoint(handle.db, { projectId, purpose: 'custom' });
    expect(await findWebhookEndpoint(handle.db, endpoint.id)).not.toBeNull(); // cached here
    await executeRows(handle.db, sql`delete from webhook_endpoint where id = ${endpoint.id} returning id`);
    const answer = await post(handle, endpoint.id, generateWebhookSecret(), stripeEvent('payment_intent.succeeded'));
    expect(answer.status).toBe(404);
  });
});

/** A signed delivery of `rawBody` as ingestion receives it from the HTTP layer. */
const deliver = (
  endpointId: string,
  secret: string,
  rawBody: string,
  extra: { toleranceSec?: number; now?: number; timestamp?: number } = {},
) =>
  ingestStripeWebhook(handle, {
    endpointId,
    rawBody,
    signatureHeader: stripeSignatureHeader(rawBody, secret, extra.timestamp),
    contentType: 'application/json',
    toleranceSec: extra.toleranceSec,
    now: extra.now,
    logger: testLogger,
  });

/** An event's JSON padded with spaces (still the same JSON) to exactly `bytes` bytes. */
const padded = (event: unknown, bytes: number) => {
  const text = JSON.stringify(event);
  return `${text.slice(0, -1)}${' '.repeat(bytes - Buffer.byteLength(text))}}`;
};

describe('the body cap and the signature window', () => {
  it('takes a body of exactly the cap, refuses one byte more, and counts bytes, not characters', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const event = stripeEvent('payment_intent.succeeded');
    const atCap = padded(event, MAX_WEBHOOK_BODY_BYTES);
    expect(Buffer.byteLength(atCap)).toBe(MAX_WEBHOOK_BODY_BYTES);
    expect(await deliver(hook.endpointId, hook.secret, atCap)).toMatchObject({ status: 200, body: { runsQueued: 1 } });
    const over = padded(stripeEvent('payment_intent.succeeded'), MAX_WEBHOOK_BODY_BYTES + 1);
    expect((await deliver(hook.endpointId, hook.secret, over)).status).toBe(413);
    // Fewer characters than the cap, more bytes (each é is two): refused as too large.
    const wide = stripeEvent('payment_intent.succeeded', { description: 'é'.repeat(MAX_WEBHOOK_BODY_BYTES / 2) });
    const wideText = JSON.stringify(wide);
    expect(wideText.length).toBeLessThan(MAX_WEBHOOK_BODY_BYTES);
    expect((await deliver(hook.endpointId, hook.secret, wideText)).status).toBe(413);
  });

  it('keeps a wider signature window when the caller asks for one (300 s otherwise)', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const now = Math.floor(Date.now() / 1000);
    const body = () => JSON.stringify(stripeEvent('payment_intent.succeeded'));
    const old = { timestamp: now - 400, now };
    expect((await deliver(hook.endpointId, hook.secret, body(), old)).status).toBe(400);
    expect((await deliver(hook.endpointId, hook.secret, body(), { ...old, toleranceSec: 600 })).status).toBe(200);
    expect((await deliver(hook.endpointId, hook.secret, body(), { timestamp: now - 299, now })).status).toBe(200);
  });
});

describe('what ingestion counts and logs beside the event', () => {
  it('counts acknowledgements by whether the event was new or a duplicate', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const count = async (duplicate: string) =>
      (await metrics.webhookAcks.get()).values.find((v) => v.labels.duplicate === duplicate)?.value ?? 0;
    const [fresh, twice] = [await count('false'), await count('true')];
    const event = stripeEvent('payment_intent.succeeded');
    await post(handle, hook.endpointId, hook.secret, event);
    await post(handle, hook.endpointId, hook.secret, event);
    expect(await count('false')).toBe(fresh + 1);
    expect(await count('true')).toBe(twice + 1);
  });

  it('still acknowledges an event whose last-delivery time cannot be written, and says so naming the endpoint', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const failingUpdates = new Proxy(handle.db, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key === 'update') return () => ({ set: () => ({ where: () => Promise.reject(new Error('disk full')) }) });
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { logger, lines } = captureLogger('warn');
    const event = stripeEvent('payment_intent.succeeded');
    const answer = await post(
      { ...handle, db: failingUpdates } as DbHandle,
      hook.endpointId,
      hook.secret,
      event,
      undefined,
      logger,
    );
    expect(answer).toMatchObject({ status: 200, body: { runsQueued: 1 } });
    const warning = lines.find((l) => l.msg === 'webhook: last delivery time not recorded');
    expect(warning).toMatchObject({ level: 'warn', endpointId: hook.endpointId });
    expect(JSON.stringify(warning)).toContain('disk full');
  });
});

describe('routing deliveries that arrive together', () => {
  it('gives each delivery its own endpoint and its own flows, however many are looked up at once', async () => {
    const hooks = await Promise.all(
      ['payment_intent.succeeded', 'charge.succeeded', 'invoice.paid', 'customer.created'].map((type) =>
        createHookedFlow(handle, projectId, ledgerFlow({ trigger: { type: 'stripe_webhook', eventTypes: [type] } })),
      ),
    );
    const types = ['payment_intent.succeeded', 'charge.succeeded', 'invoice.paid', 'customer.created'];
    // Nothing cached yet: every delivery looks its endpoint and flows up while the others do.
    const events = hooks.map((_, i) => stripeEvent(types[i] as string));
    const answers = await Promise.all(hooks.map((hook, i) => post(handle, hook.endpointId, hook.secret, events[i])));
    for (const answer of answers) expect(answer).toMatchObject({ status: 200, body: { runsQueued: 1 } });
    for (const [i, hook] of hooks.entries()) {
      const runs = await executeRows<{ event_id: string }>(
        handle.db,
        sql`select e.event_id from flow_run r join stripe_event e on e.id = r.event_row_id where r.flow_id = ${hook.flow.id}`,
      );
      expect(runs.map((r) => r.event_id)).toEqual([events[i]?.id]);
    }
  });
});

/** The same database, noting the table of every `select … from` (the routing reads) and `update` ingestion builds. */
function countingReads() {
  const reads: string[] = [];
  const updates: string[] = [];
  const db = new Proxy(handle.db, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (key === 'update')
        return (table: Table) => {
          updates.push(getTableName(table));
          return value.call(target, table);
        };
      if (key !== 'select') return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => {
        const builder = value.apply(target, args);
        const from = builder.from.bind(builder);
        builder.from = (table: Table) => {
          reads.push(getTableName(table));
          return from(table);
        };
        return builder;
      };
    },
  });
  return { database: { ...handle, db } as DbHandle, reads, updates };
}

describe('the routing cache', () => {
  // The clock stands still here, so the entries stay fresh however slowly a loaded machine runs the deliveries.
  afterEach(() => vi.restoreAllMocks());
  const freezeClock = () => vi.spyOn(Date, 'now').mockReturnValue(Date.now());

  it('reads an endpoint and its flows once for a burst of deliveries, and not again while they are fresh (2 s)', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow()); // clears the cache
    const { database, reads } = countingReads();
    freezeClock();
    const burst = Array.from({ length: 5 }, () => stripeEvent('payment_intent.succeeded'));
    const answers = await Promise.all(burst.map((event) => post(database, hook.endpointId, hook.secret, event)));
    for (const answer of answers) expect(answer).toMatchObject({ status: 200, body: { runsQueued: 1 } });
    expect(reads).toEqual(['webhook_endpoint', 'flow']);
    // Later deliveries of the same type, and one of a type no flow listens for (its flows are looked up once).
    await post(database, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
    await post(database, hook.endpointId, hook.secret, stripeEvent('customer.created'));
    await post(database, hook.endpointId, hook.secret, stripeEvent('customer.created'));
    expect(reads).toEqual(['webhook_endpoint', 'flow', 'flow']);
  });

  it("writes an endpoint's last delivery time once for a burst of deliveries, not once per delivery (5 s)", async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const { database, updates } = countingReads();
    freezeClock();
    const burst = Array.from({ length: 4 }, () => stripeEvent('payment_intent.succeeded'));
    for (const event of burst) await post(database, hook.endpointId, hook.secret, event);
    expect(updates).toEqual(['webhook_endpoint']);
    const [row] = await executeRows<{ last_delivery_at: string | null }>(
      handle.db,
      sql`select last_delivery_at from webhook_endpoint where id = ${hook.endpointId}`,
    );
    expect(row?.last_delivery_at).not.toBeNull();
  });

  it('reads the endpoint afresh on a signature it does not accept, and only the endpoint (the flows stay cached)', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const { database, reads } = countingReads();
    freezeClock();
    expect((await post(database, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(
      200,
    );
    const forged = await post(database, hook.endpointId, 'whsec_not_ours', stripeEvent('payment_intent.succeeded'));
    expect(forged.status).toBe(400);
    expect(reads).toEqual(['webhook_endpoint', 'flow', 'webhook_endpoint']);
    // The flows read before stay cached: the next good delivery reads nothing.
    expect((await post(database, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(
      200,
    );
    expect(reads).toHaveLength(3);
    // Signed with our secret but too long ago: refused without another read (no rotation explains an old timestamp).
    const tenMinutesAgo = Math.floor(Date.now() / 1000) - 600;
    const stale = await post(
      database,
      hook.endpointId,
      hook.secret,
      stripeEvent('payment_intent.succeeded'),
      tenMinutesAgo,
    );
    expect(stale.status).toBe(400);
    expect(reads).toHaveLength(3);
  });
});
