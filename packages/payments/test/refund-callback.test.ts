import { getRow, insertRow, queryRows, updateRows } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { handlePaymentEvent } from '../src/callbacks/payment';
import { handleRefundEvent } from '../src/callbacks/refund';
import { paidPaymentIntent, paymentServices, type Sandbox, startEnvironment } from './harness';

// The refund callback handler on its own, fed refund events built here (each field set by the test):
// what it writes to the refund and payment rows and what it tells the flow. Through the webhook route
// and workers the same rules are checked in stale-events, refund-lifecycle and webhook-flows; this file
// pins each field and is what `npm run test:mutation` uses for callbacks/refund.ts.

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

let sequence = 0;
/** A payment of 1000 that Alice paid, and helpers to feed refund events about it. */
async function paid() {
  const p = await paidPaymentIntent(handle, sandbox, 1000);
  const refundEvent = (
    type: string,
    refund: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ): Record<string, unknown> => ({
    id: `evt_r${++sequence}`,
    type,
    created: 1_800_000_000 + sequence,
    livemode: false,
    ...extra,
    data: { object: { currency: 'usd', payment_intent: p.intentId, metadata: {}, ...refund } },
  });
  const feed = (event: Record<string, unknown>, stripe?: Stripe) =>
    handle.db.transaction((tx) => handleRefundEvent(tx, p.project.id, event as never, stripe));
  const payment = async (): Promise<Record<string, unknown>> =>
    (await getRow(handle.db, p.project.id, BACKEND, 'payment', p.paymentId)) ?? {};
  const refundRow = async (id: number): Promise<Record<string, unknown>> =>
    (await getRow(handle.db, p.project.id, BACKEND, 'refund', id)) ?? {};
  return { ...p, refundEvent, feed, payment, refundRow };
}

/** Records the payment of `intent` as the payment callback does on its payment_intent.succeeded (the shop has others). */
async function paidBy(p: { project: { id: number }; stripe: Stripe }, intent: string) {
  const events = (await p.stripe.events.list({ type: 'payment_intent.succeeded', limit: 100 })).data;
  const succeeded = events.find((e) => (e.data.object as { id: string }).id === intent);
  expect(succeeded).toBeDefined();
  await handlePaymentEvent(handle.db, p.project.id, succeeded as never);
}

describe('the refund callback handler', () => {
  it('a refund made in the Stripe Dashboard gets a row of its own and settles the payment, partly then in full', async () => {
    const p = await paid();
    const first = p.refundEvent('refund.created', { id: 're_dash1', amount: 300, status: 'succeeded' });
    const output = await p.feed(first);
    expect(output).toMatchObject({
      orderId: p.order.id,
      paymentId: p.paymentId,
      refundId: expect.any(Number),
      status: 'REFUNDED',
      paymentStatus: 'PARTIALLY_REFUNDED',
      amountRefunded: 300,
      alreadyProcessed: false,
      ignored: false,
    });
    expect(await p.refundRow(Number(output.refundId))).toMatchObject({
      payment_id: p.paymentId,
      payer: p.alice.id,
      amount: 300,
      currency: 'usd',
      reason: 'made in the Stripe Dashboard',
      status: 'REFUNDED',
      stripe_refund_id: 're_dash1',
    });
    // the same event again: nothing moves, no second row
    expect(await p.feed(first)).toMatchObject({
      refundId: output.refundId,
      alreadyProcessed: true,
      amountRefunded: 300,
    });
    const { rows } = await queryRows(handle.db, p.project.id, BACKEND, 'refund', {});
    expect(rows).toHaveLength(1);
    const rest = await p.feed(
      p.refundEvent('refund.created', { id: 're_dash2', amount: 700, status: 'succeeded', reason: 'duplicate' }),
    );
    expect(rest).toMatchObject({ status: 'REFUNDED', paymentStatus: 'REFUNDED', amountRefunded: 1000 });
    expect((await p.refundRow(Number(rest.refundId))).reason).toBe('duplicate');
    expect(await p.payment()).toMatchObject({ status: 'REFUNDED', amount_refunded: 1000 });
  });

  it('from the event alone a refund only moves forward: pending, failed with its reason, a stale pending ignored, then made', async () => {
    const p = await paid();
    const pending = await p.feed(p.refundEvent('refund.created', { id: 're_slow', amount: 400, status: 'pending' }));
    expect(pending).toMatchObject({ status: 'PENDING', paymentStatus: 'SUCCESSFUL', amountRefunded: 0 });
    const refundId = Number(pending.refundId);
    const failed = await p.feed(
      p.refundEvent('refund.failed', {
        id: 're_slow',
        amount: 400,
        status: 'failed',
        failure_reason: 'expired_or_canceled_card',
        metadata: { tillflow_refund_id: String(refundId) },
      }),
    );
    expect(failed).toMatchObject({ refundId, status: 'FAILED', alreadyProcessed: false, amountRefunded: 0 });
    expect(await p.refundRow(refundId)).toMatchObject({ status: 'FAILED', failure_reason: 'expired_or_canceled_card' });
    const stale = await p.feed(p.refundEvent('refund.updated', { id: 're_slow', amount: 400, status: 'pending' }));
    expect(stale).toMatchObject({ refundId, status: 'FAILED', alreadyProcessed: true });
    expect((await p.refundRow(refundId)).status).toBe('FAILED');
    const made = await p.feed(p.refundEvent('refund.updated', { id: 're_slow', amount: 400, status: 'succeeded' }));
    expect(made).toMatchObject({ status: 'REFUNDED', paymentStatus: 'PARTIALLY_REFUNDED', amountRefunded: 400 });
    expect(await p.payment()).toMatchObject({ status: 'PARTIALLY_REFUNDED', amount_refunded: 400 });
  });

  it('with Stripe reachable, Stripe’s current state wins whatever state the event carries', async () => {
    const p = await paid();
    const atStripe = await p.stripe.refunds.create({ payment_intent: p.intentId, amount: 250 });
    expect(atStripe.status).toBe('succeeded');
    // an event from before it succeeded, fed with a client: re-fetched, REFUNDED
    const output = await p.feed(
      p.refundEvent('refund.created', { id: atStripe.id, amount: 250, status: 'pending' }),
      p.stripe,
    );
    expect(output).toMatchObject({ status: 'REFUNDED', paymentStatus: 'PARTIALLY_REFUNDED', amountRefunded: 250 });
    // a refund Stripe does not know (or cannot be asked about) falls back to the event alone
    const unknown = await p.feed(
      p.refundEvent('refund.created', { id: 're_not_at_stripe', amount: 100, status: 'pending' }),
      p.stripe,
    );
    expect(unknown).toMatchObject({ status: 'PENDING', amountRefunded: 250 });
  });

  it('charge.refunded settles the payment from our refund rows', async () => {
    const p = await paid();
    const charge = (extra: Record<string, unknown>) =>
      p.refundEvent('charge.refunded', { id: 'ch_x', object: 'charge', ...extra });
    expect(await p.feed(charge({}))).toMatchObject({
      paymentId: p.paymentId,
      refundId: null,
      status: 'PENDING',
      paymentStatus: 'SUCCESSFUL',
      amountRefunded: 0,
      alreadyProcessed: true,
      ignored: false,
    });
    await p.feed(p.refundEvent('refund.created', { id: 're_all', amount: 1000, status: 'succeeded' }));
    expect(await p.feed(charge({}))).toMatchObject({
      status: 'REFUNDED',
      paymentStatus: 'REFUNDED',
      amountRefunded: 1000,
      alreadyProcessed: true,
    });
    expect(await p.feed(charge({ payment_intent: 'pi_someone_else', id: 'ch_other' }))).toMatchObject({
      ignored: true,
    });
  });

  it('a refund that is made tells the payer once: the notice carries the amount, their address and the order; pending, failed and replayed events carry none', async () => {
    const p = await paid();
    const noNotice = { refundAmountDisplay: null, customerEmail: null, noticeText: null, noticeHtml: null };
    const pending = await p.feed(p.refundEvent('refund.created', { id: 're_note', amount: 300, status: 'pending' }));
    expect(pending).toMatchObject(noNotice);
    const made = p.refundEvent('refund.updated', { id: 're_note', amount: 300, status: 'succeeded' });
    const output = await p.feed(made);
    expect(output).toMatchObject({
      refundAmountDisplay: '$3.00',
      customerEmail: p.alice.email,
      itemName: 'Sofa',
      shopName: expect.any(String),
      fromAddress: expect.any(String),
    });
    expect(output.noticeText).toContain('We refunded $3.00 for order');
    expect(output.noticeText).toContain('Still paid');
    expect(output.noticeHtml).toContain('$3.00');
    // Stripe re-sends the same event: already processed, no second notice
    expect(await p.feed(made)).toMatchObject({ alreadyProcessed: true, ...noNotice });
    // a refund that fails tells nobody it was made
    const failed = await p.feed(
      p.refundEvent('refund.created', { id: 're_note2', amount: 200, status: 'failed', failure_reason: 'unknown' }),
    );
    expect(failed).toMatchObject({ status: 'FAILED', ...noNotice });
  });

  it('with Stripe reachable, the same refund event delivered again is already processed: no second notice, the total unchanged', async () => {
    const p = await paid();
    const atStripe = await p.stripe.refunds.create({ payment_intent: p.intentId, amount: 400 });
    const event = p.refundEvent('refund.updated', { id: atStripe.id, amount: 400, status: 'succeeded' });
    const first = await p.feed(event, p.stripe);
    expect(first).toMatchObject({ status: 'REFUNDED', alreadyProcessed: false, refundAmountDisplay: '$4.00' });
    const again = await p.feed(event, p.stripe);
    expect(again).toMatchObject({
      refundId: first.refundId,
      status: 'REFUNDED',
      alreadyProcessed: true,
      refundAmountDisplay: null,
      noticeText: null,
      amountRefunded: 400,
    });
    expect(await p.payment()).toMatchObject({ status: 'PARTIALLY_REFUNDED', amount_refunded: 400 });
  });

  it('a refund event naming only the charge (no payment intent) is matched to the payment by its charge id', async () => {
    const p = await paid();
    const chargeId = String((await p.payment()).stripe_charge_id);
    expect(chargeId).toMatch(/^ch_/);
    const output = await p.feed(
      p.refundEvent('refund.created', {
        id: 're_by_charge',
        amount: 1000,
        status: 'succeeded',
        payment_intent: null,
        charge: chargeId,
      }),
    );
    expect(output).toMatchObject({
      paymentId: p.paymentId,
      status: 'REFUNDED',
      paymentStatus: 'REFUNDED',
      ignored: false,
    });
    expect(await p.payment()).toMatchObject({ status: 'REFUNDED', amount_refunded: 1000 });
  });

  it('one refund failing changes only its own row: an earlier refund of the same payment stays made and counted', async () => {
    const p = await paid();
    const kept = await p.feed(p.refundEvent('refund.created', { id: 're_kept', amount: 300, status: 'succeeded' }));
    const other = await p.feed(p.refundEvent('refund.created', { id: 're_other', amount: 200, status: 'pending' }));
    await p.feed(
      p.refundEvent('refund.failed', { id: 're_other', amount: 200, status: 'failed', failure_reason: 'unknown' }),
    );
    expect(await p.refundRow(Number(kept.refundId))).toMatchObject({ status: 'REFUNDED', stripe_refund_id: 're_kept' });
    expect(await p.refundRow(Number(other.refundId))).toMatchObject({ status: 'FAILED', failure_reason: 'unknown' });
    expect(await p.payment()).toMatchObject({ status: 'PARTIALLY_REFUNDED', amount_refunded: 300 });
  });

  it('a refund our action reserved but whose Stripe answer was lost gets its Stripe id from the event, so later events find it', async () => {
    const p = await paid();
    const reserved = await insertRow(handle.db, p.project.id, BACKEND, 'refund', {
      payment_id: p.paymentId,
      payer: p.alice.id,
      amount: 500,
      currency: 'usd',
      status: 'PENDING',
    });
    const pending = await p.feed(
      p.refundEvent('refund.created', {
        id: 're_lost_answer',
        amount: 500,
        status: 'pending',
        metadata: { tillflow_refund_id: String(reserved.id) },
      }),
    );
    expect(pending).toMatchObject({ refundId: reserved.id, status: 'PENDING', alreadyProcessed: true });
    expect(await p.refundRow(reserved.id)).toMatchObject({ stripe_refund_id: 're_lost_answer', status: 'PENDING' });
    // a later event without our metadata (as Stripe sends for updates made elsewhere) finds the same row
    const made = await p.feed(
      p.refundEvent('refund.updated', { id: 're_lost_answer', amount: 500, status: 'succeeded' }),
    );
    expect(made).toMatchObject({ refundId: reserved.id, status: 'REFUNDED', amountRefunded: 500 });
    const { rows } = await queryRows(handle.db, p.project.id, BACKEND, 'refund', {});
    expect(rows).toHaveLength(1);
  });

  it('a refund of one payment never counts against another payment of the same shop', async () => {
    const p = await paid();
    const order = await insertRow(
      handle.db,
      p.project.id,
      p.asUser(p.alice),
      'order',
      { title: 'Stool' },
      { serverValues: { amount: 500 } },
    );
    const { paymentId: otherId } = await createPaymentAction(paymentServices(handle), p.project.id, p.asUser(p.alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const otherIntent = String(
      (await getRow(handle.db, p.project.id, BACKEND, 'payment', otherId))?.stripe_payment_intent_id,
    );
    await p.stripe.paymentIntents.confirm(otherIntent, { payment_method: 'pm_card_visa' });
    await paidBy(p, otherIntent);

    const other = await p.feed(
      p.refundEvent('refund.created', {
        id: 're_other_pay',
        amount: 500,
        status: 'succeeded',
        payment_intent: otherIntent,
      }),
    );
    expect(other).toMatchObject({ paymentId: otherId, paymentStatus: 'REFUNDED', amountRefunded: 500 });
    expect(await p.payment()).toMatchObject({ status: 'SUCCESSFUL', amount_refunded: 0 });
    const mine = await p.feed(p.refundEvent('refund.created', { id: 're_mine', amount: 300, status: 'succeeded' }));
    expect(mine).toMatchObject({ paymentId: p.paymentId, paymentStatus: 'PARTIALLY_REFUNDED', amountRefunded: 300 });
    expect(await getRow(handle.db, p.project.id, BACKEND, 'payment', otherId)).toMatchObject({
      status: 'REFUNDED',
      amount_refunded: 500,
    });
  });

  it('charge.refunded is matched by the charge id alone, ignores a live one, and tells the payer only what it newly settles', async () => {
    const p = await paid();
    const chargeId = String((await p.payment()).stripe_charge_id);
    // a refund recorded as made whose payment was not settled yet
    await insertRow(handle.db, p.project.id, BACKEND, 'refund', {
      payment_id: p.paymentId,
      payer: p.alice.id,
      amount: 250,
      currency: 'usd',
      status: 'REFUNDED',
      stripe_refund_id: 're_unsettled',
    });
    const charge = (extra: Record<string, unknown> = {}) =>
      p.refundEvent('charge.refunded', { id: chargeId, object: 'charge', payment_intent: null }, extra);
    expect(await p.feed(charge({ livemode: true }))).toMatchObject({ ignored: true, paymentId: null });
    expect(await p.payment()).toMatchObject({ status: 'SUCCESSFUL', amount_refunded: 0 });
    const settled = await p.feed(charge());
    expect(settled).toMatchObject({
      orderId: p.order.id,
      paymentId: p.paymentId,
      refundId: null,
      status: 'PENDING',
      paymentStatus: 'PARTIALLY_REFUNDED',
      amountRefunded: 250,
      alreadyProcessed: false,
      ignored: false,
      refundAmountDisplay: '$2.50',
      customerEmail: p.alice.email,
    });
    expect(await p.feed(charge())).toMatchObject({
      paymentStatus: 'PARTIALLY_REFUNDED',
      amountRefunded: 250,
      alreadyProcessed: true,
      refundAmountDisplay: null,
    });
  });

  it('a refund of a payment held as AMOUNT_MISMATCH is recorded, and the mismatch stays on the payment with its refunded total', async () => {
    const p = await paid();
    await updateRows(handle.db, p.project.id, BACKEND, 'payment', [{ column: 'id', op: 'eq', value: p.paymentId }], {
      status: 'AMOUNT_MISMATCH',
    });
    const output = await p.feed(p.refundEvent('refund.created', { id: 're_short', amount: 1000, status: 'succeeded' }));
    expect(output).toMatchObject({ status: 'REFUNDED', paymentStatus: 'AMOUNT_MISMATCH' });
    expect(await p.refundRow(Number(output.refundId))).toMatchObject({ status: 'REFUNDED', amount: 1000 });
    expect(await p.payment()).toMatchObject({ status: 'AMOUNT_MISMATCH', amount_refunded: 1000 });
  });

  it('a refund in full that Stripe fails afterwards gives the payment back: SUCCESSFUL with nothing refunded', async () => {
    const p = await paid();
    const order = await insertRow(
      handle.db,
      p.project.id,
      p.asUser(p.alice),
      'order',
      { title: 'Desk' },
      { serverValues: { amount: 500 } },
    );
    const { paymentId } = await createPaymentAction(paymentServices(handle), p.project.id, p.asUser(p.alice), {
      orderId: order.id,
      method: 'payment_intent',
    });
    const intent = String(
      (await getRow(handle.db, p.project.id, BACKEND, 'payment', paymentId))?.stripe_payment_intent_id,
    );
    // this test card's refunds are accepted, then fail
    await p.stripe.paymentIntents.confirm(intent, { payment_method: 'pm_card_refundFail' });
    await paidBy(p, intent);
    const atStripe = await p.stripe.refunds.create({ payment_intent: intent });
    const made = await p.feed(
      p.refundEvent('refund.created', { id: atStripe.id, amount: 500, status: 'succeeded', payment_intent: intent }),
    );
    expect(made).toMatchObject({ paymentId, paymentStatus: 'REFUNDED', amountRefunded: 500 });
    const failed = await p.feed(
      p.refundEvent('refund.failed', { id: atStripe.id, amount: 500, status: 'failed', payment_intent: intent }),
      p.stripe,
    );
    expect(failed).toMatchObject({
      status: 'FAILED',
      paymentStatus: 'SUCCESSFUL',
      amountRefunded: 0,
      alreadyProcessed: false,
    });
    // the event carried no reason: Stripe's, fetched with its state, is the one kept
    expect(await p.refundRow(Number(failed.refundId))).toMatchObject({
      status: 'FAILED',
      failure_reason: 'expired_or_canceled_card',
    });
    expect(await getRow(handle.db, p.project.id, BACKEND, 'payment', paymentId)).toMatchObject({
      status: 'SUCCESSFUL',
      amount_refunded: 0,
    });
  });

  it('a refund Stripe made settles a payment whose own success event is not handled yet (PENDING or an earlier FAILED), and a refund not yet made leaves it alone', async () => {
    for (const before of ['PENDING', 'FAILED'] as const) {
      const p = await paid();
      await updateRows(handle.db, p.project.id, BACKEND, 'payment', [{ column: 'id', op: 'eq', value: p.paymentId }], {
        status: before,
      });
      const waiting = await p.feed(
        p.refundEvent('refund.created', { id: `re_wait_${before}`, amount: 300, status: 'pending' }),
      );
      expect(waiting).toMatchObject({ status: 'PENDING', paymentStatus: before, amountRefunded: 0 });
      expect(await p.payment()).toMatchObject({ status: before });
      const made = await p.feed(
        p.refundEvent('refund.updated', { id: `re_wait_${before}`, amount: 300, status: 'succeeded' }),
      );
      expect(made).toMatchObject({ status: 'REFUNDED', paymentStatus: 'PARTIALLY_REFUNDED', amountRefunded: 300 });
      expect(await p.payment()).toMatchObject({ status: 'PARTIALLY_REFUNDED', amount_refunded: 300 });
    }
  });

  it('a refund not yet made leaves a PENDING or CANCELED payment as it was, whether Stripe tells of it as pending, by charge.refunded or as failed; once made it settles the canceled one too', async () => {
    for (const before of ['PENDING', 'CANCELED'] as const) {
      const p = await paid();
      await updateRows(handle.db, p.project.id, BACKEND, 'payment', [{ column: 'id', op: 'eq', value: p.paymentId }], {
        status: before,
      });
      const untouched = { status: before, amount_refunded: 0 };
      const pending = await p.feed(
        p.refundEvent('refund.created', { id: `re_not_yet_${before}`, amount: 300, status: 'pending' }),
      );
      expect(pending).toMatchObject({ status: 'PENDING', paymentStatus: before, amountRefunded: 0 });
      expect(await p.payment()).toMatchObject(untouched);
      // charge.refunded while our refund is still pending: the payment's totals are settled with nothing refunded
      const told = await p.feed(p.refundEvent('charge.refunded', { id: `ch_not_yet_${before}`, object: 'charge' }));
      expect(told).toMatchObject({ paymentId: p.paymentId, paymentStatus: before, amountRefunded: 0 });
      expect(await p.payment()).toMatchObject(untouched);
      // the refund fails: an applied change that leaves nothing refunded
      const failed = await p.feed(
        p.refundEvent('refund.failed', { id: `re_not_yet_${before}`, amount: 300, status: 'failed' }),
      );
      expect(failed).toMatchObject({ status: 'FAILED', alreadyProcessed: false, paymentStatus: before });
      expect(await p.payment()).toMatchObject(untouched);
      const made = await p.feed(
        p.refundEvent('refund.created', { id: `re_made_${before}`, amount: 400, status: 'succeeded' }),
      );
      expect(made).toMatchObject({ status: 'REFUNDED', paymentStatus: 'PARTIALLY_REFUNDED', amountRefunded: 400 });
      expect(await p.payment()).toMatchObject({ status: 'PARTIALLY_REFUNDED', amount_refunded: 400 });
    }
  });

  it('ignores refunds of no payment of ours, live events for a test payment, and other event types', async () => {
    const p = await paid();
    const ignored = {
      orderId: null,
      paymentId: null,
      refundId: null,
      status: null,
      paymentStatus: null,
      amountRefunded: null,
      alreadyProcessed: false,
      ignored: true,
    };
    expect(
      await p.feed(
        p.refundEvent('refund.created', { id: 're_x', amount: 1, status: 'succeeded', payment_intent: 'pi_nobody' }),
      ),
    ).toMatchObject(ignored);
    expect(
      await p.feed(
        p.refundEvent('refund.created', { id: 're_live', amount: 1, status: 'succeeded' }, { livemode: true }),
      ),
    ).toMatchObject(ignored);
    expect(await p.feed(p.refundEvent('charge.dispute.created', { id: 'dp_1', amount: 1 }))).toMatchObject(ignored);
    expect(await p.payment()).toMatchObject({ status: 'SUCCESSFUL', amount_refunded: 0 });
  });
});
