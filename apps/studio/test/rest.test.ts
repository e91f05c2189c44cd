import { publicOrigin } from '@tillflow/core';
import { createTable, getRow, insertRow, setTablePermission } from '@tillflow/data-model';
import { executeRows } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import { handlePaymentEvent } from '@tillflow/payments';
import { createFlow } from '@tillflow/runtime';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { signUpEndUser } from '~/server/generated-app/auth';
import { handleRestRequest } from '~/server/rest/handler';
import { servicesFor } from '~/server/services';
import { withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

const get = (path: string, key?: string) =>
  new Request(`http://localhost/api/v1/${path}`, {
    method: 'GET',
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });

const post = (path: string, body: unknown, key?: string) =>
  new Request(`http://localhost/api/v1/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('REST payments API', () => {
  const env = withDbAndSandbox();

  async function activatedProject() {
    const { caller } = await signUpBuilder(env.handle, 'rest');
    const slug = `rest-${uniqueSuffix()}`;
    const project = await caller.project.create({ name: 'REST shop', slug });
    await createTable(env.handle.db, project.id, {
      name: 'order',
      columns: [
        { name: 'title', type: 'text' },
        { name: 'amount', type: 'integer' },
        { name: 'currency', type: 'text' },
      ],
    });
    await caller.payments.activate({ projectId: project.id, orderTable: 'order', confirmPermanent: true });
    const key = await caller.apiKeys.create({ projectId: project.id, name: 'backend' });
    return { caller, project, slug, key: key.key };
  }

  it('serves the OpenAPI document', async () => {
    const response = await handleRestRequest(
      servicesFor(env.handle),
      new Request('http://localhost/api/v1/openapi.json'),
      ['openapi.json'],
    );
    expect(response.status).toBe(200);
    const doc = await response.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/{projectSlug}/payments');
  });

  it('creates a payment with a project API key, and explains bad requests', async () => {
    const { project, slug, key } = await activatedProject();
    const order = await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'order', { title: 'Mug' });
    const ok = await handleRestRequest(
      servicesFor(env.handle),
      post(`${slug}/payments`, { orderId: order.id, currency: 'usd', amount: 1200, method: 'payment_intent' }, key),
      [slug, 'payments'],
    );
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'PENDING', clientSecret: expect.stringMatching(/^pi_/) });

    const invalid = await handleRestRequest(
      servicesFor(env.handle),
      post(`${slug}/payments`, { orderId: order.id, currency: 'usd', amount: 12.5 }, key),
      [slug, 'payments'],
    );
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      error: { code: 'VALIDATION', fieldErrors: { amount: expect.any(String) } },
    });

    const badJson = await handleRestRequest(servicesFor(env.handle), post(`${slug}/payments`, '{nope', key), [
      slug,
      'payments',
    ]);
    expect(badJson.status).toBe(400);

    const missing = await handleRestRequest(
      servicesFor(env.handle),
      post(`${slug}/payments`, { orderId: 999999, currency: 'usd', amount: 1200, method: 'payment_intent' }, key),
      [slug, 'payments'],
    );
    expect(missing.status).toBe(404);
  });

  it('refuses calls without a key, with a revoked key, or with another project’s key', async () => {
    const a = await activatedProject();
    const b = await activatedProject();
    const body = { orderId: 1, currency: 'usd', amount: 1200 };
    expect(
      (await handleRestRequest(servicesFor(env.handle), post(`${a.slug}/payments`, body), [a.slug, 'payments'])).status,
    ).toBe(401);
    expect(
      (await handleRestRequest(servicesFor(env.handle), post(`${a.slug}/payments`, body, b.key), [a.slug, 'payments']))
        .status,
    ).toBe(401);
    const [listed] = await a.caller.apiKeys.list({ projectId: a.project.id });
    await a.caller.apiKeys.revoke({ projectId: a.project.id, id: listed.id });
    expect(
      (await handleRestRequest(servicesFor(env.handle), post(`${a.slug}/payments`, body, a.key), [a.slug, 'payments']))
        .status,
    ).toBe(401);
    const listedAfter = await a.caller.apiKeys.list({ projectId: a.project.id });
    expect(JSON.stringify(listedAfter)).not.toContain(a.key); // only a prefix is ever shown again
  });

  it('reads payments and refunds with GET (list, filter, page, by id) and refunds in full when no amount is sent, naming the payment by Stripe’s id', async () => {
    const { project, slug, key } = await activatedProject();
    const services = servicesFor(env.handle);
    const call = async (request: Request, path: string[]) => {
      const response = await handleRestRequest(services, request, path);
      return { status: response.status, body: await response.json() };
    };
    const paymentIds: number[] = [];
    for (const amount of [1500, 700]) {
      const order = await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'order', { title: 'Tea', amount });
      const made = await call(post(`${slug}/payments`, { orderId: order.id, method: 'payment_intent' }, key), [
        slug,
        'payments',
      ]);
      expect(made.status).toBe(200);
      paymentIds.push(made.body.paymentId);
    }
    // Stripe takes the first payment; its webhook marks it SUCCESSFUL.
    const paid = await getRow(env.handle.db, project.id, { kind: 'backend' }, 'payment', paymentIds[0]);
    const { stripe } = await services.stripeAccounts.forProject(env.handle.db, project.id);
    await stripe.paymentIntents.confirm(String(paid?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    const [succeeded] = (await stripe.events.list({ type: 'payment_intent.succeeded' })).data;
    await handlePaymentEvent(env.handle.db, project.id, succeeded as never);

    const all = await call(get(`${slug}/payments`, key), [slug, 'payments']);
    expect(all.status).toBe(200);
    expect(all.body.data.map((p: { id: number }) => p.id)).toEqual([paymentIds[1], paymentIds[0]]);
    const successful = await call(get(`${slug}/payments?status=SUCCESSFUL`, key), [slug, 'payments']);
    expect(successful.body.data).toMatchObject([{ id: paymentIds[0], amount: 1500, status: 'SUCCESSFUL' }]);
    const first = await call(get(`${slug}/payments?limit=1`, key), [slug, 'payments']);
    expect(first.body.data).toHaveLength(1);
    const second = await call(get(`${slug}/payments?limit=1&after=${encodeURIComponent(first.body.nextCursor)}`, key), [
      slug,
      'payments',
    ]);
    expect(second.body.data.map((p: { id: number }) => p.id)).toEqual([paymentIds[0]]);
    expect(
      (await call(get(`${slug}/payments/${paymentIds[0]}`, key), [slug, 'payments', String(paymentIds[0])])).body,
    ).toMatchObject({ id: paymentIds[0], currency: 'usd' });
    expect((await call(get(`${slug}/payments/999999`, key), [slug, 'payments', '999999'])).status).toBe(404);
    const unknown = await call(get(`${slug}/payments?colour=red`, key), [slug, 'payments']);
    expect(unknown).toMatchObject({ status: 400, body: { error: { fieldErrors: { colour: 'Not a filter.' } } } });

    // No amount (or null, as a no-code form sends an empty field): everything that remains. The payment named by
    // Stripe's id (its PaymentIntent) as well as ours.
    expect(
      (await call(post(`${slug}/refunds`, { paymentId: 'pi_nothing_here', amount: null }, key), [slug, 'refunds']))
        .status,
    ).toBe(404);
    const full = await call(post(`${slug}/refunds`, { paymentId: paid?.stripe_payment_intent_id, amount: null }, key), [
      slug,
      'refunds',
    ]);
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ amount: 1500, remaining: 0 });
    const again = await call(post(`${slug}/refunds`, { paymentId: paymentIds[0] }, key), [slug, 'refunds']);
    expect(again).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } });
    const refunds = await call(get(`${slug}/refunds?payment_id=${paymentIds[0]}`, key), [slug, 'refunds']);
    expect(refunds.body.data).toMatchObject([{ id: full.body.refundId, amount: 1500, payment_id: paymentIds[0] }]);
    expect(
      (await call(get(`${slug}/refunds/${full.body.refundId}`, key), [slug, 'refunds', String(full.body.refundId)]))
        .body,
    ).toMatchObject({ id: full.body.refundId, amount: 1500 });
    expect(
      (await call(get(`${slug}/subscriptions/1/cancel`, key), [slug, 'subscriptions', '1', 'cancel'])).status,
    ).toBe(405);
    expect((await call(get(`${slug}/refunds`), [slug, 'refunds'])).status).toBe(401);

    // An end user reads only their own payments (they paid none of these).
    const session = await signUpEndUser(env.handle, project.id, {
      email: `reader-${uniqueSuffix()}@example.test`,
      password: 'a-good-pass-7',
    });
    const asUser = await call(get(`${slug}/payments`, session.token), [slug, 'payments']);
    expect(asUser).toMatchObject({ status: 200, body: { data: [] } });
    const byId = await call(get(`${slug}/payments/${paymentIds[0]}`, session.token), [
      slug,
      'payments',
      String(paymentIds[0]),
    ]);
    expect(byId.status).toBe(404);
  });

  it('acts as the end user behind a session token: own orders only, refund forbidden', async () => {
    const { project, slug } = await activatedProject();
    await setTablePermission(env.handle.db, project.id, {
      role: 'user',
      table: 'order',
      operation: 'read',
      allowed: true,
      scope: 'all',
    });
    const session = await signUpEndUser(env.handle, project.id, {
      email: `buyer-${uniqueSuffix()}@example.test`,
      password: 'a-good-pass-7',
    });
    const order = await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'order', {
      title: 'Tea',
      amount: 800,
      currency: 'eur',
    });
    const paid = await handleRestRequest(
      servicesFor(env.handle),
      post(`${slug}/payments`, { orderId: order.id, method: 'payment_intent' }, session.token),
      [slug, 'payments'],
    );
    expect(paid.status).toBe(200);
    const refund = await handleRestRequest(
      servicesFor(env.handle),
      post(`${slug}/refunds`, { paymentId: (await paid.json()).paymentId, amount: 100 }, session.token),
      [slug, 'refunds'],
    );
    expect(refund.status).toBe(403);
    expect(await refund.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(
      (
        await handleRestRequest(servicesFor(env.handle), post(`${slug}/payments`, {}, 'not-a-session'), [
          slug,
          'payments',
        ])
      ).status,
    ).toBe(401);
  });

  it('an end user’s token names only the order: amount, currency, price, trial or a foreign return URL get a 400, and the order’s amount is charged', async () => {
    const { project, slug } = await activatedProject();
    await setTablePermission(env.handle.db, project.id, {
      role: 'user',
      table: 'order',
      operation: 'read',
      allowed: true,
      scope: 'all',
    });
    const session = await signUpEndUser(env.handle, project.id, {
      email: `buyer-${uniqueSuffix()}@example.test`,
      password: 'a-good-pass-7',
    });
    const order = await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'order', {
      title: 'Desk',
      amount: 10_000,
    });
    const asBuyer = async (resource: string, body: Record<string, unknown>) => {
      const response = await handleRestRequest(
        servicesFor(env.handle),
        post(`${slug}/${resource}`, body, session.token),
        [slug, resource],
      );
      return { status: response.status, body: await response.json() };
    };
    const base = { orderId: order.id, method: 'payment_intent' };
    expect(await asBuyer('payments', { ...base, amount: 50, currency: 'usd' })).toMatchObject({
      status: 400,
      body: {
        error: {
          code: 'VALIDATION',
          message: 'amount is decided by the shop from the order; remove it from the request.',
          fieldErrors: { amount: expect.any(String), currency: expect.any(String) },
        },
      },
    });
    for (const field of ['currency', 'price', 'trialDays'])
      expect(await asBuyer('payments', { ...base, [field]: field === 'trialDays' ? 730 : 'x' })).toMatchObject({
        status: 400,
        body: { error: { fieldErrors: { [field]: expect.stringMatching(/is decided by the shop/) } } },
      });
    expect(
      await asBuyer('subscriptions', {
        orderId: order.id,
        priceId: 'price_123',
        trialDays: 730,
        successUrl: `${publicOrigin()}/ok`,
        cancelUrl: `${publicOrigin()}/no`,
      }),
    ).toMatchObject({
      status: 400,
      body: { error: { fieldErrors: { priceId: expect.any(String), trialDays: expect.any(String) } } },
    });
    expect(
      await asBuyer('payments', {
        orderId: order.id,
        method: 'checkout',
        successUrl: 'https://evil.example/thanks',
        cancelUrl: `${publicOrigin()}/no`,
      }),
    ).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION', fieldErrors: { successUrl: expect.stringMatching(/must be on/) } } },
    });

    const paid = await asBuyer('payments', base);
    expect(paid.status).toBe(200);
    const row = await getRow(env.handle.db, project.id, { kind: 'backend' }, 'payment', paid.body.paymentId);
    expect(row).toMatchObject({ amount: 10_000, currency: 'usd' });
  });

  it('never returns the Stripe secret key through the settings API', async () => {
    const { caller, project } = await activatedProject();
    const settings = await caller.payments.settings({ projectId: project.id });
    expect(settings.secretKeyMasked).toMatch(/^sk_test_••••/);
    expect(JSON.stringify(settings)).not.toMatch(/sk_test_[A-Za-z0-9]{10,}/);
  });
  it('runs an app-callable actionflow as the end user behind the token (POST flows/:id/call), checked like a page button', async () => {
    const { project, slug, key } = await activatedProject();
    const services = servicesFor(env.handle);
    const quote = (name: string, roles: string[]) =>
      createFlow(env.handle.db, {
        projectId: project.id,
        name,
        kind: 'custom',
        publish: true,
        definition: {
          trigger: {
            kind: 'app_call',
            inputs: [{ name: 'amount', type: 'number' }],
            outputs: [
              { name: 'doubled', type: 'number' },
              { name: 'by', type: 'string' },
            ],
            roles,
          },
          graph: {
            nodes: [
              { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
              {
                id: 'answer',
                type: 'app_return',
                config: { values: { doubled: '{{ trigger.inputs.amount * 2 }}', by: '{{ trigger.caller.email }}' } },
                position: { x: 200, y: 0 },
              },
            ],
            edges: [{ id: 'e1', source: 'trigger', target: 'answer' }],
          },
        } as never,
      });
    const open = await quote('Quote', ['user']);
    const vipOnly = await quote('Vip quote', ['vip']);
    const email = `caller-${uniqueSuffix()}@example.test`;
    const session = await signUpEndUser(env.handle, project.id, { email, password: 'a-good-pass-7' });
    const call = async (flowId: string, body: unknown, token?: string) => {
      const response = await handleRestRequest(services, post(`${slug}/flows/${flowId}/call`, body, token), [
        slug,
        'flows',
        flowId,
        'call',
      ]);
      return { status: response.status, body: await response.json() };
    };
    const runs = async (flowId: string) =>
      executeRows<{ caller: number }>(
        env.handle.db,
        sql`select (trigger_payload->'caller'->>'userId')::int as caller from flow_run where flow_id = ${flowId}`,
      );

    const ok = await call(open.id, { inputs: { amount: 21 } }, session.token);
    expect(ok).toMatchObject({ status: 200, body: { outputs: { doubled: 42, by: email }, runId: expect.any(String) } });
    expect((await runs(open.id)).map((r) => r.caller)).toEqual([session.user.id]);

    const wrongType = await call(open.id, { inputs: { amount: 'lots' } }, session.token);
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toContain('amount');
    expect(await runs(open.id)).toHaveLength(1); // refused before any run is made

    const notMyRole = await call(vipOnly.id, { inputs: { amount: 1 } }, session.token);
    expect(notMyRole).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
    expect(await runs(vipOnly.id)).toHaveLength(0);

    // An API key has no end user to run as; no credentials at all is a 401.
    expect((await call(open.id, { inputs: { amount: 1 } }, key)).status).toBe(403);
    expect((await call(open.id, { inputs: { amount: 1 } })).status).toBe(401);
    expect((await call('00000000-0000-0000-0000-000000000000', { inputs: {} }, session.token)).status).toBe(404);

    const doc = await (
      await handleRestRequest(services, new Request('http://localhost/api/v1/openapi.json'), ['openapi.json'])
    ).json();
    expect(doc.paths['/api/v1/{projectSlug}/flows/{flowId}/call'].post.security).toEqual([{ endUserSession: [] }]);
  });
  it('sets the amount of a subscription’s later charges with an API key, never above the first amount (refused before Stripe is called), and reads subscriptions with GET (list, filter, page, by id; an end user only their own)', async () => {
    const { project, slug, key } = await activatedProject();
    const services = servicesFor(env.handle);
    const { stripe } = await services.stripeAccounts.forProject(env.handle.db, project.id);
    const product = await stripe.products.create({ name: 'Coffee club' });
    const price = await stripe.prices.create({
      product: product.id,
      currency: 'usd',
      unit_amount: 900,
      recurring: { interval: 'month' },
    });
    const customer = await stripe.customers.create({ email: 'member@example.test' });
    const card = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const subscription = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: card.id,
    });
    expect(subscription.status).toBe('active');
    const order = await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'order', { title: 'Coffee club' });
    const row = await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'recurring_payment', {
      order_id: order.id,
      stripe_subscription_id: subscription.id,
      stripe_customer_id: customer.id,
      stripe_price_id: price.id,
      status: 'ACTIVE',
      initial_amount: 900,
      currency: 'usd',
    });
    const amount = (value: unknown, apiKey?: string) =>
      handleRestRequest(services, post(`${slug}/subscriptions/${row.id}/amount`, { amount: value }, apiKey), [
        slug,
        'subscriptions',
        String(row.id),
        'amount',
      ]);
    const itemPrice = async () => (await stripe.subscriptions.retrieve(subscription.id)).items.data[0].price;

    const above = await amount(1200, key);
    expect(above.status).toBe(400);
    expect((await above.json()).error.message).toBe('Later charges can be at most the initial amount of $9.00.');
    expect((await itemPrice()).id).toBe(price.id); // nothing asked of Stripe
    expect((await amount(5.5, key)).status).toBe(400); // minor units only
    expect((await amount(600)).status).toBe(401);

    const lowered = await amount(600, key);
    expect(lowered.status).toBe(200);
    expect(await lowered.json()).toMatchObject({ recurringPaymentId: row.id, nextAmount: 600 });
    const now = await itemPrice();
    expect(now).toMatchObject({ unit_amount: 600, currency: 'usd', recurring: { interval: 'month' } });
    expect(
      (await getRow(env.handle.db, project.id, { kind: 'backend' }, 'recurring_payment', row.id))?.next_amount,
    ).toBe(600);
    // Back up to the first amount is allowed; the cap is the first amount, not the last one set.
    expect((await amount(900, key)).status).toBe(200);
    expect((await itemPrice()).unit_amount).toBe(900);

    // GET subscriptions: list (filtered by status, order or Stripe id), one by id; an end user sees only their own.
    const read = async (path: string, token?: string) => {
      const response = await handleRestRequest(services, get(`${slug}/${path}`, token), [
        slug,
        ...path.split('?')[0].split('/'),
      ]);
      return { status: response.status, body: await response.json() };
    };
    const other = await insertRow(env.handle.db, project.id, { kind: 'backend' }, 'recurring_payment', {
      order_id: order.id,
      stripe_price_id: price.id,
      status: 'INCOMPLETE',
    });
    expect((await read('subscriptions', key)).body.data.map((r: { id: number }) => r.id)).toEqual([other.id, row.id]);
    expect((await read('subscriptions?status=ACTIVE', key)).body.data).toMatchObject([
      { id: row.id, next_amount: 900, stripe_subscription_id: subscription.id },
    ]);
    expect(
      (await read(`subscriptions?stripe_subscription_id=${subscription.id}`, key)).body.data.map(
        (r: { id: number }) => r.id,
      ),
    ).toEqual([row.id]);
    const firstPage = await read('subscriptions?limit=1', key);
    expect(firstPage.body.data.map((r: { id: number }) => r.id)).toEqual([other.id]);
    expect(
      (await read(`subscriptions?limit=1&after=${encodeURIComponent(firstPage.body.nextCursor)}`, key)).body.data.map(
        (r: { id: number }) => r.id,
      ),
    ).toEqual([row.id]);
    expect(await read(`subscriptions/${row.id}`, key)).toMatchObject({
      status: 200,
      body: { id: row.id, status: 'ACTIVE', currency: 'usd' },
    });
    expect((await read('subscriptions/999999', key)).status).toBe(404);
    expect((await read('subscriptions?colour=red', key)).status).toBe(400);
    expect((await read('subscriptions')).status).toBe(401);
    const stranger = await signUpEndUser(env.handle, project.id, {
      email: `stranger-${uniqueSuffix()}@example.test`,
      password: 'a-good-pass-7',
    });
    expect(await read('subscriptions', stranger.token)).toMatchObject({ status: 200, body: { data: [] } });
    expect((await read(`subscriptions/${row.id}`, stranger.token)).status).toBe(404);
  });
});
