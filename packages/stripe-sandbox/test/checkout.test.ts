import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index';
import { bootSandbox, control, newClient, sdk, stripeError } from './helpers';

let sandbox: Sandbox;
let stripe: Stripe;
let secretKey: string;
beforeAll(async () => {
  sandbox = await bootSandbox();
});
beforeEach(async () => {
  ({ stripe, secretKey } = await newClient(sandbox));
});
afterAll(() => sandbox.close());

async function paymentSession(extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) {
  return stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price_data: { currency: 'usd', unit_amount: 1999, product_data: { name: 'Poster' } }, quantity: 2 }],
    success_url: 'https://shop.example/thanks?session={CHECKOUT_SESSION_ID}',
    cancel_url: 'https://shop.example/cart',
    metadata: { order_id: '42' },
    client_reference_id: 'user_7',
    ...extra,
  });
}

async function submit(url: string, fields: Record<string, string>) {
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
}

const card = (number: string) => ({
  email: 'buyer@example.test',
  card_number: number,
  expiry: '12 / 34',
  cvc: '123',
  name: 'Buyer',
});

describe('checkout sessions', () => {
  it('creates, retrieves, lists line items, lists and expires', async () => {
    const session = await paymentSession();
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 3998,
      currency: 'usd',
      client_reference_id: 'user_7',
      metadata: { order_id: '42' },
      payment_intent: null,
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toBe(`${sandbox.url}/c/pay/${session.id}`);
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data[0]).toMatchObject({ object: 'item', quantity: 2, amount_total: 3998, description: 'Poster' });
    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ['line_items'] });
    expect(expanded.line_items?.data).toHaveLength(1);
    expect((await stripe.checkout.sessions.list()).data.map((s) => s.id)).toEqual([session.id]);
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ status: 'expired', url: null });
    const again = await stripeError(stripe.checkout.sessions.expire(session.id));
    expect(again.statusCode).toBe(400);
    const bad = await stripeError(
      stripe.checkout.sessions.create({ mode: 'payment', success_url: 'https://x' } as any),
    );
    expect(bad.raw).toMatchObject({ code: 'parameter_missing', param: 'line_items' });
  });

  it('hosted page shows brand and labelled fields, and a 4242 payment redirects to success_url', async () => {
    await control(
      sandbox,
      '/brand',
      { name: 'Poster Shop', slogan: 'Walls deserve art', logoUrl: 'data:image/png;base64,iVBORw0KGgo=' },
      secretKey,
    );
    const session = await paymentSession();
    const page = await (await fetch(session.url!)).text();
    expect(page).toContain('Poster Shop');
    expect(page).toContain('Walls deserve art');
    expect(page).toContain('alt="Poster Shop logo"');
    for (const label of ['Email', 'Card number', 'Expiration date', 'CVC']) expect(page).toContain(`<label>${label}`);
    expect(page).toContain('Poster × 2');
    const res = await submit(session.url!, card('4242 4242 4242 4242'));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`https://shop.example/thanks?session=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect(done).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      customer_details: { email: 'buyer@example.test' },
    });
    expect((done.payment_intent as Stripe.PaymentIntent).status).toBe('succeeded');
    const completed = await stripe.events.list({ type: 'checkout.session.completed' });
    expect((completed.data[0].data.object as Stripe.Checkout.Session).id).toBe(session.id);
  });

  it('uses per-session branding, custom submit text and payment_intent_data metadata', async () => {
    const session = await paymentSession({
      branding_settings: { display_name: 'Session Brand', button_color: '#112233' },
      custom_text: { submit: { message: 'Ships in 2 days' } },
      payment_intent_data: { metadata: { order_id: '42' } },
    });
    expect(session.branding_settings).toMatchObject({ display_name: 'Session Brand', button_color: '#112233' });
    expect(session.custom_text.submit).toEqual({ message: 'Ships in 2 days' });
    const page = await (await fetch(session.url!)).text();
    expect(page).toContain('<h1>Session Brand</h1>');
    expect(page).toContain('Ships in 2 days');
    await submit(session.url!, card('4242424242424242'));
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent'] });
    expect((done.payment_intent as Stripe.PaymentIntent).metadata).toEqual({ order_id: '42' });
    const bad = await stripeError(paymentSession({ branding_settings: { button_color: 'red;x' } }));
    expect(bad.raw.param).toBe('branding_settings[button_color]');
  });

  it('shows the decline on the page and lets the buyer retry', async () => {
    const session = await paymentSession();
    const declined = await submit(session.url!, card('4000 0000 0000 0002'));
    expect(declined.status).toBe(402);
    expect(await declined.text()).toContain('Your card was declined.');
    const insufficient = await submit(session.url!, card('4000000000009995'));
    expect(await insufficient.text()).toContain('Your card has insufficient funds.');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    const ok = await submit(session.url!, card('4242424242424242'));
    expect(ok.status).toBe(303);
  });

  it('runs 3DS: approve completes, fail returns to the page with the error', async () => {
    const session = await paymentSession();
    const challenge = await submit(session.url!, card('4000 0025 0000 3155'));
    expect(challenge.status).toBe(303);
    const challengeUrl = new URL(challenge.headers.get('location')!, sandbox.url).toString();
    expect(await (await fetch(challengeUrl)).text()).toContain('Complete authentication');
    const failed = await submit(challengeUrl, { result: 'fail' });
    expect(failed.headers.get('location')).toContain(`/c/pay/${session.id}?error=`);
    const retry = await submit(session.url!, card('4000 0025 0000 3155'));
    const approved = await submit(new URL(retry.headers.get('location')!, sandbox.url).toString(), {
      result: 'approve',
    });
    expect(approved.headers.get('location')).toBe(`https://shop.example/thanks?session=${session.id}`);
  });

  it('subscription mode with a 3DS card completes after approval', async () => {
    const product = await stripe.products.create({ name: 'Secure club' });
    const price = await stripe.prices.create({
      product: product.id,
      unit_amount: 900,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://club.example/ok?s={CHECKOUT_SESSION_ID}',
    });
    const challenge = await submit(session.url!, card('4000002500003155'));
    const approved = await submit(new URL(challenge.headers.get('location')!, sandbox.url).toString(), {
      result: 'approve',
    });
    expect(approved.headers.get('location')).toBe(`https://club.example/ok?s=${session.id}`);
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription', 'invoice'] });
    expect(done).toMatchObject({ status: 'complete', payment_status: 'paid' });
    expect((done.subscription as Stripe.Subscription).status).toBe('active');
    expect((done.invoice as Stripe.Invoice).status).toBe('paid');
    expect((await stripe.events.list({ type: 'invoice.payment_action_required' })).data).toHaveLength(1);
  });

  it('subscription mode creates customer and subscription with trial and metadata', async () => {
    const product = await stripe.products.create({ name: 'Club' });
    const price = await stripe.prices.create({
      product: product.id,
      unit_amount: 800,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: 'https://club.example/ok',
      customer_email: 'member@example.test',
      subscription_data: { trial_period_days: 7, metadata: { tier: 'gold' } },
    });
    const res = await submit(session.url!, card('4242424242424242'));
    expect(res.headers.get('location')).toBe('https://club.example/ok');
    const done = await stripe.checkout.sessions.retrieve(session.id, { expand: ['subscription'] });
    const sub = done.subscription as Stripe.Subscription;
    expect(sub).toMatchObject({ status: 'trialing', metadata: { tier: 'gold' } });
    expect(done.customer).toBe(sub.customer);
    expect((await stripe.customers.retrieve(done.customer as string)) as Stripe.Customer).toMatchObject({
      email: 'member@example.test',
    });
    const oneTime = await stripeError(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: price.id, quantity: 1 }],
        success_url: 'https://x',
      }),
    );
    expect(oneTime.statusCode).toBe(400);
  });
});

describe('control surface and persistence', () => {
  it('resets an account', async () => {
    await stripe.customers.create({ email: 'gone@example.test' });
    const res = await control(sandbox, '/reset', {}, secretKey);
    expect(res.status).toBe(200);
    expect((await stripe.customers.list()).data).toHaveLength(0);
  });

  it('rejects an unsafe logo URL', async () => {
    const res = await control(sandbox, '/brand', { logoUrl: 'javascript:alert(1)' }, secretKey);
    expect(res.status).toBe(400);
  });

  it('keeps state across restarts when persistPath is set', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'sandbox-')), 'state.json');
    const first = await startSandbox({ port: 0, persistPath: file });
    const keys = await first.createAccount();
    const customer = await sdk(first, keys.secretKey).customers.create({ email: 'kept@example.test' });
    await first.close();
    // It holds every account's secret key: its owner alone may read it.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = await startSandbox({ port: 0, persistPath: file });
    try {
      const again = await sdk(second, keys.secretKey).customers.retrieve(customer.id);
      expect(again).toMatchObject({ email: 'kept@example.test' });
    } finally {
      await second.close();
    }
  });
});

describe('a delayed payment method (ACH Direct Debit, us_bank_account)', () => {
  const bank = (accountNumber: string) => ({ bankAccount: { routingNumber: '110000000', accountNumber } });
  const types = async () =>
    (await stripe.events.list({ limit: 100 })).data
      .map((e) => e.type)
      .reverse()
      .filter((t) => /^(checkout\.session|payment_intent|charge)\./.test(t) && t !== 'payment_intent.created');

  it('completes the checkout unpaid with the intent processing, then succeeds on Stripe’s success account number', async () => {
    const session = await paymentSession();
    expect(sandbox.payCheckoutSession(session.id, bank('000123456789'))).toMatchObject({ outcome: 'succeeded' });
    const completed = await stripe.checkout.sessions.retrieve(session.id);
    expect(completed).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    const processing = await stripe.paymentIntents.retrieve(String(completed.payment_intent));
    expect(processing).toMatchObject({ status: 'processing', amount_received: 0, metadata: {} });
    const pm = await stripe.paymentMethods.retrieve(String(processing.payment_method));
    expect(pm).toMatchObject({
      type: 'us_bank_account',
      us_bank_account: { last4: '6789', routing_number: '110000000' },
    });
    const pending = await stripe.charges.retrieve(String(processing.latest_charge));
    expect(pending).toMatchObject({ status: 'pending', paid: false, captured: false });
    expect(pending.payment_method_details?.type).toBe('us_bank_account');
    expect(await types()).toEqual(['charge.pending', 'payment_intent.processing', 'checkout.session.completed']);
    // Nothing settles by itself before its time; the control settles it now.
    expect(sandbox.settleBankDebits(secretKey)).toBe(1);
    expect(sandbox.settleBankDebits(secretKey)).toBe(0);
    expect(await stripe.paymentIntents.retrieve(processing.id)).toMatchObject({
      status: 'succeeded',
      amount_received: 3998,
    });
    expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe('paid');
    expect(await stripe.charges.retrieve(pending.id)).toMatchObject({
      status: 'succeeded',
      paid: true,
      captured: true,
    });
    expect((await types()).slice(3)).toEqual([
      'charge.succeeded',
      'payment_intent.succeeded',
      'checkout.session.async_payment_succeeded',
    ]);
  });

  it('fails later on Stripe’s failure account numbers: the intent back to requires_payment_method, async_payment_failed', async () => {
    const session = await paymentSession();
    sandbox.payCheckoutSession(session.id, bank('000222222227'));
    const intentId = String((await stripe.checkout.sessions.retrieve(session.id)).payment_intent);
    expect((await stripe.paymentIntents.retrieve(intentId)).status).toBe('processing');
    expect(await control(sandbox, '/bank_debits/settle', {}, secretKey)).toEqual({ status: 200, body: { settled: 1 } });
    const failed = await stripe.paymentIntents.retrieve(intentId);
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error).toMatchObject({ code: 'insufficient_funds' });
    expect(await stripe.charges.retrieve(String(failed.latest_charge))).toMatchObject({
      status: 'failed',
      failure_code: 'insufficient_funds',
    });
    expect(await stripe.checkout.sessions.retrieve(session.id)).toMatchObject({
      status: 'complete',
      payment_status: 'unpaid',
    });
    expect((await types()).slice(3)).toEqual([
      'charge.failed',
      'payment_intent.payment_failed',
      'checkout.session.async_payment_failed',
    ]);
  });

  it('refuses a bank account that is not on Stripe’s test routing number, and a bank debit in another currency', async () => {
    const session = await paymentSession();
    expect(
      sandbox.payCheckoutSession(session.id, {
        bankAccount: { routingNumber: '021000021', accountNumber: '000123456789' },
      }),
    ).toMatchObject({ outcome: 'declined', code: 'routing_number_invalid' });
    const eur = await paymentSession({
      line_items: [{ price_data: { currency: 'eur', unit_amount: 500, product_data: { name: 'Card' } }, quantity: 1 }],
    });
    expect(sandbox.payCheckoutSession(eur.id, bank('000123456789'))).toMatchObject({ outcome: 'declined' });
    expect((await stripe.checkout.sessions.retrieve(eur.id)).status).toBe('open');
  });
});
