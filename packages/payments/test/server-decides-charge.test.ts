import { getRow, insertRow } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { initiateRecurringAction } from '../src/actions/recurring';
import { saveReturnOrigins } from '../src/return-urls';
import { createStripeClient } from '../src/stripe-client';
import {
  createPaymentsProject,
  offerPlans,
  paymentServices,
  returnUrls,
  type Sandbox,
  startEnvironment,
} from './harness';

const BACKEND = { kind: 'backend' } as const;

// An end user names the order (and a plan the shop offers); the server decides amount, currency,
// price and trial. The shop's own backend (an API key) may still name an amount.
describe('what is charged is decided by the server', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  let urls: ReturnType<typeof returnUrls>;
  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
    urls = returnUrls();
  });
  afterAll(async () => {
    await sandbox.close();
    await handle.close();
  });

  async function shop() {
    const p = await createPaymentsProject(handle, sandbox);
    const stripe = createStripeClient(p.account.secretKey, sandbox.url);
    const order = await insertRow(
      handle.db,
      p.project.id,
      p.asUser(p.alice),
      'order',
      { title: 'Desk' },
      { serverValues: { amount: 10_000 } },
    );
    return { ...p, stripe, order };
  }

  it('refuses an end user’s amount, currency, price or trial with a 400 that says what to do, and charges the order’s own amount', async () => {
    const { project, alice, asUser, stripe, order } = await shop();
    const pay = (extra: Record<string, unknown>) =>
      createPaymentAction(paymentServices(handle), project.id, asUser(alice), {
        orderId: order.id,
        method: 'payment_intent',
        ...extra,
      } as never);
    await expect(pay({ amount: 50 })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'amount is decided by the shop from the order; remove it from the request.',
      fieldErrors: { amount: expect.any(String) },
    });
    await expect(pay({ amount: 50, currency: 'usd' })).rejects.toMatchObject({
      code: 'VALIDATION',
      fieldErrors: { amount: expect.any(String), currency: expect.stringMatching(/^currency is decided by the shop/) },
    });
    for (const field of ['currency', 'price', 'priceId', 'product', 'trialDays'])
      await expect(pay({ [field]: field === 'trialDays' ? 730 : 'x' })).rejects.toMatchObject({
        code: 'VALIDATION',
        fieldErrors: { [field]: expect.stringMatching(new RegExp(`^${field} is decided by the shop`)) },
      });

    const paid = await pay({});
    const row = await getRow(handle.db, project.id, BACKEND, 'payment', paid.paymentId);
    expect(row).toMatchObject({ amount: 10_000, currency: 'usd', status: 'PENDING' });
    const intent = await stripe.paymentIntents.retrieve(String(row?.stripe_payment_intent_id));
    expect({ amount: intent.amount, currency: intent.currency }).toEqual({ amount: 10_000, currency: 'usd' });
  });

  it('an order with no amount is the shop’s setup to fix, said so', async () => {
    const { project, alice, asUser } = await shop();
    const empty = await insertRow(handle.db, project.id, asUser(alice), 'order', { title: 'Gift' });
    await expect(
      createPaymentAction(paymentServices(handle), project.id, asUser(alice), {
        orderId: empty.id,
        method: 'payment_intent',
      }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/Order \d+ cannot be charged: it has no amount yet/),
    });
  });

  it('an API-key caller may still name the amount and currency', async () => {
    const { project, stripe, order } = await shop();
    const paid = await createPaymentAction(paymentServices(handle), project.id, BACKEND, {
      orderId: order.id,
      amount: 2_500,
      currency: 'eur',
      method: 'payment_intent',
    });
    const row = await getRow(handle.db, project.id, BACKEND, 'payment', paid.paymentId);
    expect(row).toMatchObject({ amount: 2_500, currency: 'eur' });
    const intent = await stripe.paymentIntents.retrieve(String(row?.stripe_payment_intent_id));
    expect(intent.amount).toBe(2_500);
  });

  it('return URLs must be http(s) on the studio’s origin or a site the shop allowed', async () => {
    const { project, alice, asUser, order } = await shop();
    const checkout = (successUrl: string, actor: Parameters<typeof createPaymentAction>[2] = asUser(alice)) =>
      createPaymentAction(paymentServices(handle), project.id, actor, {
        orderId: order.id,
        method: 'checkout',
        successUrl,
        cancelUrl: urls.cancelUrl,
      });
    for (const foreign of ['https://evil.example/phish', 'javascript:alert(1)', 'ftp://x.example/'])
      await expect(checkout(foreign)).rejects.toMatchObject({
        code: 'VALIDATION',
        message: expect.stringMatching(/^successUrl must be/),
        fieldErrors: { successUrl: expect.any(String) },
      });
    await expect(checkout('https://shop.example/thanks', BACKEND)).rejects.toMatchObject({ code: 'VALIDATION' });
    const ok = await checkout(urls.successUrl);
    expect(ok.checkoutUrl).toMatch(/\/c\/pay\/cs_test_/);

    await expect(
      saveReturnOrigins(handle, project.id, { origins: ['https://shop.example/path'] }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/Enter only the site/) });
    await expect(saveReturnOrigins(handle, project.id, { origins: ['javascript:alert(1)'] })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    expect(
      await saveReturnOrigins(handle, project.id, { origins: ['https://shop.example', 'https://shop.example/'] }),
    ).toEqual(['https://shop.example']);
    const allowed = await checkout('https://shop.example/thanks?order=1', BACKEND);
    expect(allowed.checkoutUrl).toMatch(/\/c\/pay\/cs_test_/);
  });

  it('an end user subscribes by naming a plan the shop offers; its price and the shop’s trial apply', async () => {
    const { project, alice, asUser, stripe, order } = await shop();
    const product = await stripe.products.create({ name: 'Desk club' });
    const monthly = await stripe.prices.create({
      product: product.id,
      unit_amount: 10_000,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    const cheap = await stripe.prices.create({
      product: product.id,
      unit_amount: 100,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    await offerPlans(handle, project.id, [monthly.id, cheap.id], 7);
    const subscribe = (input: Record<string, unknown>) =>
      initiateRecurringAction(paymentServices(handle), project.id, asUser(alice), {
        orderId: order.id,
        ...urls,
        ...input,
      } as never);

    await expect(subscribe({ priceId: monthly.id })).rejects.toMatchObject({
      code: 'VALIDATION',
      fieldErrors: { priceId: expect.stringMatching(/name the plan with "plan"/) },
    });
    await expect(subscribe({ plan: monthly.id, trialDays: 730 })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'trialDays is decided by the shop’s plan settings; remove it from the request.',
    });
    await expect(subscribe({ plan: monthly.id, amount: 1 })).rejects.toMatchObject({ code: 'VALIDATION' });
    const unlisted = await stripe.prices.create({
      product: product.id,
      unit_amount: 10_000,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    await expect(subscribe({ plan: unlisted.id })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining(`does not offer the plan "${unlisted.id}"; choose one of: ${monthly.id}`),
    });
    // A 100.00 order cannot be paid by subscribing to the 1.00 plan.
    await expect(subscribe({ plan: cheap.id })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringMatching(/is for \$100\.00, but that plan costs \$1\.00/),
    });
    await expect(subscribe({ plan: monthly.id, successUrl: 'https://evil.example/' })).rejects.toMatchObject({
      code: 'VALIDATION',
      fieldErrors: { successUrl: expect.any(String) },
    });

    const started = await subscribe({ plan: monthly.id });
    const row = await getRow(handle.db, project.id, BACKEND, 'recurring_payment', started.recurringPaymentId);
    expect(row).toMatchObject({ stripe_price_id: monthly.id, trial_days: 7, initial_amount: 10_000 });
    const session = await stripe.checkout.sessions.retrieve(String(row?.stripe_checkout_session_id));
    expect({ amount: session.amount_total, currency: session.currency }).toEqual({ amount: 10_000, currency: 'usd' });

    // The shop's backend may still name any recurring price and trial.
    const other = await insertRow(handle.db, project.id, BACKEND, 'order', { title: 'Staff desk' });
    const byKey = await initiateRecurringAction(paymentServices(handle), project.id, BACKEND, {
      orderId: other.id,
      priceId: unlisted.id,
      trialDays: 30,
      ...urls,
    });
    const keyed = await getRow(handle.db, project.id, BACKEND, 'recurring_payment', byKey.recurringPaymentId);
    expect(keyed).toMatchObject({ stripe_price_id: unlisted.id, trial_days: 30 });
  });
});
