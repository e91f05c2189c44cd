// What the payment action (actions/payment.ts, createPaymentAction) asks Stripe for beyond the amount: the shop's
// brand name only off the sandbox and its slogan everywhere, the row's mode (test and live never mix), the
// idempotency key recorded on the payment row (also when a failed request is retried), and which pending payment a
// repeated request reuses (the latest, and only for the same promotion code). Written against the untriaged
// survivors of the 2026-12-04 Stryker run of that file (docs/testing.md).
import { getRow, insertRow } from '@tillflow/data-model';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { saveBranding } from '../src/settings';
import { createStripeClient } from '../src/stripe-client';
import {
  createPaymentsProject,
  environmentPerFile,
  paymentServices,
  returnUrls,
  type SentCall,
  watchedServices,
} from './harness';

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();

/** A shop whose shopper Alice pays orders of $10.00; each payment's Stripe call is recorded in `sent`. */
async function shop() {
  const ctx = await createPaymentsProject(env.handle, env.sandbox);
  const stripe = createStripeClient(ctx.account.secretKey, env.sandbox.url);
  const sent: SentCall[] = [];
  const order = async () =>
    (
      await insertRow(
        env.handle.db,
        ctx.project.id,
        ctx.asUser(ctx.alice),
        'order',
        { title: 'Lamp' },
        { serverValues: { amount: 1000 } },
      )
    ).id;
  const pay = async (
    input: { orderId?: number; method?: 'checkout' | 'payment_intent'; promotionCode?: string } = {},
    options: Omit<Parameters<typeof watchedServices>[1], 'sent' | 'calls'> = {},
  ) => {
    const services = watchedServices(env.handle, {
      ...options,
      sent,
      calls: ['checkout.sessions.create', 'paymentIntents.create'],
    });
    const created = await createPaymentAction(services, ctx.project.id, ctx.asUser(ctx.alice), {
      ...returnUrls(),
      ...input,
      orderId: input.orderId ?? (await order()),
    });
    const row = await getRow(env.handle.db, ctx.project.id, BACKEND, 'payment', created.paymentId);
    return { created, row };
  };
  /** The parameters and options of the last call to Stripe. */
  const lastAsked = () => sent[sent.length - 1].args as [Stripe.Checkout.SessionCreateParams, Stripe.RequestOptions];
  return { ...ctx, stripe, sent, order, pay, lastAsked };
}

describe('a payment asks Stripe', () => {
  it("for the shop's brand name only off the sandbox, and its slogan on the pay button in every mode", async () => {
    const s = await shop();
    await s.pay({}, { mode: 'test' });
    expect(s.lastAsked()[0]).not.toHaveProperty('branding_settings');
    expect(s.lastAsked()[0]).not.toHaveProperty('custom_text');

    await saveBranding(paymentServices(env.handle), s.project.id, {
      brandName: 'Bean & Leaf',
      brandSlogan: 'Roasted this morning',
      brandLogo: null,
    });
    const slogan = { submit: { message: 'Roasted this morning' } };
    for (const mode of ['test', 'live'] as const) {
      await s.pay({}, { mode });
      expect(s.lastAsked()[0]).toMatchObject({
        branding_settings: { display_name: 'Bean & Leaf' },
        custom_text: slogan,
      });
    }
    await s.pay({}, { mode: 'sandbox' });
    expect(s.lastAsked()[0]).not.toHaveProperty('branding_settings');
    expect(s.lastAsked()[0].custom_text).toEqual(slogan);
  });

  it("records the project's mode on the payment: live only for a live-mode project", async () => {
    const s = await shop();
    const intent = { method: 'payment_intent' as const };
    expect((await s.pay(intent, { mode: 'live' })).row?.livemode).toBe(true);
    expect((await s.pay(intent, { mode: 'test' })).row?.livemode).toBe(false);
    expect((await s.pay({}, { mode: 'sandbox' })).row?.livemode).toBe(false);
  });

  it('under the key recorded on the payment row, for a checkout and for a payment intent', async () => {
    const s = await shop();
    for (const method of ['checkout', 'payment_intent'] as const) {
      const { row } = await s.pay({ method });
      expect(row?.idempotency_key).toBe(`tillflow-payment-${s.project.id}-${row?.id}`);
      expect(s.lastAsked()[1]).toEqual({ idempotencyKey: row?.idempotency_key });
    }
    expect(s.sent.map((c) => c.call)).toEqual(['checkout.sessions.create', 'paymentIntents.create']);
  });
});

describe('a repeated payment request', () => {
  it('asks again, under the same key, for a checkout whose first request failed; then reuses it', async () => {
    const s = await shop();
    const orderId = await s.order();
    let failures = 1;
    const lost = async () => {
      if (failures-- > 0) throw new Error('connection reset');
    };
    await expect(s.pay({ orderId }, { before: lost })).rejects.toMatchObject({ code: 'PAYMENT_PROVIDER' });
    const retried = await s.pay({ orderId });
    expect(retried.created).toMatchObject({ reused: true, status: 'PENDING' });
    expect(retried.created.checkoutUrl).toMatch(/^http.*\/c\/pay\//);
    expect(retried.row?.checkout_url).toBe(retried.created.checkoutUrl);
    expect(s.sent.map((c) => (c.args[1] as Stripe.RequestOptions).idempotencyKey)).toEqual([
      retried.row?.idempotency_key,
      retried.row?.idempotency_key,
    ]);

    const third = await s.pay({ orderId });
    expect(third.created).toEqual(retried.created);
    expect(s.sent).toHaveLength(2);
  });

  it('reuses the latest pending payment of the order, and only when it was for the same promotion code', async () => {
    const s = await shop();
    const coupon = await s.stripe.coupons.create({ percent_off: 20, duration: 'once' });
    await s.stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code: 'BEANS20' });
    const orderId = await s.order();
    const withCode = await s.pay({ orderId, promotionCode: 'BEANS20' });
    expect(withCode.row?.discount_code).toBe('BEANS20');
    expect((await s.pay({ orderId, promotionCode: 'BEANS20' })).created).toEqual({ ...withCode.created, reused: true });

    const without = await s.pay({ orderId });
    expect(without.created.reused).toBe(false);
    expect(without.created.paymentId).not.toBe(withCode.created.paymentId);
    // Two pending payments now: the latest (without a code) is the one a request without a code gets back.
    expect((await s.pay({ orderId })).created).toEqual({ ...without.created, reused: true });

    const codeAgain = await s.pay({ orderId, promotionCode: 'BEANS20' });
    expect(codeAgain.created.reused).toBe(false);
    expect([withCode.created.paymentId, without.created.paymentId]).not.toContain(codeAgain.created.paymentId);
    expect(s.sent).toHaveLength(3);
  });
});
