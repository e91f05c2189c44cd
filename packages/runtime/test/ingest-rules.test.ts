// What ingestion records of an event and whom it queues: live mode, the object's id and Stripe's creation time as
// given; every published flow listening on a shared endpoint gets one run with its own published version; and an
// endpoint this process cached before another process rotated its secret (or deleted it) is looked up again on the
// first signature that does not match. Written against the survivors of the 2026-12-04 Stryker runs of ingest.ts.
import { sealSecret } from '@tillflow/core';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFlow,
  createWebhookEndpoint,
  type FlowDefinition,
  findWebhookEndpoint,
  generateWebhookSecret,
  webhookSecretOwner,
} from '../src';
import { createHookedFlow, createRuntimeProject, ledgerFlow, post, stripeEvent, toDefinition } from './harness';

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

  it('queues one run for each published flow listening on a shared endpoint, each with its own version', async () => {
    const { endpoint, secret } = await createWebhookEndpoint(handle.db, { projectId, purpose: 'orders' });
    const made = [];
    for (const name of ['first', 'second', 'third']) {
      const listening = toDefinition({
        ...ledgerFlow(),
        trigger: { type: 'stripe_webhook', eventTypes: ['charge.refunded'] },
      });
      // A system flow names the shared endpoint it listens on in its trigger.
      const definition = {
        ...listening,
        trigger: { ...listening.trigger, endpointId: endpoint.id },
      } as unknown as FlowDefinition;
      made.push(
        await createFlow(handle.db, {
          projectId,
          name: `Shared ${name} ${endpoint.id}`,
          kind: 'system',
          systemKind: 'orders',
          definition,
          publish: name !== 'third', // a draft listens to nothing
        }),
      );
    }
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

  it('answers an endpoint deleted elsewhere as unknown, not as a bad signature', async () => {
    const { endpoint } = await createWebhookEndpoint(handle.db, { projectId, purpose: 'custom' });
    expect(await findWebhookEndpoint(handle.db, endpoint.id)).not.toBeNull(); // cached here
    await executeRows(handle.db, sql`delete from webhook_endpoint where id = ${endpoint.id} returning id`);
    const answer = await post(handle, endpoint.id, generateWebhookSecret(), stripeEvent('payment_intent.succeeded'));
    expect(answer.status).toBe(404);
  });
});
