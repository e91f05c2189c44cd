import { createLogger } from '@tillflow/core';
import { queryRows } from '@tillflow/data-model';
import { type DbHandle, executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createFlow,
  createRunServices,
  FlowConflictError,
  FlowValidationError,
  invalidateRoutingCache,
  listFlowVersions,
  publishFlow,
  rotateWebhookEndpointSecret,
  saveFlowDraft,
  startWebhookServer,
  startWorkers,
  stripeSignatureHeader,
  type Workers,
} from '../src';
import { createHookedFlow, createRuntimeProject, ledgerFlow, stripeEvent, toDefinition, waitFor } from './harness';

// The process's logger these tests hand in (JSON lines on stdout, warnings and errors only).
const testLogger = createLogger({ TILLFLOW_LOG_LEVEL: 'warn' });

let handle: DbHandle;
let workers: Workers;
let server: Awaited<ReturnType<typeof startWebhookServer>>;
let projectId: number;

beforeAll(async () => {
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
  workers = await startWorkers(createRunServices({ database: handle }), { pollMs: 30, projectIds: [projectId] });
  server = await startWebhookServer(handle, { logger: testLogger });
});
afterAll(async () => {
  await server?.close();
  await workers?.stop();
  await handle?.close();
});

function send(endpointId: string, body: string, headers: Record<string, string>) {
  return fetch(`${server.url}/api/hooks/stripe/${endpointId}`, { method: 'POST', body, headers });
}

describe('webhook route over HTTP', () => {
  it('acknowledges signed events, refuses bad ones, and runs the flow once for 5 concurrent deliveries', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const event = stripeEvent('payment_intent.succeeded', { amount: 5 });
    const body = JSON.stringify(event);
    const headers = {
      'content-type': 'application/json',
      'stripe-signature': stripeSignatureHeader(body, hook.secret),
    };
    const responses = await Promise.all(Array.from({ length: 5 }, () => send(hook.endpointId, body, headers)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { duplicate: boolean }[];
    expect(bodies.filter((b) => b.duplicate)).toHaveLength(4);
    await waitFor(async () => {
      const rows = (
        await queryRows(handle.db, projectId, { kind: 'backend' }, 'ledger', {
          filters: [{ column: 'event_id', op: 'eq', value: event.id }],
        })
      ).rows;
      return rows.length === 1 && rows[0].note === 'done';
    });

    const bad = await send(hook.endpointId, body, {
      ...headers,
      'stripe-signature': stripeSignatureHeader(body, 'whsec_nope'),
    });
    expect(bad.status).toBe(400);
    const huge = JSON.stringify({ ...stripeEvent('payment_intent.succeeded'), pad: 'x'.repeat(2 * 1024 * 1024) });
    const tooBig = await send(hook.endpointId, huge, {
      ...headers,
      'stripe-signature': stripeSignatureHeader(huge, hook.secret),
    });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.json()).toEqual({ error: 'body_too_large' });
    expect((await fetch(`${server.url}/api/hooks/stripe/${hook.endpointId}`)).status).toBe(404);
  });

  it('accepts the previous secret during a rotation overlap only', async () => {
    const hook = await createHookedFlow(handle, projectId, ledgerFlow());
    const { secret: next } = await rotateWebhookEndpointSecret(handle.db, projectId, hook.endpointId, undefined, 60);
    const signedBy = async (secret: string) => {
      const body = JSON.stringify(stripeEvent('payment_intent.succeeded', { amount: 1 }));
      return (
        await send(hook.endpointId, body, {
          'content-type': 'application/json',
          'stripe-signature': stripeSignatureHeader(body, secret),
        })
      ).status;
    };
    expect(await signedBy(hook.secret)).toBe(200);
    expect(await signedBy(next)).toBe(200);
    await handle.db.execute(
      sql`update webhook_endpoint set previous_secret_expires_at = now() - interval '1 second' where id = ${hook.endpointId}`,
    );
    invalidateRoutingCache(); // endpoints are cached for 2 s; the SQL above bypassed the API that clears it
    expect(await signedBy(hook.secret)).toBe(400);
    expect(await signedBy(next)).toBe(200);
  });
});

describe('flow drafts and versions', () => {
  it('saves drafts with optimistic concurrency and publishes numbered versions', async () => {
    const flow = await createFlow(handle.db, {
      projectId,
      name: 'Versions',
      kind: 'custom',
      definition: toDefinition(ledgerFlow()),
    });
    expect(flow.publishedVersionId).toBeNull();
    const revision = await saveFlowDraft(
      handle.db,
      flow.id,
      toDefinition(ledgerFlow({ trigger: { type: 'stripe_webhook', eventTypes: ['charge.succeeded'] } })),
      flow.draftRevision,
    );
    expect(revision).toBe(flow.draftRevision + 1);
    const stale = await saveFlowDraft(handle.db, flow.id, toDefinition(ledgerFlow()), flow.draftRevision).catch(
      (e: unknown) => e,
    );
    expect(stale).toBeInstanceOf(FlowConflictError);
    expect((stale as FlowConflictError).currentRevision).toBe(revision);
    const broken = toDefinition(ledgerFlow({ edges: [] })); // 'update' reads nodes that no longer run before it
    const brokenRevision = await saveFlowDraft(handle.db, flow.id, broken, revision);
    const refused = await publishFlow(handle.db, flow.id, 'builder-1').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(FlowValidationError);
    expect((refused as FlowValidationError).issues).toContainEqual(
      expect.objectContaining({ nodeId: 'update', field: 'values.amount' }),
    );
    await saveFlowDraft(handle.db, flow.id, toDefinition(ledgerFlow()), brokenRevision);
    const v1 = await publishFlow(handle.db, flow.id, 'builder-1');
    const v2 = await publishFlow(handle.db, flow.id, 'builder-1');
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect((await listFlowVersions(handle.db, flow.id)).map((v) => v.version)).toEqual([2, 1]);
    const [row] = await executeRows<{ published_version_id: string }>(
      handle.db,
      sql`select published_version_id from flow where id = ${flow.id}`,
    );
    expect(row.published_version_id).toBe(v2.id);
  });
});
