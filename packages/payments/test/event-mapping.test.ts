import { describe, expect, it } from 'vitest';
import {
  type PaymentUpdate,
  paidAmountMatches,
  paymentStatusAfterRefunds,
  paymentUpdateFromEvent,
  refundUpdateFromEvent,
  renewalChargeFromEvent,
  shouldApplyPaymentStatus,
  shouldApplyRefundStatus,
  subscriptionMatchesStart,
  subscriptionSnapshot,
} from '../src/event-mapping';

const event = (type: string, object: Record<string, unknown>, created = 1_800_000_000) => ({
  id: `evt_${type}`,
  type,
  created,
  data: { object },
});

describe('status moves: forward only', () => {
  it('a payment moves forward, never back; a canceled attempt may still report its failure', () => {
    const order = ['PENDING', 'FAILED', 'SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const;
    for (const [i, current] of order.entries())
      for (const [j, next] of order.entries())
        expect(shouldApplyPaymentStatus(current, next), `${current} → ${next}`).toBe(j > i);
    expect(shouldApplyPaymentStatus('CANCELED', 'FAILED')).toBe(true);
    expect(shouldApplyPaymentStatus('FAILED', 'CANCELED')).toBe(false);
    expect(shouldApplyPaymentStatus('CANCELED', 'CANCELED')).toBe(false);
    expect(shouldApplyPaymentStatus('PENDING', 'CANCELED')).toBe(true);
  });

  it('a refund moves forward, never back: a finished refund is not re-opened by a stale pending or failed', () => {
    expect(shouldApplyRefundStatus('PENDING', 'REFUNDED')).toBe(true);
    expect(shouldApplyRefundStatus('PENDING', 'FAILED')).toBe(true);
    expect(shouldApplyRefundStatus('PENDING', 'CANCELED')).toBe(true);
    expect(shouldApplyRefundStatus('FAILED', 'REFUNDED')).toBe(true); // Stripe made it after all
    expect(shouldApplyRefundStatus('FAILED', 'CANCELED')).toBe(true);
    for (const stale of ['PENDING', 'FAILED', 'CANCELED'] as const)
      expect(shouldApplyRefundStatus('REFUNDED', stale), `REFUNDED → ${stale}`).toBe(false);
    expect(shouldApplyRefundStatus('FAILED', 'PENDING')).toBe(false);
    expect(shouldApplyRefundStatus('REFUNDED', 'REFUNDED')).toBe(false);
  });
});

describe('checkout, intent and refund events, each type', () => {
  const ours = { tillflow_payment_id: '7', order_id: '3' };
  const session = (type: string, extra: Record<string, unknown> = {}) =>
    paymentUpdateFromEvent(
      event(type, { id: 'cs_1', mode: 'payment', payment_intent: 'pi_1', metadata: ours, ...extra }, 1_800_000_123),
    );
  it('maps every checkout session outcome', () => {
    expect(session('checkout.session.completed', { payment_status: 'paid' })).toMatchObject({
      status: 'SUCCESSFUL',
      paidAt: new Date(1_800_000_123_000),
    });
    expect(session('checkout.session.completed', { payment_status: 'no_payment_required' })?.status).toBe('SUCCESSFUL');
    expect(session('checkout.session.completed', { payment_status: 'unpaid' })).toMatchObject({
      status: 'PENDING',
      checkoutSessionId: 'cs_1',
      paymentIntentId: 'pi_1',
    });
    expect(session('checkout.session.async_payment_succeeded', { amount_total: 500, currency: 'EUR' })).toMatchObject({
      status: 'SUCCESSFUL',
      paidAt: new Date(1_800_000_123_000),
      paid: { amount: 500, currency: 'eur' },
    });
    expect(session('checkout.session.async_payment_failed')).toMatchObject({
      status: 'FAILED',
      failureReason: 'The payment failed after checkout.',
    });
    expect(session('checkout.session.expired')).toMatchObject({
      status: 'CANCELED',
      failureReason: 'The checkout session expired before payment.',
    });
    expect(session('checkout.session.something_else')).toBeNull();
  });

  it('maps every payment intent outcome, with the ids it carries', () => {
    const intent = (type: string, extra: Record<string, unknown> = {}) =>
      paymentUpdateFromEvent(event(type, { id: 'pi_1', metadata: ours, ...extra }, 1_800_000_123));
    expect(intent('payment_intent.succeeded', { latest_charge: { id: 'ch_1' } })).toMatchObject({
      paymentId: 7,
      orderId: 3,
      paymentIntentId: 'pi_1',
      chargeId: 'ch_1',
      status: 'SUCCESSFUL',
      paidAt: new Date(1_800_000_123_000),
    });
    expect(intent('payment_intent.payment_failed')?.failureReason).toBe('The card was declined.');
    expect(intent('payment_intent.canceled')).toMatchObject({ status: 'CANCELED', failureReason: 'Canceled.' });
    expect(intent('payment_intent.canceled', { cancellation_reason: 'abandoned' })?.failureReason).toBe('abandoned');
    expect(intent('payment_intent.created')).toBeNull();
    expect(paymentUpdateFromEvent(event('charge.succeeded', { id: 'ch_1', metadata: ours }))).toBeNull();
    expect(
      paymentUpdateFromEvent(event('payment_intent.succeeded', { id: 'pi_1', metadata: { tillflow_payment_id: '0' } })),
    ).toBeNull(); // not a payment id of ours
    expect(
      paymentUpdateFromEvent(
        event('payment_intent.succeeded', { id: 'pi_1', metadata: { tillflow_payment_id: '1.5' } }),
      ),
    ).toBeNull();
  });

  it('maps refund events of all three types and their statuses; other types are not refunds', () => {
    const refund = (type: string, status: string, extra: Record<string, unknown> = {}) =>
      refundUpdateFromEvent(
        event(type, { id: 're_1', amount: 300, currency: 'usd', payment_intent: 'pi_1', status, ...extra }),
      );
    expect(refund('refund.created', 'pending')?.status).toBe('PENDING');
    expect(refund('refund.updated', 'requires_action')?.status).toBe('PENDING');
    expect(refund('refund.updated', 'succeeded')?.status).toBe('REFUNDED');
    expect(refund('refund.failed', 'failed', { failure_reason: 'expired_or_canceled_card' })).toMatchObject({
      status: 'FAILED',
      failureReason: 'expired_or_canceled_card',
    });
    expect(refund('refund.updated', 'canceled')?.status).toBe('CANCELED');
    expect(refund('refund.updated', 'something_new')?.status).toBe('PENDING');
    expect(refund('refund.created', 'succeeded')).toMatchObject({ refundId: null, reason: null });
    expect(
      refund('refund.created', 'succeeded', { metadata: { tillflow_refund_id: '12' }, reason: 'duplicate' }),
    ).toMatchObject({ refundId: 12, reason: 'duplicate', amount: 300, currency: 'usd', paymentIntentId: 'pi_1' });
    expect(refund('charge.refunded', 'succeeded')).toBeNull();
  });
});

describe('Stripe events → system table updates', () => {
  it('maps checkout and payment intent outcomes for our payments only', () => {
    const completed = paymentUpdateFromEvent(
      event('checkout.session.completed', {
        id: 'cs_test_1',
        mode: 'payment',
        payment_status: 'paid',
        payment_intent: 'pi_1',
        metadata: { tillflow_payment_id: '7', order_id: '3' },
      }),
    );
    expect(completed).toMatchObject({ paymentId: 7, orderId: 3, status: 'SUCCESSFUL', paymentIntentId: 'pi_1' });
    expect(
      paymentUpdateFromEvent(event('checkout.session.completed', { id: 'cs_2', mode: 'subscription', metadata: {} })),
    ).toBeNull();
    const failed = paymentUpdateFromEvent(
      event('payment_intent.payment_failed', {
        id: 'pi_2',
        metadata: { tillflow_payment_id: '8', order_id: '4' },
        last_payment_error: { message: 'Your card was declined.' },
      }),
    );
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: 'Your card was declined.' });
    // an invoice's intent (no metadata of ours) is not a one-time payment
    expect(paymentUpdateFromEvent(event('payment_intent.succeeded', { id: 'pi_3', metadata: {} }))).toBeNull();
  });

  it('compares what Stripe reports paid with what the payment owes', () => {
    const owed = { amount: 10_000, currency: 'usd' };
    const paid = (object: Record<string, unknown>, type = 'payment_intent.succeeded') =>
      paymentUpdateFromEvent(
        event(type, {
          id: 'pi_9',
          mode: 'payment',
          payment_status: 'paid',
          metadata: { tillflow_payment_id: '1' },
          ...object,
        }),
      ) as PaymentUpdate;
    expect(paid({ amount: 50, amount_received: 50, currency: 'usd' }).paid).toEqual({ amount: 50, currency: 'usd' });
    expect(paidAmountMatches(owed, paid({ amount: 50, amount_received: 50, currency: 'usd' }))).toBe(false);
    expect(paidAmountMatches(owed, paid({ amount: 10_000, amount_received: 10_000, currency: 'USD' }))).toBe(true);
    expect(paidAmountMatches(owed, paid({ amount_total: 10_000, currency: 'eur' }, 'checkout.session.completed'))).toBe(
      false,
    );
    expect(paidAmountMatches(owed, paid({ amount_total: 10_000, currency: 'usd' }, 'checkout.session.completed'))).toBe(
      true,
    );
    // Only a success is compared: a failure has paid nothing.
    const failed = paymentUpdateFromEvent(
      event('payment_intent.payment_failed', {
        id: 'pi_8',
        amount: 1,
        currency: 'usd',
        metadata: { tillflow_payment_id: '1' },
      }),
    ) as PaymentUpdate;
    expect(paidAmountMatches(owed, failed)).toBe(true);
    // A mismatch sits below SUCCESSFUL: the right amount paid afterwards still settles the payment.
    expect(shouldApplyPaymentStatus('PENDING', 'AMOUNT_MISMATCH')).toBe(true);
    expect(shouldApplyPaymentStatus('AMOUNT_MISMATCH', 'SUCCESSFUL')).toBe(true);
    expect(shouldApplyPaymentStatus('SUCCESSFUL', 'AMOUNT_MISMATCH')).toBe(false);
    expect(shouldApplyPaymentStatus('AMOUNT_MISMATCH', 'FAILED')).toBe(false);
  });

  it('a subscription matches the one a row started only with its price and no longer a trial', () => {
    const snapshot = (price: string, trial: [number, number] | null) =>
      subscriptionSnapshot({
        id: 'sub_1',
        status: trial ? 'trialing' : 'active',
        items: { data: [{ price: { id: price } }] },
        trial_start: trial?.[0] ?? null,
        trial_end: trial?.[1] ?? null,
      });
    const expected = { priceId: 'price_gold', trialDays: 7 };
    expect(snapshot('price_gold', [0, 7 * 86_400]).trialDays).toBe(7);
    expect(subscriptionMatchesStart(expected, snapshot('price_gold', [0, 7 * 86_400]))).toBe(true);
    expect(subscriptionMatchesStart(expected, snapshot('price_gold', null))).toBe(true);
    expect(subscriptionMatchesStart(expected, snapshot('price_gold', [0, 730 * 86_400]))).toBe(false);
    expect(subscriptionMatchesStart(expected, snapshot('price_cheap', null))).toBe(false);
    expect(
      subscriptionMatchesStart({ priceId: 'price_gold', trialDays: null }, snapshot('price_gold', [0, 86_400])),
    ).toBe(false);
  });

  it('never regresses a settled payment', () => {
    expect(shouldApplyPaymentStatus('PENDING', 'SUCCESSFUL')).toBe(true);
    expect(shouldApplyPaymentStatus('FAILED', 'SUCCESSFUL')).toBe(true);
    expect(shouldApplyPaymentStatus('SUCCESSFUL', 'FAILED')).toBe(false);
    expect(shouldApplyPaymentStatus('SUCCESSFUL', 'PENDING')).toBe(false);
    expect(shouldApplyPaymentStatus('PARTIALLY_REFUNDED', 'SUCCESSFUL')).toBe(false);
    expect(paymentStatusAfterRefunds(1000, 0)).toBe('SUCCESSFUL');
    expect(paymentStatusAfterRefunds(1000, 400)).toBe('PARTIALLY_REFUNDED');
    expect(paymentStatusAfterRefunds(1000, 1000)).toBe('REFUNDED');
  });

  it('maps refunds, including ones made in the Dashboard (no metadata)', () => {
    const fromDashboard = refundUpdateFromEvent(
      event('refund.created', {
        id: 're_1',
        amount: 300,
        currency: 'usd',
        status: 'succeeded',
        payment_intent: 'pi_1',
        metadata: {},
      }),
    );
    expect(fromDashboard).toMatchObject({ refundId: null, stripeRefundId: 're_1', status: 'REFUNDED', amount: 300 });
  });

  it('reads the billing period from subscription items (API ≥ 2025-03-31)', () => {
    const snapshot = subscriptionSnapshot({
      id: 'sub_1',
      status: 'trialing',
      customer: 'cus_1',
      cancel_at_period_end: true,
      metadata: { order_id: '5', tillflow_recurring_payment_id: '9' },
      items: {
        data: [{ price: { id: 'price_1' }, current_period_start: 1_800_000_000, current_period_end: 1_802_592_000 }],
      },
    });
    expect(snapshot).toMatchObject({ status: 'TRIALING', priceId: 'price_1', orderId: 5, recurringPaymentId: 9 });
    expect(snapshot.currentPeriodEnd?.toISOString()).toBe(new Date(1_802_592_000_000).toISOString());
  });

  it('creates renewal charges only for cycle invoices', () => {
    const cycle = renewalChargeFromEvent(
      event('invoice.paid', {
        id: 'in_1',
        billing_reason: 'subscription_cycle',
        amount_paid: 1500,
        currency: 'usd',
        parent: { subscription_details: { subscription: 'sub_1' } },
      }),
    );
    expect(cycle).toMatchObject({ subscriptionId: 'sub_1', amount: 1500, paid: true });
    expect(
      renewalChargeFromEvent(event('invoice.paid', { id: 'in_0', billing_reason: 'subscription_create', parent: {} })),
    ).toBeNull();
  });
});
