import { getRow, insertRow } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { createFlow, listRuns, startWebhookServer, startWorkers, type Workers } from '@tillflow/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { ensureFlowEndpoint, removeFlowEndpoint } from '../src/custom-endpoints';
import { endpointHealth } from '../src/endpoints';
import { runPaymentsMaintenance } from '../src/maintenance';
import { reconcileFromStripe } from '../src/reconcile';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, type Sandbox, startEnvironment, testServices } from './harness';

const BACKEND = { kind: 'backend' } as const;

describe('reconciliation with Stripe', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  let receiver: Awaited<ReturnType<typeof startWebhookServer>>;
  let workers: Workers;

  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
    receiver = await startWebhookServer(handle, { port: 0 });
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
    const paymentEndpoint = (await endpointHealth(handle, project.id)).find((e) => e.purpose === 'StripePayment');
    await stripe.webhookEndpoints.del(String(paymentEndpoint?.stripeEndpointId));

    const order = await insertRow(handle.db, project.id, asUser(alice), 'order', { title: 'Lost', amount: 1100 });
    const created = await createPaymentAction(handle, project.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const payment = await getRow(handle.db, project.id, BACKEND, 'payment', created.paymentId);
    await stripe.paymentIntents.confirm(String(payment?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    await sandbox.waitForDeliveries();
    expect((await getRow(handle.db, project.id, BACKEND, 'payment', created.paymentId))?.status).toBe('PENDING');

    const first = await reconcileFromStripe(handle, project.id);
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

    const second = await reconcileFromStripe(handle, project.id);
    expect(second.recovered).toBe(0);
    expect(second.checked).toBe(first.checked);

    // The scheduled maintenance repairs the deleted endpoint without anyone pressing a button.
    const report = await runPaymentsMaintenance(handle, { projectIds: [project.id] });
    expect(report).toEqual([{ projectId: project.id, recovered: 0, fixed: 0 }]);
    expect((await endpointHealth(handle, project.id)).every((e) => e.registered)).toBe(true);
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
    await ensureFlowEndpoint(handle, project.id, { id: flow.id, events: ['charge.succeeded'] });
    // payment_intent.succeeded is also a StripePayment event: each endpoint must still run its own flows.
    await ensureFlowEndpoint(handle, project.id, {
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

    await removeFlowEndpoint(handle, project.id, flow.id);
    expect((await stripe.webhookEndpoints.list({ limit: 100 })).data).toHaveLength(5);
    await custom.stop();
  });
});
