import { getRow, insertRow, setActionPermission } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { getRun, listRuns, startWebhookServer, startWorkers, type Workers } from '@tillflow/runtime';
import { signPayload, startSandbox } from '@tillflow/stripe-sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { refundAction } from '../src/actions/refund';
import { registerPaymentNodeExecutors } from '../src/node-executors';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, type Sandbox } from './harness';
import { startProxy } from './proxy';

// "Never goes backwards", through the real path: the sandbox signs and
// delivers, the webhook route ingests, workers run the system flows, the
// callback handlers write. A stale event is one Stripe sent earlier that
// reaches us late: here a delivery our server failed (503) and Stripe
// retried after a later event had already been applied.

const BACKEND = { kind: 'backend' } as const;

async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 40_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('stale events through the webhook route and the system flows', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  let receiver: Awaited<ReturnType<typeof startWebhookServer>>;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const workers: Workers[] = [];
  /** Event types whose deliveries our side answers 503 for now (Stripe will retry them). */
  const held = new Set<string>();

  beforeAll(async () => {
    handle = await createTestDb();
    // Retries 250 ms, 500 ms, 1 s … apart: room for the later event to be applied first.
    sandbox = await startSandbox({ port: 0, retryBaseMs: 250 });
    process.env.TILLFLOW_SANDBOX_URL = sandbox.url;
    receiver = await startWebhookServer(handle, { port: 0 });
    proxy = await startProxy(receiver.url, (req) => {
      const type = (JSON.parse(req.body || '{}') as { type?: string }).type ?? '';
      return held.has(type) ? { status: 503 } : 'forward';
    });
    process.env.PUBLIC_URL = proxy.url; // endpoints registered at activation point at the proxy
    registerPaymentNodeExecutors();
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await proxy.close();
    await receiver.close();
    await sandbox.close();
    await handle.close();
  });

  async function project() {
    const p = await createPaymentsProject(handle, sandbox);
    workers.push(await startWorkers(handle, { projectIds: [p.project.id], pollMs: 50, backoffBaseMs: 50 }));
    return { ...p, stripe: createStripeClient(p.account.secretKey, sandbox.url) };
  }

  async function finishedRunOf(projectId: number, eventId: string) {
    return eventually(async () => {
      const runs = await listRuns(handle.db, projectId, { limit: 200 });
      const run = runs.find((r) => r.eventId === eventId && r.status === 'succeeded');
      return run ? getRun(handle.db, run.id, projectId) : null;
    });
  }

  it('a payment_failed delivered after the payment succeeded leaves the payment SUCCESSFUL and the order paid', async () => {
    const { project: proj, account, alice, asUser, stripe } = await project();
    const order = await insertRow(handle.db, proj.id, asUser(alice), 'order', { title: 'Kettle', amount: 700 });
    const created = await createPaymentAction(handle, proj.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const intentId = String(
      (await getRow(handle.db, proj.id, BACKEND, 'payment', created.paymentId))?.stripe_payment_intent_id,
    );

    held.add('payment_intent.payment_failed');
    await expect(
      stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa_chargeDeclined' }),
    ).rejects.toMatchObject({ type: 'StripeCardError' });
    const [failed] = (await stripe.events.list({ type: 'payment_intent.payment_failed' })).data;
    await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
    await eventually(async () => (await getRow(handle.db, proj.id, BACKEND, 'order', order.id))?.status === 'paid');
    expect(sandbox.listDeliveries(account.accountId, { eventId: failed.id }).every((d) => d.status === 'failed')).toBe(
      true,
    ); // the decline has not reached us yet

    held.delete('payment_intent.payment_failed'); // Stripe's next retry gets through
    const run = await finishedRunOf(proj.id, failed.id);
    const callback = run?.steps.find(
      (s) => s.nodeId !== 'trigger' && (s.output as { paymentStatus?: string })?.paymentStatus,
    );
    expect(callback?.output).toMatchObject({ paymentStatus: 'SUCCESSFUL', alreadyProcessed: true });
    expect(await getRow(handle.db, proj.id, BACKEND, 'payment', created.paymentId)).toMatchObject({
      status: 'SUCCESSFUL',
      failure_reason: null,
    });
    expect((await getRow(handle.db, proj.id, BACKEND, 'order', order.id))?.status).toBe('paid');
  }, 60_000);

  it('a stale refund update (still pending) delivered after the refund finished leaves it REFUNDED and the ceiling in place', async () => {
    const { project: proj, account, alice, admin, asUser, stripe } = await project();
    await setActionPermission(handle.db, proj.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    const order = await insertRow(handle.db, proj.id, asUser(alice), 'order', { title: 'Desk', amount: 1000 });
    const created = await createPaymentAction(handle, proj.id, asUser(alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const intentId = String(
      (await getRow(handle.db, proj.id, BACKEND, 'payment', created.paymentId))?.stripe_payment_intent_id,
    );
    await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
    await eventually(
      async () => (await getRow(handle.db, proj.id, BACKEND, 'payment', created.paymentId))?.status === 'SUCCESSFUL',
    );
    const refund = await refundAction(handle, proj.id, asUser(admin), { paymentId: created.paymentId, amount: 1000 });
    await eventually(
      async () => (await getRow(handle.db, proj.id, BACKEND, 'refund', refund.refundId))?.status === 'REFUNDED',
    );

    // Stripe's update from while the refund was still pending, delivered now (as after a failed first delivery).
    const object = await stripe.refunds.retrieve(String(refund.stripeRefundId));
    const stale = {
      id: `evt_stale_${refund.refundId}_${Date.now()}`,
      object: 'event',
      type: 'refund.updated',
      created: object.created - 1,
      livemode: false,
      api_version: '2026-10-28.endive',
      data: { object: { ...object, status: 'pending' }, previous_attributes: { metadata: {} } },
    };
    const endpoint = Object.values(
      (sandbox.findAccount(account.accountId) as { data: { webhook_endpoints: Record<string, any> } }).data
        .webhook_endpoints,
    ).find((e) => e.enabled_events.includes('refund.updated'));
    const payload = JSON.stringify(stale);
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signPayload(payload, endpoint._secret) },
      body: payload,
    });
    expect(response.status).toBe(200);
    await finishedRunOf(proj.id, stale.id);

    expect((await getRow(handle.db, proj.id, BACKEND, 'refund', refund.refundId))?.status).toBe('REFUNDED');
    expect(await getRow(handle.db, proj.id, BACKEND, 'payment', created.paymentId)).toMatchObject({
      status: 'REFUNDED',
      amount_refunded: 1000,
    });
    await expect(
      refundAction(handle, proj.id, asUser(admin), { paymentId: created.paymentId, amount: 1 }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
  }, 60_000);
});
