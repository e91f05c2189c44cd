import { createLogger, sealSecret } from '@tillflow/core';
import { getRow, insertRow } from '@tillflow/data-model';
import { type DbHandle, paymentSettings, stripeEvents, webhookEndpoints } from '@tillflow/db';
import { createFlow, listRuns, startWebhookServer, startWorkers, type Workers } from '@tillflow/runtime';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { ensureFlowEndpoint, removeFlowEndpoint } from '../src/custom-endpoints';
import { endpointHealth } from '../src/endpoints';
import { runPaymentsMaintenance } from '../src/maintenance';
import { reconcileFromStripe } from '../src/reconcile';
import { stripeKeyOwner } from '../src/settings';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, paymentServices, type Sandbox, startEnvironment, testServices } from './harness';

// The process's logger these tests hand in (JSON lines on stdout, warnings and errors only).
const testLogger = createLogger({ TILLFLOW_LOG_LEVEL: 'warn' });

const BACKEND = { kind: 'backend' } as const;

describe('reconciliation with Stripe', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  let receiver: Awaited<ReturnType<typeof startWebhookServer>>;
  let workers: Workers;

  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
    receiver = await startWebhookServer(handle, { port: 0, logger: testLogger });
    process.env.PUBLIC_URL = receiver.url;
  });
  afterAll(async () => {
    await workers?.stop();
    await receiver.close();
    await sandbox.close();
    await handle.close();
  });

  it('recovers a payment whose webhook never arrived, runs its flow, and is idempotent', async () => {
    const { project, alice, asUser, account } = await createPaymentsProject(handle, sandbox);
    workers = await startWorkers(testServices(handle), { projectIds: [project.id], pollMs: 50 });
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    // The payment endpoint is deleted in Stripe: its events are never delivered.
    const paymentEndpoint = (await endpointHealth(paymentServices(handle), project.id)).find(
      (e) => e.purpose === 'StripePayment',
    );
    await stripe.webhookEndpoints.del(String(paymentEndpoint?.stripeEndpointId));

    const order = await insertRow(
      handle.db,
      project.id,
      asUser(alice),
      'order',
      { title: 'Lost' },
      { serverValues: { amount: 1100 } },
    );
    const created = await createPaymentAction(paymentServices(handle), project.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const payment = await getRow(handle.db, project.id, BACKEND, 'payment', created.paymentId);
    await stripe.paymentIntents.confirm(String(payment?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    await sandbox.waitForDeliveries();
    expect((await getRow(handle.db, project.id, BACKEND, 'payment', created.paymentId))?.status).toBe('PENDING');

    const first = await reconcileFromStripe(paymentServices(handle), project.id);
    expect(first.recovered).toBeGreaterThan(0);
    await workers.idle();
    const deadline = Date.now() + 10_000;
    while (
      (await getRow(handle.db, project.id, BACKEND, 'order', order.id))?.status !== 'paid' &&
      Date.now() < deadline
    )
      await new Promise((r) => setTimeout(r, 50));
    expect((await getRow(handle.db, project.id, BACKEND, 'payment', created.paymentId))?.status).toBe('SUCCESSFUL');
    expect((await getRow(handle.db, project.id, BACKEND, 'order', order.id))?.status).toBe('paid');

    const second = await reconcileFromStripe(paymentServices(handle), project.id);
    expect(second.recovered).toBe(0);
    expect(second.checked).toBe(first.checked);

    // The scheduled maintenance repairs the deleted endpoint without anyone pressing a button.
    const report = await runPaymentsMaintenance(paymentServices(handle), { projectIds: [project.id] });
    expect(report).toEqual([{ projectId: project.id, recovered: 0, fixed: 0 }]);
    expect((await endpointHealth(paymentServices(handle), project.id)).every((e) => e.registered)).toBe(true);
  });

  it('a custom flow gets its own endpoint with only its events; publishing again reuses it', async () => {
    const { project, account } = await createPaymentsProject(handle, sandbox);
    const custom = await startWorkers(testServices(handle), { projectIds: [project.id], pollMs: 50 });
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    const flow = await createFlow(handle.db, {
      projectId: project.id,
      name: 'Charge log',
      kind: 'custom',
      definition: {
        trigger: { kind: 'stripe_webhook', events: ['charge.succeeded', 'payment_intent.succeeded'] },
        graph: {
          nodes: [
            { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
            {
              id: 'note',
              type: 'set_variables',
              config: { variables: { charge: '{{ trigger.data.object.id }}' } },
              position: { x: 0, y: 100 },
            },
          ],
          edges: [{ id: 'e1', source: 'trigger', target: 'note' }],
        },
      },
      publish: true,
    });
    await ensureFlowEndpoint(paymentServices(handle), project.id, { id: flow.id, events: ['charge.succeeded'] });
    // payment_intent.succeeded is also a StripePayment event: each endpoint must still run its own flows.
    await ensureFlowEndpoint(paymentServices(handle), project.id, {
      id: flow.id,
      events: ['charge.succeeded', 'payment_intent.succeeded'],
    });
    const remote = (await stripe.webhookEndpoints.list({ limit: 100 })).data;
    expect(remote).toHaveLength(6); // five system endpoints (incl. disputes) + the custom flow's
    const mine = remote.find((r) => r.metadata?.tillflow_flow_id === flow.id);
    expect([...(mine?.enabled_events ?? [])].sort()).toEqual(['charge.succeeded', 'payment_intent.succeeded']);

    const intent = await stripe.paymentIntents.create({
      amount: 500,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect(intent.status).toBe('succeeded');
    await sandbox.waitForDeliveries();
    const deadline = Date.now() + 10_000;
    let runs = await listRuns(handle.db, project.id, { flowId: flow.id });
    while (runs.filter((r) => r.status === 'succeeded').length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      runs = await listRuns(handle.db, project.id, { flowId: flow.id });
    }
    expect(runs.filter((r) => r.status === 'succeeded')).toHaveLength(2);
    const systemRuns = await listRuns(handle.db, project.id, {});
    expect(systemRuns.length).toBeGreaterThan(2); // StripePayment ran on its own endpoint's copy too

    await removeFlowEndpoint(paymentServices(handle), project.id, flow.id);
    expect((await stripe.webhookEndpoints.list({ limit: 100 })).data).toHaveLength(5);
    await custom.stop();
  });

  it('recovers only the events an endpoint of ours listens for, oldest first, within the window asked for; a rejected key is said in words', async () => {
    const { project, alice, asUser, account } = await createPaymentsProject(handle, sandbox);
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    // Every endpoint deleted in Stripe: nothing is delivered, everything must come from reconciliation.
    for (const endpoint of (await stripe.webhookEndpoints.list({ limit: 100 })).data)
      await stripe.webhookEndpoints.del(endpoint.id);
    const order = await insertRow(
      handle.db,
      project.id,
      asUser(alice),
      'order',
      { title: 'Missed' },
      { serverValues: { amount: 900 } },
    );
    const created = await createPaymentAction(paymentServices(handle), project.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const payment = await getRow(handle.db, project.id, BACKEND, 'payment', created.paymentId);
    await stripe.paymentIntents.confirm(String(payment?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    await stripe.refunds.create({ payment_intent: String(payment?.stripe_payment_intent_id), amount: 300 });

    // a window that starts after everything happened finds nothing
    const later = Math.floor(Date.now() / 1000) + 3600;
    expect(await reconcileFromStripe(paymentServices(handle), project.id, { sinceSeconds: later })).toEqual({
      checked: 0,
      recovered: 0,
    });

    const everything = (await stripe.events.list({ limit: 100 })).data; // newest first, as Stripe lists
    const ours = await handle.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.projectId, project.id));
    const listened = new Set(ours.flatMap((e) => e.enabledEvents));
    const relevant = everything.filter((e) => listened.has(e.type));
    expect(relevant.length).toBeGreaterThan(2); // paid, then part refunded: the order they are applied in matters
    expect(everything.length).toBeGreaterThan(relevant.length); // e.g. customer.created: no endpoint of ours wants it

    const since = Math.min(...everything.map((e) => e.created));
    expect(await reconcileFromStripe(paymentServices(handle), project.id, { sinceSeconds: since })).toEqual({
      checked: relevant.length,
      recovered: relevant.length,
    });
    const stored = await handle.db
      .select({ eventId: stripeEvents.eventId })
      .from(stripeEvents)
      .where(eq(stripeEvents.projectId, project.id))
      .orderBy(asc(stripeEvents.receivedAt));
    // stored (and queued) oldest first, as Stripe would have delivered them; nothing it was not asked for
    expect(stored.map((r) => r.eventId)).toEqual([...relevant].reverse().map((e) => e.id));

    // the key was revoked at Stripe: the reconciliation says so instead of reporting nothing missed
    await handle.db
      .update(paymentSettings)
      .set({ secretKeyEncrypted: sealSecret('sk_test_revoked0000000000', stripeKeyOwner(project.id)) })
      .where(eq(paymentSettings.projectId, project.id));
    await expect(reconcileFromStripe(paymentServices(handle), project.id)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/secret key was rejected/),
    });
  });
});
