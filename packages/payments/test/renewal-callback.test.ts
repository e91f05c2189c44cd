// The renewal callback (callbacks/renewal.ts) fed invoice events directly: the renewal order it makes from the
// first one (its editable mapping), the payment row and the amounts it expects, and how later events about the
// same invoice move that row (forward only; a recovered failure). Written against the survivors of the
// 2026-12-04 Stryker run of that file.
import { addColumn, getRow, insertRow, queryRows } from '@tillflow/data-model';
import { describe, expect, it } from 'vitest';
import { handleRenewalEvent, type RenewalOrderMapping } from '../src/callbacks/renewal';
import { createPaymentsProject, environmentPerFile, setRow, stripeEvent } from './harness';

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();

async function subscribedShop(row: Record<string, unknown> = {}) {
  const shop = await createPaymentsProject(env.handle, env.sandbox);
  const first = await insertRow(env.handle.db, shop.project.id, BACKEND, 'order', {
    title: 'Coffee club',
    amount: 900,
    currency: 'usd',
    customer: shop.alice.id,
    status: 'paid',
  });
  const subscriptionId = `sub_${shop.project.id}`;
  const recurring = await insertRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', {
    order_id: first.id,
    subscriber: shop.alice.id,
    stripe_price_id: 'price_monthly',
    stripe_subscription_id: subscriptionId,
    status: 'ACTIVE',
    initial_amount: 900,
    currency: 'usd',
    ...row,
  });
  let invoices = 0;
  const invoice = (extra: Record<string, unknown> = {}) => {
    invoices += 1;
    return {
      id: `in_${shop.project.id}_${invoices}`,
      object: 'invoice',
      billing_reason: 'subscription_cycle',
      parent: { subscription_details: { subscription: subscriptionId } },
      amount_paid: 900,
      amount_due: 900,
      currency: 'usd',
      payments: { data: [{ payment: { payment_intent: `pi_${shop.project.id}_${invoices}` } }] },
      ...extra,
    };
  };
  const deliver = (type: string, object: Record<string, unknown>, mapping?: RenewalOrderMapping, extra = {}) =>
    env.handle.db.transaction((tx) =>
      handleRenewalEvent(tx, shop.project.id, stripeEvent(type, object, extra), 'order', mapping),
    );
  const payment = async (id: number | null) => getRow(env.handle.db, shop.project.id, BACKEND, 'payment', Number(id));
  const order = async (id: number | null) => getRow(env.handle.db, shop.project.id, BACKEND, 'order', Number(id));
  return { ...shop, first, recurring, subscriptionId, invoice, deliver, payment, order };
}

describe('the renewal callback', () => {
  it('makes a renewal order copied from the first one and a SUCCESSFUL renewal payment with its receipt', async () => {
    const shop = await subscribedShop();
    const inv = shop.invoice();
    const out = await shop.deliver('invoice.paid', inv);
    expect(out).toMatchObject({
      originalOrderId: shop.first.id,
      paymentStatus: 'SUCCESSFUL',
      alreadyProcessed: false,
      recovered: false,
      needsReview: false,
      ignored: false,
      amount: 900,
      currency: 'usd',
      amountDisplay: '$9.00',
      customerEmail: shop.alice.email,
      itemName: 'Coffee club',
    });
    expect(out.orderId).not.toBe(shop.first.id);
    expect(await shop.order(out.orderId)).toMatchObject({
      title: 'Coffee club',
      amount: 900,
      currency: 'usd',
      customer: shop.alice.id,
      status: 'paid',
    });
    const payment = await shop.payment(out.paymentId);
    expect(payment).toMatchObject({
      order_id: out.orderId,
      payer: shop.alice.id,
      amount: 900,
      currency: 'usd',
      status: 'SUCCESSFUL',
      method: 'renewal',
      stripe_invoice_id: inv.id,
      stripe_payment_intent_id: `pi_${shop.project.id}_1`,
      failure_reason: null,
      review_reason: null,
      livemode: false,
    });
    expect(payment?.paid_at).toBeTruthy();

    // The same invoice paid again: nothing new, and nothing recovered.
    const again = await shop.deliver('invoice.paid', inv);
    expect(again).toMatchObject({
      paymentId: out.paymentId,
      orderId: out.orderId,
      alreadyProcessed: true,
      recovered: false,
      ignored: false,
      paymentStatus: 'SUCCESSFUL',
    });
    const { rows } = await queryRows(env.handle.db, shop.project.id, BACKEND, 'payment', {
      filters: [{ column: 'method', op: 'eq', value: 'renewal' }],
    });
    expect(rows).toHaveLength(1);
  });

  it("copies only the columns the mapping names and sets the mapping's values; unique columns are never copied", async () => {
    const shop = await subscribedShop();
    const out = await shop.deliver('invoice.paid', shop.invoice(), {
      copyColumns: ['title', 'customer'],
      orderFieldMapping: { status: 'pending', amount: 1234 },
    });
    expect(await shop.order(out.orderId)).toMatchObject({
      title: 'Coffee club',
      customer: shop.alice.id,
      currency: null,
      status: 'pending',
      amount: 1234,
    });
  });

  it('records a declined renewal FAILED with the reason, then SUCCESSFUL once collected (recovered); a stale failure never undoes it', async () => {
    const shop = await subscribedShop();
    const inv = shop.invoice({
      payments: { data: [] },
      last_finalization_error: { message: 'Your card was declined.' },
    });
    const failed = await shop.deliver('invoice.payment_failed', inv);
    expect(failed).toMatchObject({ paymentStatus: 'FAILED', recovered: false, alreadyProcessed: false });
    expect(await shop.payment(failed.paymentId)).toMatchObject({
      status: 'FAILED',
      failure_reason: 'Your card was declined.',
      paid_at: null,
      stripe_payment_intent_id: null,
    });

    const paid = await shop.deliver(
      'invoice.paid',
      { ...inv, payments: { data: [{ payment: { payment_intent: 'pi_later' } }] } },
      undefined,
      { created: 1_900_000_500 },
    );
    expect(paid).toMatchObject({
      paymentId: failed.paymentId,
      orderId: failed.orderId,
      paymentStatus: 'SUCCESSFUL',
      recovered: true,
      alreadyProcessed: false,
    });
    const row = await shop.payment(failed.paymentId);
    expect(row).toMatchObject({ status: 'SUCCESSFUL', failure_reason: null, stripe_payment_intent_id: 'pi_later' });
    // Paid when Stripe says (the event's time), not when the event was handled.
    expect(new Date(String(row?.paid_at)).getTime()).toBe(1_900_000_500 * 1000);

    const stale = await shop.deliver('invoice.payment_failed', inv);
    expect(stale).toMatchObject({ paymentStatus: 'SUCCESSFUL', alreadyProcessed: true, recovered: false });
    expect(await shop.payment(failed.paymentId)).toMatchObject({ status: 'SUCCESSFUL', failure_reason: null });
  });

  it('a second decline of the same invoice is the same news: the first reason stays (the generic one when Stripe gives none)', async () => {
    const shop = await subscribedShop();
    const inv = shop.invoice({ payments: { data: [] } });
    const first = await shop.deliver('invoice.payment_failed', inv);
    expect(await shop.payment(first.paymentId)).toMatchObject({ failure_reason: 'The renewal charge failed.' });
    const second = await shop.deliver('invoice.payment_failed', {
      ...inv,
      last_finalization_error: { message: 'Insufficient funds.' },
    });
    expect(second).toMatchObject({
      paymentId: first.paymentId,
      paymentStatus: 'FAILED',
      recovered: false,
      alreadyProcessed: true,
    });
    expect(await shop.payment(first.paymentId)).toMatchObject({
      status: 'FAILED',
      failure_reason: 'The renewal charge failed.',
    });
  });

  it('flags a renewal that collected other than expected (the adjusted amount when set), and never fails it for that', async () => {
    const shop = await subscribedShop({ next_amount: 600 });
    const out = await shop.deliver('invoice.paid', shop.invoice({ amount_paid: 900 }));
    expect(out).toMatchObject({ paymentStatus: 'SUCCESSFUL', needsReview: true, amount: 900 });
    expect((await shop.payment(out.paymentId))?.review_reason).toBe(
      "Stripe collected $9.00; $6.00 was expected. Review the subscription's price in Stripe.",
    );
    const expected = await shop.deliver('invoice.paid', shop.invoice({ amount_paid: 600 }));
    expect(expected).toMatchObject({ needsReview: false });
    expect((await shop.payment(expected.paymentId))?.review_reason).toBeNull();

    // A declined renewal is never "collected other than expected".
    const declined = await shop.deliver(
      'invoice.payment_failed',
      shop.invoice({ amount_due: 900, payments: { data: [] } }),
    );
    expect(declined).toMatchObject({ needsReview: false, paymentStatus: 'FAILED' });
    // Collected later at the unexpected amount: flagged then.
    const recovered = await shop.deliver('invoice.paid', {
      ...shop.invoice({ amount_paid: 900 }),
      id: (await shop.payment(declined.paymentId))?.stripe_invoice_id,
    });
    expect(recovered).toMatchObject({ recovered: true, needsReview: true });

    // Nothing expected at all: nothing to flag.
    const open = await subscribedShop({ initial_amount: null });
    expect(await open.deliver('invoice.paid', open.invoice({ amount_paid: 4321 }))).toMatchObject({
      needsReview: false,
    });
  });

  it("records when Stripe took the money and which intent took it first; a live subscription's renewals are live", async () => {
    const shop = await subscribedShop();
    const out = await shop.deliver('invoice.paid', shop.invoice(), undefined, { created: 1_900_000_000 });
    expect(new Date(String((await shop.payment(out.paymentId))?.paid_at)).getTime()).toBe(1_900_000_000 * 1000);

    // A decline on one intent, then collected on another: the first intent recorded stays.
    const inv = shop.invoice({ payments: { data: [{ payment: { payment_intent: 'pi_first_try' } }] } });
    const failed = await shop.deliver('invoice.payment_failed', inv);
    await shop.deliver('invoice.paid', {
      ...inv,
      payments: { data: [{ payment: { payment_intent: 'pi_second_try' } }] },
    });
    expect(await shop.payment(failed.paymentId)).toMatchObject({
      status: 'SUCCESSFUL',
      stripe_payment_intent_id: 'pi_first_try',
    });

    const live = await subscribedShop({ livemode: true });
    const liveOut = await live.deliver('invoice.paid', live.invoice(), undefined, { livemode: true });
    expect(liveOut).toMatchObject({ ignored: false, paymentStatus: 'SUCCESSFUL' });
    expect(await live.payment(liveOut.paymentId)).toMatchObject({ livemode: true });
  });

  it('never copies a unique column of the first order (an order number would collide)', async () => {
    const shop = await subscribedShop();
    await addColumn(env.handle.db, shop.project.id, 'order', { name: 'reference', type: 'text', unique: true });
    await setRow(env.handle, shop.project.id, 'order', shop.first.id, {
      reference: 'ORD-0001',
    });
    const out = await shop.deliver('invoice.paid', shop.invoice());
    expect(await shop.order(out.orderId)).toMatchObject({ title: 'Coffee club', reference: null });
    expect(await shop.order(shop.first.id)).toMatchObject({ reference: 'ORD-0001' });
  });

  it('ignores the first invoice, other events, unknown subscriptions and the other mode', async () => {
    const shop = await subscribedShop();
    const nothing = { ignored: true, orderId: null, paymentId: null, paymentStatus: null, alreadyProcessed: false };
    expect(await shop.deliver('invoice.paid', shop.invoice({ billing_reason: 'subscription_create' }))).toMatchObject(
      nothing,
    );
    expect(await shop.deliver('invoice.finalized', shop.invoice())).toMatchObject(nothing);
    expect(
      await shop.deliver(
        'invoice.paid',
        shop.invoice({ parent: { subscription_details: { subscription: 'sub_nobody' } } }),
      ),
    ).toMatchObject(nothing);
    expect(await shop.deliver('invoice.paid', shop.invoice(), undefined, { livemode: true })).toMatchObject(nothing);
    const { rows } = await queryRows(env.handle.db, shop.project.id, BACKEND, 'payment', {
      filters: [{ column: 'method', op: 'eq', value: 'renewal' }],
    });
    expect(rows).toHaveLength(0);
  });
});
