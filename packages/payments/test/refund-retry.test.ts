import { getRow } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refundAction } from '../src/actions/refund';
import { paidPaymentIntent, paymentServices, type Sandbox, startEnvironment } from './harness';
import { type ProxiedRequest, startProxy } from './proxy';

// "Retries are idempotent": the refund call carries an idempotency key derived
// from our refund row, so whatever sends that refund again (the SDK's own
// network retry here; any later re-send of the same row) makes no second
// refund at Stripe. The proxy between the SDK and the sandbox lets the first
// refund request through and loses its answer, as a dropped connection would.

describe('a refund call retried over the network', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  let proxy: Awaited<ReturnType<typeof startProxy>>;
  const refundRequests: ProxiedRequest[] = [];

  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
    proxy = await startProxy(sandbox.url, (req) => {
      if (req.method !== 'POST' || !req.path.startsWith('/v1/refunds')) return 'forward';
      refundRequests.push(req);
      return refundRequests.length === 1 ? 'drop-response' : 'forward';
    });
    process.env.TILLFLOW_SANDBOX_URL = proxy.url; // projects on the sandbox now reach it through the proxy
  });
  afterAll(async () => {
    await proxy.close();
    await sandbox.close();
    await handle.close();
  });

  it('reaches Stripe twice with the same key of ours and makes one refund', async () => {
    const { project, admin, asUser, paymentId, intentId, stripe } = await paidPaymentIntent(handle, sandbox, 1000);

    const refund = await refundAction(paymentServices(handle), project.id, asUser(admin), { paymentId, amount: 400 });

    expect(refundRequests).toHaveLength(2); // the first answer was lost, the SDK sent it again
    const keys = refundRequests.map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual([
      `tillflow-refund-${project.id}-${refund.refundId}`,
      `tillflow-refund-${project.id}-${refund.refundId}`,
    ]);
    const atStripe = await stripe.refunds.list({ payment_intent: intentId });
    expect(atStripe.data.map((r) => r.amount)).toEqual([400]);
    expect(refund.stripeRefundId).toBe(atStripe.data[0].id);
    expect(
      (await getRow(handle.db, project.id, { kind: 'backend' }, 'refund', refund.refundId))?.stripe_refund_id,
    ).toBe(atStripe.data[0].id);
  });
});
