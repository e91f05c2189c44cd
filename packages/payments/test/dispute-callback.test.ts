// The dispute callback (callbacks/dispute.ts) fed events directly: which payment a dispute is about, how Stripe's
// states land on the payment row (open until won or lost, never reopened), what a lost dispute takes back, and
// the words the owner's email reads. Written against the survivors of the 2026-12-04 Stryker run of that file.
import { getRow, insertRow } from '@tillflow/data-model';
import { authUser } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import {
  disputeReasonWords,
  disputeStatusOf,
  handleDisputeEvent,
  orderStatusByPayment,
} from '../src/callbacks/dispute';
import { environmentPerFile, paidPaymentIntent, setRow, stripeEvent } from './harness';

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();

describe('disputes in words and states', () => {
  it("reads Stripe's reason codes as the owner reads them; an unknown code with spaces, nothing for no code", () => {
    expect(disputeReasonWords('fraudulent')).toBe('the customer says they did not make this payment');
    expect(disputeReasonWords('product_not_received')).toBe(
      'the customer says they did not receive what they paid for',
    );
    expect(disputeReasonWords('duplicate')).toBe('the customer says they were charged twice');
    expect(disputeReasonWords('subscription_canceled')).toBe(
      'the customer says they were charged after cancelling a subscription',
    );
    expect(disputeReasonWords('a_new_reason_code')).toBe('a new reason code');
    expect(disputeReasonWords('')).toBeNull();
    expect(disputeReasonWords(null)).toBeNull();
    expect(disputeReasonWords(42)).toBeNull();
  });

  it('keeps a dispute open until Stripe says won or lost; a closed inquiry counts as won', () => {
    expect(disputeStatusOf('won')).toBe('WON');
    expect(disputeStatusOf('warning_closed')).toBe('WON');
    expect(disputeStatusOf('lost')).toBe('LOST');
    for (const open of [
      'needs_response',
      'under_review',
      'warning_needs_response',
      'warning_under_review',
      'prevented',
    ])
      expect(disputeStatusOf(open)).toBe('DISPUTED');
  });

  it('says where an order stands by its payment alone, in the default order words', () => {
    expect(orderStatusByPayment('SUCCESSFUL')).toBe('paid');
    expect(orderStatusByPayment('PARTIALLY_REFUNDED')).toBe('partially_refunded');
    expect(orderStatusByPayment('REFUNDED')).toBe('refunded');
    expect(orderStatusByPayment('FAILED')).toBe('failed');
    expect(orderStatusByPayment('PENDING')).toBe('pending');
    expect(orderStatusByPayment('CANCELED')).toBe('pending');
  });
});

describe('the dispute callback', () => {
  /** A paid payment of $25.00 whose charge id is known, and a dispute event builder for it. */
  async function disputedShop() {
    const shop = await paidPaymentIntent(env.handle, env.sandbox, 2500);
    await setRow(env.handle, shop.project.id, 'payment', shop.paymentId, {
      stripe_charge_id: `ch_for_${shop.paymentId}`,
    });
    const [owner] = await env.handle.db.select().from(authUser).where(eq(authUser.id, shop.project.ownerId));
    const dispute = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
      id,
      object: 'dispute',
      amount: 2500,
      currency: 'usd',
      reason: 'product_not_received',
      status,
      charge: `ch_for_${shop.paymentId}`,
      payment_intent: shop.intentId,
      ...extra,
    });
    const handle = (
      type: string,
      object: Record<string, unknown>,
      stripe?: Stripe,
      extra: Record<string, unknown> = {},
    ) =>
      env.handle.db.transaction((tx) =>
        handleDisputeEvent(tx, shop.project.id, stripeEvent(type, object, extra), stripe),
      );
    const payment = async () => getRow(env.handle.db, shop.project.id, BACKEND, 'payment', shop.paymentId);
    return { ...shop, owner, dispute, handle, payment };
  }

  it('records an opened dispute on its payment and tells the owner its reason and amount in words', async () => {
    const shop = await disputedShop();
    const out = await shop.handle('charge.dispute.created', shop.dispute('dp_1', 'needs_response'));
    expect(out).toEqual({
      orderId: shop.order.id,
      paymentId: shop.paymentId,
      disputeStatus: 'DISPUTED',
      orderStatusByPayment: 'paid',
      reason: 'product_not_received',
      reasonDisplay: 'the customer says they did not receive what they paid for',
      alreadyProcessed: false,
      adminEmail: shop.owner.email,
      amount: 2500,
      currency: 'usd',
      amountDisplay: '$25.00',
      ignored: false,
    });
    expect(await shop.payment()).toMatchObject({
      dispute_status: 'DISPUTED',
      stripe_dispute_id: 'dp_1',
      amount_lost: 0,
      status: 'SUCCESSFUL',
    });
    // The same news again changes nothing and says so.
    const again = await shop.handle('charge.dispute.updated', shop.dispute('dp_1', 'under_review'));
    expect(again).toMatchObject({ disputeStatus: 'DISPUTED', alreadyProcessed: true });
  });

  it('takes the disputed amount back when lost, and a read of the dispute made before it ended never reopens it', async () => {
    const shop = await disputedShop();
    await shop.handle('charge.dispute.created', shop.dispute('dp_2', 'needs_response'));
    const lost = await shop.handle('charge.dispute.closed', shop.dispute('dp_2', 'lost', { amount: 2000 }));
    expect(lost).toMatchObject({
      disputeStatus: 'LOST',
      alreadyProcessed: false,
      amount: 2000,
      amountDisplay: '$20.00',
    });
    expect(await shop.payment()).toMatchObject({ dispute_status: 'LOST', amount_lost: 2000 });

    const stale = await shop.handle('charge.dispute.updated', shop.dispute('dp_2', 'under_review', { amount: 2000 }));
    expect(stale).toMatchObject({ disputeStatus: 'LOST', alreadyProcessed: true });
    expect(await shop.payment()).toMatchObject({ dispute_status: 'LOST', amount_lost: 2000 });

    // A new dispute on the same payment (another id) is open again, and nothing is lost yet.
    const second = await shop.handle('charge.dispute.created', shop.dispute('dp_3', 'needs_response'));
    expect(second).toMatchObject({ disputeStatus: 'DISPUTED', alreadyProcessed: false });
    expect(await shop.payment()).toMatchObject({
      dispute_status: 'DISPUTED',
      stripe_dispute_id: 'dp_3',
      amount_lost: 0,
    });
  });

  it('a won dispute keeps the money, and only the amount lost changing is news too', async () => {
    const shop = await disputedShop();
    await shop.handle('charge.dispute.closed', shop.dispute('dp_4', 'won'));
    expect(await shop.payment()).toMatchObject({ dispute_status: 'WON', amount_lost: 0, stripe_dispute_id: 'dp_4' });
    const stale = await shop.handle('charge.dispute.updated', shop.dispute('dp_4', 'needs_response'));
    expect(stale).toMatchObject({ disputeStatus: 'WON', alreadyProcessed: true });

    const other = await disputedShop();
    await other.handle('charge.dispute.closed', other.dispute('dp_5', 'lost', { amount: 1000 }));
    // Stripe corrects the amount of the same lost dispute: recorded, and said as news.
    const corrected = await other.handle('charge.dispute.updated', other.dispute('dp_5', 'lost', { amount: 1500 }));
    expect(corrected).toMatchObject({ disputeStatus: 'LOST', alreadyProcessed: false });
    expect(await other.payment()).toMatchObject({ amount_lost: 1500 });
  });

  it('finds the payment by its intent or by its charge alone, and ignores what is not about one of ours', async () => {
    const shop = await disputedShop();
    const byCharge = await shop.handle(
      'charge.dispute.created',
      shop.dispute('dp_6', 'needs_response', { payment_intent: null }),
    );
    expect(byCharge).toMatchObject({ paymentId: shop.paymentId, ignored: false });
    const expanded = await shop.handle(
      'charge.dispute.updated',
      shop.dispute('dp_6', 'lost', { payment_intent: { id: shop.intentId }, charge: { id: 'ch_someone_else' } }),
    );
    expect(expanded).toMatchObject({ paymentId: shop.paymentId, disputeStatus: 'LOST' });

    const ignored = {
      orderId: null,
      paymentId: null,
      disputeStatus: null,
      orderStatusByPayment: null,
      reason: null,
      reasonDisplay: null,
      alreadyProcessed: false,
      adminEmail: null,
      amount: null,
      currency: null,
      amountDisplay: null,
      ignored: true,
    };
    expect(await shop.handle('charge.refunded', shop.dispute('dp_7', 'lost'))).toEqual(ignored);
    expect(
      await shop.handle(
        'charge.dispute.created',
        shop.dispute('dp_8', 'lost', { payment_intent: 'pi_nobody', charge: 'ch_nobody' }),
      ),
    ).toEqual(ignored);
    // A live-mode event never touches a test-mode payment.
    expect(
      await shop.handle('charge.dispute.closed', shop.dispute('dp_9', 'won'), undefined, { livemode: true }),
    ).toEqual(ignored);
    expect(await shop.payment()).toMatchObject({ stripe_dispute_id: 'dp_6', dispute_status: 'LOST' });
  });

  it("goes by Stripe's dispute as re-fetched, and by the event's copy when Stripe cannot be reached", async () => {
    const shop = await disputedShop();
    const asked: string[] = [];
    const stripe = (answer: Record<string, unknown> | Error) =>
      ({
        disputes: {
          retrieve: async (id: string) => {
            asked.push(id);
            if (answer instanceof Error) throw answer;
            return answer;
          },
        },
      }) as unknown as Stripe;
    // The event says open; Stripe, asked now, says lost.
    const fetched = await shop.handle(
      'charge.dispute.updated',
      shop.dispute('dp_10', 'needs_response'),
      stripe(shop.dispute('dp_10', 'lost', { reason: 'fraudulent' })),
    );
    expect(asked).toEqual(['dp_10']);
    expect(fetched).toMatchObject({ disputeStatus: 'LOST', reason: 'fraudulent' });
    expect(await shop.payment()).toMatchObject({ dispute_status: 'LOST', amount_lost: 2500 });

    const other = await disputedShop();
    const offline = await other.handle(
      'charge.dispute.created',
      other.dispute('dp_11', 'needs_response'),
      stripe(new Error('connection refused')),
    );
    expect(offline).toMatchObject({ disputeStatus: 'DISPUTED', ignored: false });
    expect(await other.payment()).toMatchObject({ dispute_status: 'DISPUTED', stripe_dispute_id: 'dp_11' });
  });

  it('a second dispute on the same payment is news even in the same state; no other payment changes; a dispute without a reason says none', async () => {
    const shop = await disputedShop();
    const other = await insertRow(env.handle.db, shop.project.id, BACKEND, 'payment', {
      order_id: shop.order.id,
      amount: 900,
      currency: 'usd',
      status: 'SUCCESSFUL',
      method: 'payment_intent',
    });
    await shop.handle('charge.dispute.created', shop.dispute('dp_20', 'needs_response'));
    const second = await shop.handle(
      'charge.dispute.created',
      shop.dispute('dp_21', 'needs_response', { reason: undefined }),
    );
    expect(second).toMatchObject({
      disputeStatus: 'DISPUTED',
      alreadyProcessed: false,
      reason: null,
      reasonDisplay: null,
    });
    expect(await shop.payment()).toMatchObject({ stripe_dispute_id: 'dp_21', dispute_status: 'DISPUTED' });
    expect(await getRow(env.handle.db, shop.project.id, BACKEND, 'payment', other.id)).toMatchObject({
      dispute_status: null,
      stripe_dispute_id: null,
      amount_lost: 0,
    });
  });

  it("says where the order stands by the payment's own status (a partly refunded payment under dispute)", async () => {
    const shop = await disputedShop();
    await setRow(env.handle, shop.project.id, 'payment', shop.paymentId, {
      status: 'PARTIALLY_REFUNDED',
    });
    const out = await shop.handle(
      'charge.dispute.created',
      shop.dispute('dp_12', 'needs_response', { reason: 'general' }),
    );
    expect(out).toMatchObject({
      orderStatusByPayment: 'partially_refunded',
      reasonDisplay: 'the customer’s bank gave no specific reason',
    });
  });
});
