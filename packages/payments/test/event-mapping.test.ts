import { describe, expect, it } from 'vitest';
import {
  type PaymentUpdate,
  paidAmountMatches,
  paymentStatusAfterRefunds,
  paymentUpdateFromEvent,
  refundUpdateFromEvent,
  renewalChargeFromEvent,
  shouldApplyPaymentStatus,
  subscriptionSnapshot,
} from '../src/event-mapping';

const event = (type: string, object: Record<string, unknown>, created = 1_800_000_000) => ({
  id: `evt_${type}`,
  type,
  created,
  data: { object },
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
