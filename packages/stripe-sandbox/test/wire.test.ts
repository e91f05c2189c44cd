import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeForm } from '../src/form-decode';
import type { Sandbox } from '../src/index';
import { bootSandbox, control, newClient, sdk, stripeError } from './helpers';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await bootSandbox();
});
afterAll(() => sandbox.close());

describe('form decoding', () => {
  it('builds nested objects and arrays from bracket syntax', () => {
    const decoded = decodeForm(
      'metadata[order_id]=7&line_items[0][price]=price_1&line_items[0][quantity]=2&line_items[1][price_data][currency]=usd&expand[]=customer&expand[]=payment_intent&email=a%2Bb%40x.test',
    );
    expect(decoded).toEqual({
      metadata: { order_id: '7' },
      line_items: [{ price: 'price_1', quantity: '2' }, { price_data: { currency: 'usd' } }],
      expand: ['customer', 'payment_intent'],
      email: 'a+b@x.test',
    });
  });

  it('ignores prototype-polluting keys', () => {
    const decoded = decodeForm('__proto__[x]=1&a[constructor][y]=2');
    expect(({} as any).x).toBeUndefined();
    expect(decoded.a).toEqual({});
  });
});

describe('authentication', () => {
  it('rejects an unknown key with 401 in Stripe error shape', async () => {
    const err = await stripeError(sdk(sandbox, 'sk_test_nope').customers.list());
    expect(err.type).toBe('StripeAuthenticationError');
    expect(err.statusCode).toBe(401);
    expect(err.raw.type).toBe('invalid_request_error');
    expect(err.message).toMatch(/Invalid API Key provided: sk_test_\*+nope|Invalid API Key provided/);
    expect(err.message).not.toContain('sk_test_nope');
  });

  it('rejects a revoked key with 401, while other accounts keep working', async () => {
    const a = await newClient(sandbox);
    const b = await newClient(sandbox);
    await a.stripe.customers.create({ email: 'before@example.test' });
    const res = await control(sandbox, `/accounts/${a.accountId}/revoke`, {});
    expect(res.status).toBe(200);
    const err = await stripeError(a.stripe.customers.list());
    expect(err.statusCode).toBe(401);
    expect(err.code).toBe('api_key_expired');
    await expect(b.stripe.customers.list()).resolves.toMatchObject({ object: 'list' });
  });

  it('lets a publishable key only retrieve and confirm a PaymentIntent with its client secret', async () => {
    const keys = await sandbox.createAccount();
    const pi = await sdk(sandbox, keys.secretKey).paymentIntents.create({ amount: 900, currency: 'usd' });
    const browser = sdk(sandbox, keys.publishableKey);
    const seen = await browser.paymentIntents.retrieve(pi.id, { client_secret: pi.client_secret! } as any);
    expect(seen.id).toBe(pi.id);
    const confirmed = await browser.paymentIntents.confirm(pi.id, {
      client_secret: pi.client_secret,
      payment_method: 'pm_card_visa',
    } as any);
    expect(confirmed.status).toBe('succeeded');
    const wrongSecret = await stripeError(
      browser.paymentIntents.retrieve(pi.id, { client_secret: 'pi_x_secret_y' } as any),
    );
    expect(wrongSecret.statusCode).toBe(401);
    const notAllowed = await stripeError(browser.customers.list());
    expect(notAllowed.raw.code).toBe('secret_key_required');
    const preflight = await fetch(`${sandbox.url}/v1/payment_intents/${pi.id}`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('serves a Stripe.js stand-in whose calls a publishable key may make: card PaymentMethod, then confirm', async () => {
    const script = await fetch(`${sandbox.url}/v3/`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    const source = await script.text();
    expect(source).toContain('window.Stripe = Stripe');
    expect(source).toContain('confirmCardPayment');
    const keys = await sandbox.createAccount();
    const pi = await sdk(sandbox, keys.secretKey).paymentIntents.create({ amount: 1200, currency: 'usd' });
    // What the script sends: the key as a form parameter, as Stripe.js does.
    const post = (path: string, body: Record<string, string>) =>
      fetch(`${sandbox.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ key: keys.publishableKey, ...body }),
      }).then(async (r) => ({ status: r.status, json: await r.json() }));
    const pm = await post('/v1/payment_methods', {
      type: 'card',
      'card[number]': '4242424242424242',
      'card[exp_month]': '12',
      'card[exp_year]': '34',
      'card[cvc]': '123',
    });
    expect(pm.status).toBe(200);
    expect(pm.json).toMatchObject({ object: 'payment_method', card: { last4: '4242' } });
    const confirmed = await post(`/v1/payment_intents/${pi.id}/confirm`, {
      client_secret: String(pi.client_secret),
      payment_method: pm.json.id,
    });
    expect(confirmed.json.status).toBe('succeeded');
    const declined = await post('/v1/payment_methods', {
      type: 'card',
      'card[number]': '4000000000000002',
      'card[exp_month]': '12',
      'card[exp_year]': '34',
    });
    const other = await sdk(sandbox, keys.secretKey).paymentIntents.create({ amount: 1200, currency: 'usd' });
    const refused = await post(`/v1/payment_intents/${other.id}/confirm`, {
      client_secret: String(other.client_secret),
      payment_method: declined.json.id,
    });
    expect(refused.status).toBe(402);
    expect(refused.json.error).toMatchObject({ type: 'card_error', code: 'card_declined' });
    // Nothing else: a publishable key may not list or create other objects.
    expect((await post('/v1/customers', { email: 'x@example.test' })).json.error.code).toBe('secret_key_required');
    expect((await post('/v1/payment_methods', { type: 'sepa_debit' })).json.error.code).toBe('secret_key_required');
  });

  it('shows an object and the events about it at /dashboard/<id> (the sandbox’s stand-in for Stripe’s Dashboard)', async () => {
    const { stripe } = await newClient(sandbox);
    const pi = await stripe.paymentIntents.create({
      amount: 700,
      currency: 'usd',
      confirm: true,
      payment_method: 'pm_card_visa',
    });
    const response = await fetch(`${sandbox.url}/dashboard/${pi.id}`);
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toContain(`${pi.id}</code> · succeeded`);
    expect(body).toContain('payment_intent.succeeded');
    expect(body).toContain('&quot;amount&quot;: 700');
    expect(body).not.toContain('client_secret'); // as on Stripe's Dashboard: a client secret would let anyone confirm
    expect((await fetch(`${sandbox.url}/dashboard/pi_doesnotexist`)).status).toBe(404);
    expect((await fetch(`${sandbox.url}/dashboard/whatever`)).status).toBe(404);
  });

  it('keeps accounts isolated and serves the default key', async () => {
    const a = await newClient(sandbox);
    const customer = await a.stripe.customers.create({ email: 'iso@example.test' });
    const other = sdk(sandbox, 'sk_test_tillflow_sandbox');
    const err = await stripeError(other.customers.retrieve(customer.id));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('resource_missing');
  });
});

describe('errors', () => {
  it('returns resource_missing for an unknown id', async () => {
    const { stripe } = await newClient(sandbox);
    const err = await stripeError(stripe.customers.retrieve('cus_missing'));
    expect(err.type).toBe('StripeInvalidRequestError');
    expect(err.statusCode).toBe(404);
    expect(err.raw).toMatchObject({ type: 'invalid_request_error', code: 'resource_missing', param: 'id' });
    expect(err.message).toBe("No such customer: 'cus_missing'");
    expect(err.raw.doc_url).toContain('resource-missing');
  });

  it('returns 400 for a bad parameter and an unknown parameter', async () => {
    const { stripe } = await newClient(sandbox);
    const bad = await stripeError(stripe.paymentIntents.create({ amount: 'ten' as any, currency: 'usd' }));
    expect(bad.statusCode).toBe(400);
    expect(bad.raw).toMatchObject({
      type: 'invalid_request_error',
      param: 'amount',
      code: 'parameter_invalid_integer',
    });
    const missing = await stripeError(stripe.paymentIntents.create({ currency: 'usd' } as any));
    expect(missing.raw).toMatchObject({ code: 'parameter_missing', param: 'amount' });
    const unknown = await stripeError(stripe.customers.create({ nickname: 'x' } as any));
    expect(unknown.raw).toMatchObject({ code: 'parameter_unknown', param: 'nickname' });
  });

  it('answers unknown routes with Stripe-style 404', async () => {
    const res = await fetch(`${sandbox.url}/v1/nothing_here`, {
      headers: { authorization: 'Bearer sk_test_tillflow_sandbox' },
    });
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toMatch(/Unrecognized request URL/);
  });
});

describe('idempotency', () => {
  it('replays the first response for the same key and params', async () => {
    const { stripe } = await newClient(sandbox);
    const first = await stripe.customers.create({ email: 'idem@example.test' }, { idempotencyKey: 'key-1' });
    const second = await stripe.customers.create({ email: 'idem@example.test' }, { idempotencyKey: 'key-1' });
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    const list = await stripe.customers.list({ email: 'idem@example.test' });
    expect(list.data).toHaveLength(1);
  });

  it('rejects the same key with different params', async () => {
    const { stripe } = await newClient(sandbox);
    await stripe.customers.create({ email: 'one@example.test' }, { idempotencyKey: 'key-2' });
    const err = await stripeError(stripe.customers.create({ email: 'two@example.test' }, { idempotencyKey: 'key-2' }));
    expect(err.type).toBe('StripeIdempotencyError');
    expect(err.statusCode).toBe(400);
    expect(err.raw.type).toBe('idempotency_error');
  });

  it('replays errors too, so a retried decline does not charge twice', async () => {
    const { stripe } = await newClient(sandbox);
    const params = { amount: 500, currency: 'usd', payment_method: 'pm_card_visa_chargeDeclined', confirm: true };
    const a = await stripeError(stripe.paymentIntents.create(params, { idempotencyKey: 'decl' }));
    const b = await stripeError(stripe.paymentIntents.create(params, { idempotencyKey: 'decl' }));
    expect(b.raw.payment_intent.id).toBe(a.raw.payment_intent.id);
    expect((await stripe.charges.list()).data).toHaveLength(1);
  });
});

describe('lists', () => {
  it('paginates newest first with limit, starting_after and ending_before', async () => {
    const { stripe } = await newClient(sandbox);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await stripe.products.create({ name: `P${i}` })).id);
    const page1 = await stripe.products.list({ limit: 2 });
    expect(page1).toMatchObject({ object: 'list', has_more: true, url: '/v1/products' });
    expect(page1.data.map((p) => p.id)).toEqual([ids[4], ids[3]]);
    const page2 = await stripe.products.list({ limit: 2, starting_after: ids[3] });
    expect(page2.data.map((p) => p.id)).toEqual([ids[2], ids[1]]);
    const back = await stripe.products.list({ limit: 2, ending_before: ids[1] });
    expect(back.data.map((p) => p.id)).toEqual([ids[3], ids[2]]);
    const all: string[] = [];
    for await (const p of stripe.products.list({ limit: 2 })) all.push(p.id);
    expect(all).toEqual([...ids].reverse());
  });
});
