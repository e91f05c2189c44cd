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
  it('a payment moves forward, never back, as Stripe’s intent does: declined (FAILED) → canceled, never canceled → declined', () => {
    const order = ['PENDING', 'FAILED', 'CANCELED', 'SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const;
    for (const [i, current] of order.entries())
      for (const [j, next] of order.entries())
        expect(shouldApplyPaymentStatus(current, next), `${current} → ${next}`).toBe(j > i);
    expect(shouldApplyPaymentStatus('FAILED', 'CANCELED')).toBe(true);
    expect(shouldApplyPaymentStatus('CANCELED', 'FAILED')).toBe(false);
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

describe('reading what Stripe sent, field by field', () => {
  const ours = { tillflow_payment_id: '7', order_id: '3' };

  it('reports what was paid only when Stripe gives a whole amount and a currency', () => {
    const intent = (extra: Record<string, unknown>) =>
      paymentUpdateFromEvent(event('payment_intent.succeeded', { id: 'pi_1', metadata: ours, ...extra }));
    expect(intent({ amount: 900, amount_received: 700, currency: 'usd' })?.paid).toEqual({
      amount: 700,
      currency: 'usd',
    });
    // nothing received yet: the intent's amount is what it asked for
    expect(intent({ amount: 900, amount_received: 0, currency: 'usd' })?.paid).toEqual({
      amount: 900,
      currency: 'usd',
    });
    expect(intent({ amount: 900 })?.paid).toBeUndefined(); // no currency: not a statement of what was paid
    expect(intent({ amount: 900, currency: 7 })?.paid).toBeUndefined();
    expect(intent({ amount: 9.5, currency: 'usd' })?.paid).toBeUndefined();
    expect(intent({ currency: 'usd' })?.paid).toBeUndefined();
    const completed = paymentUpdateFromEvent(
      event('checkout.session.completed', {
        id: 'cs_1',
        mode: 'payment',
        payment_status: 'paid',
        amount_total: 1200,
        currency: 'JPY',
        metadata: ours,
      }),
    );
    expect(completed?.paid).toEqual({ amount: 1200, currency: 'jpy' });
    const unpaid = paymentUpdateFromEvent(
      event('checkout.session.completed', {
        id: 'cs_1',
        mode: 'payment',
        payment_status: 'unpaid',
        amount_total: 1200,
        currency: 'usd',
        metadata: ours,
      }),
    );
    expect(unpaid).toEqual({
      paymentId: 7,
      orderId: 3,
      checkoutSessionId: 'cs_1',
      paymentIntentId: undefined,
      status: 'PENDING',
    });
  });

  it('reads ids given as strings or as expanded objects, and nothing else', () => {
    const intent = (latest_charge: unknown) =>
      paymentUpdateFromEvent(event('payment_intent.payment_failed', { id: 'pi_1', metadata: ours, latest_charge }));
    expect(intent('ch_1')?.chargeId).toBe('ch_1');
    expect(intent({ id: 'ch_2', amount: 5 })?.chargeId).toBe('ch_2');
    expect(intent(null)?.chargeId).toBeUndefined();
    expect(intent(42)?.chargeId).toBeUndefined();
    expect(intent({ amount: 5 })?.chargeId).toBeUndefined();
    const session = paymentUpdateFromEvent(
      event('checkout.session.expired', {
        id: 'cs_9',
        mode: 'payment',
        payment_intent: { id: 'pi_9' },
        metadata: ours,
      }),
    );
    expect(session).toMatchObject({ checkoutSessionId: 'cs_9', paymentIntentId: 'pi_9', paymentId: 7, orderId: 3 });
  });

  it('takes only positive whole numbers from our metadata as row ids', () => {
    const ids = (metadata: Record<string, string> | undefined) =>
      paymentUpdateFromEvent(event('checkout.session.expired', { id: 'cs_1', mode: 'payment', metadata }));
    expect(ids({ tillflow_payment_id: '12', order_id: '1' })).toMatchObject({ paymentId: 12, orderId: 1 });
    expect(ids({ tillflow_payment_id: '-3', order_id: '0' })).toMatchObject({ paymentId: null, orderId: null });
    expect(ids({ tillflow_payment_id: 'x', order_id: '2.5' })).toMatchObject({ paymentId: null, orderId: null });
    expect(ids(undefined)).toMatchObject({ paymentId: null, orderId: null });
    // a checkout session in another mode is never a one-time payment of ours, whatever its type
    for (const type of [
      'checkout.session.completed',
      'checkout.session.async_payment_succeeded',
      'checkout.session.expired',
    ])
      expect(
        paymentUpdateFromEvent(event(type, { id: 'cs_1', mode: 'setup', payment_status: 'paid', metadata: ours })),
        type,
      ).toBeNull();
  });

  it('a failed intent says why, in Stripe’s words when it gives them', () => {
    const failed = paymentUpdateFromEvent(
      event('payment_intent.payment_failed', {
        id: 'pi_1',
        latest_charge: 'ch_1',
        metadata: ours,
        last_payment_error: { message: 'Insufficient funds.' },
      }),
    );
    expect(failed).toEqual({
      paymentId: 7,
      orderId: 3,
      paymentIntentId: 'pi_1',
      chargeId: 'ch_1',
      status: 'FAILED',
      failureReason: 'Insufficient funds.',
    });
    expect(
      paymentUpdateFromEvent(
        event('payment_intent.payment_failed', { id: 'pi_1', metadata: ours, last_payment_error: {} }),
      )?.failureReason,
    ).toBe('The card was declined.');
  });

  it('reads every field of a refund event, charge.refund.updated included', () => {
    const full = refundUpdateFromEvent(
      event('charge.refund.updated', {
        id: 're_2',
        amount: '450',
        currency: 'eur',
        payment_intent: { id: 'pi_2' },
        charge: 'ch_2',
        status: 'failed',
        reason: 'requested_by_customer',
        failure_reason: 'lost_or_stolen_card',
        metadata: { tillflow_refund_id: '4' },
      }),
    );
    expect(full).toEqual({
      refundId: 4,
      stripeRefundId: 're_2',
      paymentIntentId: 'pi_2',
      chargeId: 'ch_2',
      amount: 450,
      currency: 'eur',
      reason: 'requested_by_customer',
      status: 'FAILED',
      failureReason: 'lost_or_stolen_card',
    });
    const bare = refundUpdateFromEvent(
      event('refund.updated', {
        id: 're_3',
        amount: 1,
        currency: 'usd',
        status: 'pending',
        reason: null,
        failure_reason: null,
      }),
    );
    expect(bare).toEqual({
      refundId: null,
      stripeRefundId: 're_3',
      paymentIntentId: undefined,
      chargeId: undefined,
      amount: 1,
      currency: 'usd',
      reason: null,
      status: 'PENDING',
      failureReason: undefined,
    });
    for (const type of ['refund.created', 'refund.updated', 'refund.failed', 'charge.refund.updated'])
      expect(refundUpdateFromEvent(event(type, { id: 're_1', status: 'succeeded' })), type).not.toBeNull();
    for (const type of ['charge.refunded', 'refund', 'refund.created.extra', 'payment_intent.succeeded'])
      expect(refundUpdateFromEvent(event(type, { id: 're_1', status: 'succeeded' })), type).toBeNull();
  });

  it('a payment is refunded in full once the refunds reach its amount, partly before, and untouched by none', () => {
    expect(paymentStatusAfterRefunds(1000, -5)).toBe('SUCCESSFUL');
    expect(paymentStatusAfterRefunds(1000, 1)).toBe('PARTIALLY_REFUNDED');
    expect(paymentStatusAfterRefunds(1000, 999)).toBe('PARTIALLY_REFUNDED');
    expect(paymentStatusAfterRefunds(1000, 1001)).toBe('REFUNDED');
  });

  it('reads a subscription on the older API too: period on the subscription, customer expanded, cancellation', () => {
    const snapshot = subscriptionSnapshot({
      id: 'sub_2',
      status: 'past_due',
      customer: { id: 'cus_2', email: 'a@example.test' },
      current_period_start: 1_800_000_000,
      current_period_end: 1_802_592_000,
      cancel_at_period_end: false,
      canceled_at: 1_801_000_000,
      trial_start: 1_800_000_000,
      trial_end: 1_800_000_000 + 13.6 * 86_400,
      metadata: { order_id: '8' },
    });
    expect(snapshot).toEqual({
      subscriptionId: 'sub_2',
      customerId: 'cus_2',
      priceId: undefined,
      status: 'PAST_DUE',
      currentPeriodStart: new Date(1_800_000_000_000),
      currentPeriodEnd: new Date(1_802_592_000_000),
      cancelAtPeriodEnd: false,
      canceledAt: new Date(1_801_000_000_000),
      trialDays: 14,
      orderId: 8,
      recurringPaymentId: null,
      quantity: null,
      planAmount: null,
      planInterval: null,
      collectionPaused: false,
      paymentMethod: null,
    });
    const items = subscriptionSnapshot({
      id: 'sub_3',
      status: 'active',
      customer: 'cus_3',
      cancel_at_period_end: true,
      current_period_start: 1,
      current_period_end: 2,
      items: { data: [{ price: 'price_3', current_period_start: 1_800_000_000, current_period_end: 1_802_592_000 }] },
      trial_start: 1_800_000_000,
      canceled_at: null,
    });
    expect(items).toMatchObject({
      customerId: 'cus_3',
      priceId: 'price_3',
      currentPeriodStart: new Date(1_800_000_000_000),
      currentPeriodEnd: new Date(1_802_592_000_000),
      cancelAtPeriodEnd: true,
      canceledAt: null,
      trialDays: null, // a trial start without an end is no trial length
      orderId: null,
      recurringPaymentId: null,
    });
    expect(
      subscriptionSnapshot({ id: 'sub_4', status: 'active', current_period_end: '1802592000' }).currentPeriodEnd,
    ).toBeNull();
    expect(subscriptionSnapshot({ id: 'sub_5', status: 'active', trial_end: 86_400 }).trialDays).toBeNull();
  });

  it('a subscription with exactly the trial the shop gives, or none where none is given, matches', () => {
    const snap = (trialDays: number | null) => ({
      ...subscriptionSnapshot({ id: 's', status: 'active' }),
      priceId: 'p',
      trialDays,
    });
    expect(subscriptionMatchesStart({ priceId: 'p', trialDays: 7 }, snap(7))).toBe(true);
    expect(subscriptionMatchesStart({ priceId: 'p', trialDays: 7 }, snap(8))).toBe(false);
    expect(subscriptionMatchesStart({ priceId: 'p', trialDays: null }, snap(null))).toBe(true);
    expect(subscriptionMatchesStart({ priceId: 'p', trialDays: null }, snap(0))).toBe(true);
    expect(subscriptionMatchesStart({ priceId: 'p', trialDays: 0 }, snap(1))).toBe(false);
  });

  it('reads a renewal: paid or failed, the amount that applies, its intent and period, on either API shape', () => {
    const invoice = (type: string, extra: Record<string, unknown>) =>
      renewalChargeFromEvent(
        event(type, {
          id: 'in_2',
          billing_reason: 'subscription_cycle',
          amount_paid: 0,
          amount_due: 2500,
          currency: 'usd',
          ...extra,
        }),
      );
    expect(
      invoice('invoice.payment_failed', {
        subscription: 'sub_old',
        payment_intent: 'pi_old',
        period_start: 1_800_000_000,
      }),
    ).toEqual({
      invoiceId: 'in_2',
      subscriptionId: 'sub_old',
      amount: 2500,
      currency: 'usd',
      paid: false,
      paymentIntentId: 'pi_old',
      failureReason: 'The renewal charge failed.',
      periodStart: new Date(1_800_000_000_000),
    });
    expect(
      invoice('invoice.payment_failed', {
        subscription: { id: 'sub_obj' },
        last_finalization_error: { message: 'No card on file.' },
      }),
    ).toMatchObject({ subscriptionId: 'sub_obj', failureReason: 'No card on file.', periodStart: null });
    expect(
      invoice('invoice.paid', {
        amount_paid: 2500,
        parent: { subscription_details: { subscription: 'sub_new' } },
        subscription: 'sub_ignored',
        payments: { data: [{ payment: { payment_intent: 'pi_new' } }] },
        payment_intent: 'pi_ignored',
        last_finalization_error: { message: 'ignored on a paid invoice' },
      }),
    ).toMatchObject({
      subscriptionId: 'sub_new',
      amount: 2500,
      paid: true,
      paymentIntentId: 'pi_new',
      failureReason: undefined,
    });
    expect(invoice('invoice.paid', {})).toBeNull(); // no subscription to renew
    expect(invoice('invoice.created', { subscription: 'sub_1' })).toBeNull();
    expect(invoice('invoice.finalized', { subscription: 'sub_1' })).toBeNull();
    expect(invoice('invoice.paid', { subscription: 'sub_1', billing_reason: 'manual' })).toBeNull();
  });
});

describe('the edges Stryker found', () => {
  it('only a success is compared with what is owed, whatever else the update carries', () => {
    const owed = { amount: 1000, currency: 'usd' };
    const base = { paymentId: 1, orderId: 1, paid: { amount: 1, currency: 'usd' } };
    for (const status of ['FAILED', 'CANCELED', 'PENDING'] as const)
      expect(paidAmountMatches(owed, { ...base, status }), status).toBe(true);
    expect(paidAmountMatches(owed, { ...base, status: 'SUCCESSFUL' })).toBe(false);
    expect(paidAmountMatches(owed, { ...base, status: 'SUCCESSFUL', paid: undefined })).toBe(true);
  });

  it('a canceled payment may only move on to a success (of any amount), never back to pending or a decline', () => {
    expect(shouldApplyPaymentStatus('CANCELED', 'PENDING')).toBe(false);
    expect(shouldApplyPaymentStatus('CANCELED', 'AMOUNT_MISMATCH')).toBe(true);
    expect(shouldApplyPaymentStatus('FAILED', 'FAILED')).toBe(false);
  });

  it('reads partial or unusual shapes without throwing: items without data, parent without subscription details, payments without an intent', () => {
    expect(subscriptionSnapshot({ id: 'sub_1', status: 'active', items: {} }).priceId).toBeUndefined();
    const invoice = (extra: Record<string, unknown>) =>
      renewalChargeFromEvent(
        event('invoice.paid', {
          id: 'in_1',
          billing_reason: 'subscription_cycle',
          amount_paid: 10,
          currency: 'usd',
          ...extra,
        }),
      );
    expect(invoice({ parent: { type: 'quote_details' }, subscription: 'sub_legacy' })?.subscriptionId).toBe(
      'sub_legacy',
    );
    for (const payments of [{}, { data: [] }, { data: [{}] }, { data: [{ payment: {} }] }])
      expect(
        invoice({ subscription: 'sub_1', payments, payment_intent: 'pi_legacy' })?.paymentIntentId,
        JSON.stringify(payments),
      ).toBe('pi_legacy');
  });
});
