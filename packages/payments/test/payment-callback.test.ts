import { getRow, getTable, insertRow, updateColumn, updateRows } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { handlePaymentEvent } from '../src/callbacks/payment';
import { PAYMENT_STATUSES } from '../src/system-tables';
import { createPaymentsProject, environmentPerFile, paymentServices, returnUrls, stripeEvent } from './harness';

// The payment callback handler on its own, fed the events Stripe would send (built here, so each
// field can be set): what it writes to the payment row and what it tells the flow. The same rules
// are checked through the webhook route and workers in stale-events, amount-mismatch and webhook-flows;
// this file pins each field and is what `npm run test:mutation` uses for callbacks/payment.ts.

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();
/** An order of `amount` (USD cents) and its payment row, as the payment action makes them. */
async function pendingPayment(amount = 2500, method: 'payment_intent' | 'checkout' = 'payment_intent') {
  const ctx = await createPaymentsProject(env.handle, env.sandbox);
  const { project, alice, asUser } = ctx;
  const order = await insertRow(
    env.handle.db,
    project.id,
    asUser(alice),
    'order',
    { title: 'Lamp' },
    { serverValues: { amount } },
  );
  const created = await createPaymentAction(paymentServices(env.handle), project.id, asUser(alice), {
    orderId: order.id,
    method,
    ...(method === 'checkout' ? returnUrls() : {}),
  });
  const row = async (): Promise<Record<string, unknown>> =>
    (await getRow(env.handle.db, project.id, BACKEND, 'payment', created.paymentId)) ?? {};
  const first = await row();
  /** A Stripe event about this payment's intent (or session), with our metadata unless told otherwise. */
  const event = (type: string, object: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
    stripeEvent(
      type,
      {
        id: type.startsWith('checkout.') ? first.stripe_checkout_session_id : first.stripe_payment_intent_id,
        mode: 'payment',
        metadata: { tillflow_payment_id: String(created.paymentId), order_id: String(order.id) },
        ...object,
      },
      extra,
    );
  const handleEvent = (e: ReturnType<typeof event>) =>
    env.handle.db.transaction((tx) => handlePaymentEvent(tx, project.id, e as never));
  return { ...ctx, order, paymentId: created.paymentId, row, event, handleEvent };
}

const paidIntent = (amount = 2500, extra: Record<string, unknown> = {}) => ({
  amount,
  amount_received: amount,
  currency: 'usd',
  latest_charge: 'ch_paid',
  ...extra,
});

describe('the payment callback handler', () => {
  it('records a success with its time, charge and receipt fields, once; the same event again changes nothing', async () => {
    const p = await pendingPayment(2500);
    const succeeded = p.event('payment_intent.succeeded', paidIntent());
    const output = await p.handleEvent(succeeded);
    expect(output).toMatchObject({
      orderId: p.order.id,
      paymentId: p.paymentId,
      paymentStatus: 'SUCCESSFUL',
      amountMatches: true,
      alreadyProcessed: false,
      recovered: false,
      amount: 2500,
      currency: 'usd',
      amountDisplay: expect.stringContaining('25.00'),
      customerEmail: p.alice.email,
      ignored: false,
    });
    const row = await p.row();
    expect(row).toMatchObject({ status: 'SUCCESSFUL', stripe_charge_id: 'ch_paid', failure_reason: null });
    expect(new Date(String(row.paid_at)).getTime()).toBe(succeeded.created * 1000);
    expect(await p.handleEvent(succeeded)).toMatchObject({
      paymentStatus: 'SUCCESSFUL',
      alreadyProcessed: true,
      recovered: false,
    });
    // Not even written again: the row (its updated_at too) is as the first delivery left it.
    expect(await p.row()).toEqual(row);
  });

  it('keeps the charge of its own intent: a session event without a charge, or another intent paid too, never replaces it', async () => {
    const p = await pendingPayment(2500, 'checkout');
    const session = { payment_intent: 'pi_checkout', payment_status: 'paid', amount_total: 2500, currency: 'usd' };
    await p.handleEvent(p.event('checkout.session.completed', session));
    await p.handleEvent(p.event('payment_intent.succeeded', { id: 'pi_checkout', ...paidIntent() }));
    expect(await p.row()).toMatchObject({ stripe_payment_intent_id: 'pi_checkout', stripe_charge_id: 'ch_paid' });
    await p.handleEvent(p.event('checkout.session.completed', session));
    expect((await p.row()).stripe_charge_id).toBe('ch_paid');
    // The shopper paid again on an intent of their own carrying our metadata: the payment stays its own intent's.
    await p.handleEvent(
      p.event('payment_intent.succeeded', { id: 'pi_their_own', ...paidIntent(2500, { latest_charge: 'ch_theirs' }) }),
    );
    expect(await p.row()).toMatchObject({ stripe_payment_intent_id: 'pi_checkout', stripe_charge_id: 'ch_paid' });
  });

  it('a decline then a success on the same intent: FAILED with Stripe’s reason, then SUCCESSFUL, recovered, no reason left', async () => {
    const p = await pendingPayment();
    const failed = await p.handleEvent(
      p.event('payment_intent.payment_failed', {
        latest_charge: 'ch_declined',
        last_payment_error: { message: 'Your card was declined.' },
      }),
    );
    expect(failed).toMatchObject({ paymentStatus: 'FAILED', alreadyProcessed: false, recovered: false });
    expect(await p.row()).toMatchObject({
      status: 'FAILED',
      failure_reason: 'Your card was declined.',
      paid_at: null,
      stripe_charge_id: 'ch_declined',
    });
    const paid = await p.handleEvent(p.event('payment_intent.succeeded', paidIntent()));
    expect(paid).toMatchObject({ paymentStatus: 'SUCCESSFUL', recovered: true, alreadyProcessed: false });
    // The charge that collected the money is the payment's charge now, as the intent's latest_charge says.
    expect(await p.row()).toMatchObject({ status: 'SUCCESSFUL', failure_reason: null, stripe_charge_id: 'ch_paid' });
  });

  it('a canceled intent that is paid after all is recovered too', async () => {
    const p = await pendingPayment();
    expect(await p.handleEvent(p.event('payment_intent.canceled', { cancellation_reason: 'abandoned' }))).toMatchObject(
      {
        paymentStatus: 'CANCELED',
      },
    );
    expect(await p.row()).toMatchObject({ status: 'CANCELED', failure_reason: 'abandoned' });
    expect(await p.handleEvent(p.event('payment_intent.succeeded', paidIntent()))).toMatchObject({
      paymentStatus: 'SUCCESSFUL',
      recovered: true,
    });
  });

  it('a stale failure after the success changes neither status nor reason; a charge id it brings fills a gap but never replaces the one that collected', async () => {
    const p = await pendingPayment();
    await p.handleEvent(p.event('payment_intent.succeeded', paidIntent(2500, { latest_charge: null })));
    expect((await p.row()).stripe_charge_id).toBeNull();
    const stale = await p.handleEvent(
      p.event('payment_intent.payment_failed', {
        latest_charge: 'ch_late',
        last_payment_error: { message: 'Declined.' },
      }),
    );
    expect(stale).toMatchObject({ paymentStatus: 'SUCCESSFUL', alreadyProcessed: true, recovered: false });
    expect(await p.row()).toMatchObject({ status: 'SUCCESSFUL', failure_reason: null, stripe_charge_id: 'ch_late' });
    // A declined attempt's charge never replaces the one that collected: the success's charge is kept.
    await p.handleEvent(p.event('payment_intent.succeeded', paidIntent(2500, { latest_charge: 'ch_paid' })));
    expect((await p.row()).stripe_charge_id).toBe('ch_paid');
    await p.handleEvent(
      p.event('payment_intent.payment_failed', { latest_charge: 'ch_later', last_payment_error: { message: 'No.' } }),
    );
    expect((await p.row()).stripe_charge_id).toBe('ch_paid');
  });

  it('a success for less than the order owes is AMOUNT_MISMATCH with both amounts in its reason; the right amount settles it', async () => {
    const p = await pendingPayment(10_000);
    const short = await p.handleEvent(p.event('payment_intent.succeeded', paidIntent(50)));
    expect(short).toMatchObject({ paymentStatus: 'AMOUNT_MISMATCH', amountMatches: false, alreadyProcessed: false });
    const row = await p.row();
    expect(row.status).toBe('AMOUNT_MISMATCH');
    expect(row.failure_reason).toMatch(/^Stripe reports .*0\.50.* paid; the order owes .*100\.00.*\.$/);
    const right = await p.handleEvent(p.event('payment_intent.succeeded', paidIntent(10_000)));
    expect(right).toMatchObject({ paymentStatus: 'SUCCESSFUL', amountMatches: true, recovered: false });
    expect(await p.row()).toMatchObject({ status: 'SUCCESSFUL', failure_reason: null });
  });

  it('a refunded payment reads SUCCESSFUL to the flow (paid, then refunded), and a late success leaves it refunded', async () => {
    const p = await pendingPayment();
    await p.handleEvent(p.event('payment_intent.succeeded', paidIntent()));
    await updateRows(
      env.handle.db,
      p.project.id,
      BACKEND,
      'payment',
      [{ column: 'id', op: 'eq', value: p.paymentId }],
      {
        status: 'PARTIALLY_REFUNDED',
      },
    );
    const late = await p.handleEvent(p.event('payment_intent.succeeded', paidIntent()));
    expect(late).toMatchObject({ paymentStatus: 'SUCCESSFUL', alreadyProcessed: true });
    expect((await p.row()).status).toBe('PARTIALLY_REFUNDED');
  });

  it('finds a checkout payment by its session id when the metadata is missing, and fills in the intent id', async () => {
    const p = await pendingPayment(1500, 'checkout');
    const completed = p.event('checkout.session.completed', {
      metadata: {},
      payment_status: 'paid',
      payment_intent: 'pi_from_session',
      amount_total: 1500,
      currency: 'usd',
    });
    expect(await p.handleEvent(completed)).toMatchObject({ paymentId: p.paymentId, paymentStatus: 'SUCCESSFUL' });
    expect(await p.row()).toMatchObject({ status: 'SUCCESSFUL', stripe_payment_intent_id: 'pi_from_session' });
  });

  it('ignores events about no payment of ours, and live events for a test payment', async () => {
    const p = await pendingPayment();
    const ignored = {
      orderId: null,
      paymentId: null,
      paymentStatus: null,
      amountMatches: true,
      alreadyProcessed: false,
      recovered: false,
      ignored: true,
    };
    expect(await p.handleEvent(p.event('payment_intent.succeeded', { ...paidIntent(), metadata: {} }))).toMatchObject(
      ignored,
    );
    expect(
      await p.handleEvent(
        p.event('payment_intent.succeeded', {
          ...paidIntent(),
          id: 'pi_unknown',
          metadata: { tillflow_payment_id: '999999' },
        }),
      ),
    ).toMatchObject(ignored);
    expect(await p.handleEvent(p.event('payment_intent.succeeded', paidIntent(), { livemode: true }))).toMatchObject(
      ignored,
    );
    expect(await p.handleEvent(p.event('charge.succeeded', paidIntent()))).toMatchObject(ignored);
    expect((await p.row()).status).toBe('PENDING');
  });
  it('a canceled intent whose decline is delivered late stays CANCELED (Stripe’s intent never leaves canceled), not recovered', async () => {
    const p = await pendingPayment();
    await p.handleEvent(p.event('payment_intent.canceled'));
    expect(await p.handleEvent(p.event('payment_intent.payment_failed'))).toMatchObject({
      paymentStatus: 'CANCELED',
      recovered: false,
      alreadyProcessed: true,
    });
    expect((await p.row()).status).toBe('CANCELED');
  });

  it('a declined intent that is then canceled moves on to CANCELED, not recovered', async () => {
    const p = await pendingPayment();
    await p.handleEvent(p.event('payment_intent.payment_failed'));
    expect(await p.handleEvent(p.event('payment_intent.canceled'))).toMatchObject({
      paymentStatus: 'CANCELED',
      recovered: false,
      alreadyProcessed: false,
    });
    expect((await p.row()).status).toBe('CANCELED');
  });

  it('an unpaid checkout leaves the payment PENDING, and a session never replaces the intent id already recorded', async () => {
    const p = await pendingPayment(1500, 'checkout');
    const unpaid = p.event('checkout.session.completed', { payment_status: 'unpaid', payment_intent: 'pi_first' });
    expect(await p.handleEvent(unpaid)).toMatchObject({ paymentStatus: 'PENDING', alreadyProcessed: true });
    expect(await p.row()).toMatchObject({ status: 'PENDING', stripe_payment_intent_id: 'pi_first' });
    const paid = p.event('checkout.session.completed', {
      payment_status: 'paid',
      payment_intent: 'pi_second',
      amount_total: 1500,
      currency: 'usd',
    });
    expect(await p.handleEvent(paid)).toMatchObject({ paymentStatus: 'SUCCESSFUL' });
    expect(await p.row()).toMatchObject({ status: 'SUCCESSFUL', stripe_payment_intent_id: 'pi_first' });
  });

  it('an intent whose metadata names no payment of this project is matched by its intent id', async () => {
    const p = await pendingPayment();
    const output = await p.handleEvent(
      p.event('payment_intent.succeeded', { ...paidIntent(), metadata: { tillflow_payment_id: '987654' } }),
    );
    expect(output).toMatchObject({ paymentId: p.paymentId, paymentStatus: 'SUCCESSFUL' });
    expect((await p.row()).status).toBe('SUCCESSFUL');
  });

  it('an event changes only its own payment row, never another payment of the shop', async () => {
    const p = await pendingPayment();
    const other = await insertRow(
      env.handle.db,
      p.project.id,
      p.asUser(p.alice),
      'order',
      { title: 'Rug' },
      { serverValues: { amount: 900 } },
    );
    const second = await createPaymentAction(paymentServices(env.handle), p.project.id, p.asUser(p.alice), {
      orderId: other.id,
      method: 'payment_intent',
    });
    await p.handleEvent(p.event('payment_intent.succeeded', paidIntent()));
    expect((await p.row()).status).toBe('SUCCESSFUL');
    expect(await getRow(env.handle.db, p.project.id, BACKEND, 'payment', second.paymentId)).toMatchObject({
      status: 'PENDING',
      stripe_charge_id: null,
      paid_at: null,
    });
  });

  it('adds AMOUNT_MISMATCH to the status column (activated before it existed) only when a mismatch first needs it', async () => {
    const p = await pendingPayment(10_000);
    const before = PAYMENT_STATUSES.filter((s) => s !== 'AMOUNT_MISMATCH');
    await updateColumn(
      env.handle.db,
      p.project.id,
      'payment',
      'status',
      { enumOptions: before },
      { allowSystem: true },
    );
    const options = async () =>
      (await getTable(env.handle.db, p.project.id, 'payment')).columns.find((c) => c.name === 'status')?.enumOptions;
    await p.handleEvent(p.event('payment_intent.payment_failed'));
    expect(await options()).toEqual(before);
    await p.handleEvent(p.event('payment_intent.succeeded', paidIntent(50)));
    expect(await options()).toEqual(PAYMENT_STATUSES);
    expect((await p.row()).status).toBe('AMOUNT_MISMATCH');
  });
});
