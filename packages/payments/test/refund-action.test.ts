import { getRow, insertRow, queryRows, setActionPermission, updateRows } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { refundAction } from '../src/actions/refund';
import {
  paidPaymentIntent,
  paymentServices,
  type Sandbox,
  type SentCall,
  startEnvironment,
  watchedServices,
} from './harness';

// The refund action on its own, against the sandbox: what it reserves on our side, what it asks Stripe for, and
// what it refuses (and in which words). The ceiling under real concurrency is refund-lock.test.ts (PostgreSQL); a
// retried call's idempotency key is refund-retry.test.ts. This file is what `npm run test:mutation` counts for
// actions/refund.ts.

const BACKEND = { kind: 'backend' } as const;
let handle: DbHandle;
let sandbox: Sandbox;

beforeAll(async () => {
  ({ handle, sandbox } = await startEnvironment());
});
afterAll(async () => {
  await sandbox?.close();
  await handle?.close();
});

async function paid(amount = 1000) {
  const p = await paidPaymentIntent(handle, sandbox, amount);
  const refund = (input: { amount?: number; reason?: string; paymentId?: number | string }) =>
    refundAction(paymentServices(handle), p.project.id, p.asUser(p.admin), { paymentId: p.paymentId, ...input });
  const refundRow = async (id: number): Promise<Record<string, unknown>> =>
    (await getRow(handle.db, p.project.id, BACKEND, 'refund', id)) ?? {};
  const refundsAtStripe = async () => (await p.stripe.refunds.list({ payment_intent: p.intentId })).data;
  return { ...p, refund, refundRow, refundsAtStripe };
}

describe('the refund action', () => {
  it('reserves the amount on a row of its own, asks Stripe with our ids, and with no amount named refunds what remains', async () => {
    const p = await paid(1000);
    const first = await p.refund({ amount: 300, reason: 'requested_by_customer' });
    expect(first).toMatchObject({
      refundId: expect.any(Number),
      status: 'PENDING',
      stripeRefundId: expect.stringMatching(/^re_/),
      remaining: 700,
      amount: 300,
      currency: 'usd',
    });
    expect(await p.refundRow(first.refundId)).toMatchObject({
      payment_id: p.paymentId,
      livemode: false,
      payer: p.alice.id,
      amount: 300,
      currency: 'usd',
      reason: 'requested_by_customer',
      status: 'PENDING',
      stripe_refund_id: first.stripeRefundId,
    });
    const atStripe = await p.stripe.refunds.retrieve(String(first.stripeRefundId));
    expect(atStripe).toMatchObject({
      amount: 300,
      payment_intent: p.intentId,
      reason: 'requested_by_customer',
      metadata: {
        tillflow_refund_id: String(first.refundId),
        tillflow_payment_id: String(p.paymentId),
        tillflow_project_id: String(p.project.id),
      },
    });
    expect(atStripe.metadata).not.toHaveProperty('reason');

    const rest = await p.refund({});
    expect(rest).toMatchObject({ amount: 700, remaining: 0, status: 'PENDING' });
    expect((await p.refundRow(rest.refundId)).reason).toBeNull();
    expect((await p.refundsAtStripe()).map((r) => r.amount).sort()).toEqual([300, 700]);

    await expect(p.refund({ amount: 1 })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'This payment has been refunded in full already.',
      fieldErrors: { amount: 'At most $0.00.' },
    });
    // with no amount named, what remains is nothing: refused by our ceiling, not sent to Stripe as a refund of 0
    await expect(p.refund({})).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'This payment has been refunded in full already.',
    });
    expect(await p.refundsAtStripe()).toHaveLength(2);
    expect((await queryRows(handle.db, p.project.id, BACKEND, 'refund', {})).rows).toHaveLength(2);
  });

  it('takes the payment by our id or Stripe’s PaymentIntent id, found only among the payments the caller may read', async () => {
    const p = await paid(1000);
    const made = await p.refund({ paymentId: p.intentId, amount: 400 });
    expect(await p.refundRow(made.refundId)).toMatchObject({ payment_id: p.paymentId, amount: 400 });
    // Bob may refund but reads only his own payments: Alice's intent id names nothing for him.
    await setActionPermission(handle.db, p.project.id, { role: 'user', action: 'stripe.refund', allowed: true });
    const asBob = (paymentId: number | string) =>
      refundAction(paymentServices(handle), p.project.id, p.asUser(p.bob), { paymentId, amount: 100 });
    await expect(asBob(p.intentId)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'No payment with that Stripe id.',
      fieldErrors: { paymentId: 'Not found.' },
    });
    // Nor does its id of ours: a role allowed to refund refunds only payments it may read.
    await expect(asBob(p.paymentId)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: `Payment ${p.paymentId} was not found.`,
      fieldErrors: { paymentId: 'Not found.' },
    });
    await expect(asBob('ch_not_an_intent')).rejects.toMatchObject({
      code: 'VALIDATION',
      fieldErrors: { paymentId: 'A payment is named by its id or by Stripe’s PaymentIntent id (pi_…).' },
    });
    expect((await p.refundsAtStripe()).map((r) => r.amount)).toEqual([400]);
  });

  it('a reason in the shop’s own words stays on our row and in the metadata, and Stripe gets no reason code', async () => {
    const p = await paid(1000);
    const made = await p.refund({ amount: 100, reason: '  Arrived broken  ' });
    expect((await p.refundRow(made.refundId)).reason).toBe('Arrived broken');
    const atStripe = await p.stripe.refunds.retrieve(String(made.stripeRefundId));
    expect(atStripe.reason).toBeNull();
    expect(atStripe.metadata).toMatchObject({ reason: 'Arrived broken', tillflow_refund_id: String(made.refundId) });
  });

  it('refuses more than remains, naming what remains in major units, and sends nothing to Stripe', async () => {
    const p = await paid(1000);
    await p.refund({ amount: 990 });
    await expect(p.refund({ amount: 11 })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'Only $0.10 of this payment remains refundable.',
      fieldErrors: { amount: 'At most $0.10.' },
    });
    // exactly what remains is allowed
    expect(await p.refund({ amount: 10 })).toMatchObject({ amount: 10, remaining: 0 });
    expect((await p.refundsAtStripe()).map((r) => r.amount).sort((a, b) => a - b)).toEqual([10, 990]);
  });

  it('refuses amounts that are not whole minor units above zero, on the amount field', async () => {
    const p = await paid(1000);
    await expect(p.refund({ amount: 1.5 })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'The refund amount is in minor units and must be a whole number.',
      fieldErrors: { amount: 'The refund amount is in minor units and must be a whole number.' },
    });
    await expect(p.refund({ amount: 0 })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'The refund amount must be greater than zero.',
      fieldErrors: { amount: 'The refund amount must be greater than zero.' },
    });
    expect(await p.refundsAtStripe()).toHaveLength(0);
    const { rows } = await queryRows(handle.db, p.project.id, BACKEND, 'refund', {});
    expect(rows).toHaveLength(0);
  });

  it('only a successful payment can be refunded: an unpaid one is refused before anything is reserved', async () => {
    const p = await paid(1000);
    const order = await insertRow(
      handle.db,
      p.project.id,
      p.asUser(p.alice),
      'order',
      { title: 'Chair' },
      { serverValues: { amount: 500 } },
    );
    const unpaid = await createPaymentAction(paymentServices(handle), p.project.id, p.asUser(p.alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    await expect(
      refundAction(paymentServices(handle), p.project.id, p.asUser(p.admin), {
        paymentId: unpaid.paymentId,
        amount: 100,
      }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'Only a successful payment can be refunded (this one is PENDING).',
    });
    const { rows } = await queryRows(handle.db, p.project.id, BACKEND, 'refund', {});
    expect(rows).toHaveLength(0);
  });

  it('a refund that failed frees its amount; one Stripe refuses is recorded FAILED with Stripe’s words and reserves nothing', async () => {
    const p = await paid(1000);
    const first = await p.refund({ amount: 400 });
    // Stripe later reports it failed (the refund callback marks it so): its 400 is refundable again on our side
    await updateRows(handle.db, p.project.id, BACKEND, 'refund', [{ column: 'id', op: 'eq', value: first.refundId }], {
      status: 'FAILED',
    });
    const kept = await p.refund({ amount: 100 });
    // our ceiling lets 900 through now; the sandbox still holds the first refund as made, so Stripe refuses it
    const refused = await p.refund({ amount: 900 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/^Stripe refused the request:/),
    });
    const { rows } = await queryRows(handle.db, p.project.id, BACKEND, 'refund', {
      filters: [{ column: 'amount', op: 'eq', value: 900 }],
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'FAILED', failure_reason: expect.stringMatching(/^Stripe refused/) });
    expect(rows[0].stripe_refund_id ?? null).toBeNull();
    // only the refused refund's row is marked: the refund made before it stays as it was
    expect((await p.refundRow(kept.refundId)).status).toBe('PENDING');
    // neither failed row reserves anything: 500 (what Stripe still holds) can be refunded
    expect(await p.refund({ amount: 500 })).toMatchObject({ amount: 500, remaining: 400 });
  });

  it('records the project’s mode on the refund row, and asks Stripe under a key naming that row', async () => {
    const p = await paid(1000);
    const sent: SentCall[] = [];
    const refundIn = (mode: 'test' | 'live', amount: number) =>
      refundAction(
        watchedServices(handle, { calls: ['refunds.create'], sent, mode }),
        p.project.id,
        p.asUser(p.admin),
        {
          paymentId: p.paymentId,
          amount,
        },
      );
    const test = await refundIn('test', 100);
    const live = await refundIn('live', 200);
    expect((await p.refundRow(test.refundId)).livemode).toBe(false);
    expect((await p.refundRow(live.refundId)).livemode).toBe(true);
    const keys = sent.map((s) => (s.args[1] as { idempotencyKey?: string }).idempotencyKey);
    expect(keys).toEqual([
      `tillflow-refund-${p.project.id}-${test.refundId}`,
      `tillflow-refund-${p.project.id}-${live.refundId}`,
    ]);
  });
});
