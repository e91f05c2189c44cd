import { openSecret } from '@tillflow/core';
import { getRow, insertRow } from '@tillflow/data-model';
import { executeRows, stripeCustomers, webhookEndpoints } from '@tillflow/db';
import { stripeSignatureHeader, webhookSecretOwner } from '@tillflow/runtime';
import { eq, sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { dashboardRows, paymentTotals, revenueByDay } from '../src/dashboard';
import { loadPaymentSettings, saveStripeKeys } from '../src/settings';
import { createStripeClient } from '../src/stripe-client';
import { BACKEND, eventually, type FlowProject, flowEnvironment, idle, paidOrder } from './flow-env';
import { paymentServices } from './harness';
import type { ProxiedRequest, ProxyDecision } from './proxy';

// Payments made with live keys (real money) and with test keys or on the sandbox are recorded per row
// (`livemode`); the dashboard lists, totals and charts one mode at a time when asked, so test money is never read
// as revenue. Every row here is made on the real path: a shop that took test payments on the sandbox and then
// entered live keys (a live-looking sandbox account, reached as Stripe at STRIPE_API_BASE), payments confirmed
// through the official SDK, their signed events delivered by the sandbox to the webhook route, the flows run by
// workers. A proxy in front of the route turns some deliveries into the other mode (re-signed with the endpoint's
// secret, so the route accepts them): a live event about a test payment, a test event about a live one. Neither
// marks its order paid.

const BUILDER = { kind: 'builder' } as const;

/** Payment intents whose deliveries arrive in the other mode. */
const flipped = new Set<string>();
const flippedDeliveries: string[] = [];

async function deliveries(req: ProxiedRequest): Promise<ProxyDecision> {
  const event = JSON.parse(req.body) as Stripe.Event;
  const object = event.data.object as { id?: string; payment_intent?: string | null; livemode?: boolean };
  const intent = object.id?.startsWith('pi_') ? object.id : object.payment_intent;
  if (!intent || !flipped.has(intent)) return 'forward';
  const endpointId = req.path.split('/').pop() as string;
  const [endpoint] = await env.handle.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, endpointId));
  const secret = openSecret(endpoint.secretEncrypted, webhookSecretOwner(endpoint.projectId));
  const other = !event.livemode;
  const body = JSON.stringify({
    ...event,
    livemode: other,
    data: { ...event.data, object: 'livemode' in object ? { ...object, livemode: other } : object },
  });
  flippedDeliveries.push(`${event.type} ${other ? 'live' : 'test'}`);
  return { rewrite: { body, headers: { 'stripe-signature': stripeSignatureHeader(body, secret) } } };
}

const env = flowEnvironment({ deliveries });

/** An order whose payment intent is confirmed on Stripe (4242), while its deliveries arrive in the other mode. */
async function paidInTheOtherMode(ctx: FlowProject, amount: number) {
  const { project, alice, asUser, stripe } = ctx;
  const order = await insertRow(
    env.handle.db,
    project.id,
    asUser(alice),
    'order',
    { title: 'Mirror' },
    { serverValues: { amount } },
  );
  const { paymentId } = await createPaymentAction(paymentServices(env.handle), project.id, asUser(alice), {
    orderId: order.id,
    method: 'payment_intent',
  });
  const intentId = String(
    (await getRow(env.handle.db, project.id, BACKEND, 'payment', paymentId))?.stripe_payment_intent_id,
  );
  flipped.add(intentId);
  const before = flippedDeliveries.length;
  expect((await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' })).status).toBe('succeeded');
  // The deliveries were made, accepted by the route (re-signed) and their runs finished.
  await eventually(async () => flippedDeliveries.length > before);
  await env.sandbox.waitForDeliveries();
  await idle(env, project.id);
  return { orderId: order.id, paymentId, intentId };
}

describe('the payments dashboard keeps live and test money apart', () => {
  it('records test and live payments made on the real path in their mode; an event of the other mode marks nothing paid', async () => {
    const ctx = await env.project();
    const { project } = ctx;
    const row = (table: string, id: number) => getRow(env.handle.db, project.id, BACKEND, table, id);

    // On the sandbox (test money): two payments, and one whose events arrive claiming to be live.
    const test = (await paidOrder(env, ctx, 1200)).payment.id;
    const alsoTest = (await paidOrder(env, ctx, 300)).payment.id;
    const liveEventAboutTest = await paidInTheOtherMode(ctx, 700);
    expect(flippedDeliveries).toContain('payment_intent.succeeded live');

    // The shop enters live keys (Stripe at STRIPE_API_BASE; here a live-looking sandbox account).
    const liveAccount = await env.sandbox.createAccount({ livemode: true });
    const apiBase = process.env.STRIPE_API_BASE;
    process.env.STRIPE_API_BASE = env.sandbox.url;
    try {
      const saved = await saveStripeKeys(paymentServices(env.handle), project.id, {
        publishableKey: liveAccount.publishableKey,
        secretKey: liveAccount.secretKey,
      });
      // Every endpoint moved to the live account, ours on the sandbox account retired.
      expect(saved.endpoints.length).toBeGreaterThan(0);
      expect(saved.endpoints.filter((e) => !e.ok)).toEqual([]);
      expect(saved.retired.filter((e) => !e.ok)).toEqual([]);
    } finally {
      if (apiBase === undefined) delete process.env.STRIPE_API_BASE;
      else process.env.STRIPE_API_BASE = apiBase;
    }
    expect((await loadPaymentSettings(env.handle.db, project.id))?.mode).toBe('live');
    // Alice's customer was made on the sandbox account: on the live one she gets a new customer as she next buys.
    expect(await env.handle.db.select().from(stripeCustomers).where(eq(stripeCustomers.projectId, project.id))).toEqual(
      [],
    );
    const liveCtx = { ...ctx, stripe: createStripeClient(liveAccount.secretKey, env.sandbox.url) };
    // A live payment: Stripe's events say livemode: true, the order is paid.
    const { order: liveOrder, payment: livePayment } = await paidOrder(env, liveCtx, 5000);
    const live = livePayment.id;
    expect(livePayment.livemode).toBe(true);
    const [customer] = await env.handle.db
      .select()
      .from(stripeCustomers)
      .where(eq(stripeCustomers.projectId, project.id));
    expect(((await liveCtx.stripe.customers.retrieve(customer.customerId)) as Stripe.Customer).livemode).toBe(true);
    expect((await row('order', liveOrder.id))?.status).toBe('paid');
    // And one whose events arrive claiming to be test events.
    const testEventAboutLive = await paidInTheOtherMode(liveCtx, 900);
    expect(flippedDeliveries).toContain('payment_intent.succeeded test');

    // A test event never marks a live order paid, nor a live event a test order: both stay unpaid, though Stripe
    // says paid (a check against Stripe, which reads the objects in the project's own mode, would settle them).
    for (const other of [liveEventAboutTest, testEventAboutLive]) {
      expect((await row('payment', other.paymentId))?.status).toBe('PENDING');
      expect((await row('order', other.orderId))?.status).toBe('pending');
    }
    // The route accepted those deliveries (signed correctly) and the flows ran and did nothing.
    const [refused] = await executeRows<{ n: number }>(
      env.handle.db,
      sql`select count(*)::int as n from flow_run where project_id = ${project.id} and status = 'failed'`,
    );
    expect(refused.n).toBe(0);
    const modes = await executeRows<{ livemode: boolean; n: number }>(
      env.handle.db,
      sql`select livemode, count(*)::int as n from stripe_event where project_id = ${project.id} and type = 'payment_intent.succeeded' group by livemode order by livemode`,
    );
    expect(modes).toEqual([
      { livemode: false, n: 3 },
      { livemode: true, n: 2 },
    ]);
    expect((await row('payment', test))?.livemode).toBe(false);
    expect((await row('payment', liveEventAboutTest.paymentId))?.livemode).toBe(false);
    expect((await row('payment', testEventAboutLive.paymentId))?.livemode).toBe(true);

    const ids = async (mode?: 'live' | 'test', status?: string) =>
      (await dashboardRows(env.handle.db, project.id, BUILDER, { table: 'payment', mode, status })).rows.map(
        (r) => r.id,
      );
    expect(await ids('live')).toEqual([testEventAboutLive.paymentId, live]);
    expect(await ids('test')).toEqual([liveEventAboutTest.paymentId, alsoTest, test]);
    expect(await ids()).toEqual([testEventAboutLive.paymentId, live, liveEventAboutTest.paymentId, alsoTest, test]);
    // Each row says which it is.
    const [shown] = (await dashboardRows(env.handle.db, project.id, BUILDER, { table: 'payment', mode: 'live' })).rows;
    expect(shown.livemode).toBe(true);
    // Combined with the other filters.
    expect(await ids('test', 'SUCCESSFUL')).toEqual([alsoTest, test]);
    expect(await ids('live', 'SUCCESSFUL')).toEqual([live]);

    const gross = async (mode?: 'live' | 'test') =>
      (await paymentTotals(env.handle.db, project.id, { mode })).map((t) => [t.currency, t.gross, t.payments]);
    expect(await gross('live')).toEqual([['usd', 5000, 1]]);
    expect(await gross('test')).toEqual([['usd', 1500, 2]]);
    expect(await gross()).toEqual([['usd', 6500, 3]]);
    const chart = async (mode?: 'live' | 'test') =>
      (await revenueByDay(env.handle.db, project.id, 30, { mode })).reduce((sum, p) => sum + p.net, 0);
    expect(await chart('live')).toBe(5000);
    expect(await chart('test')).toBe(1500);
  });
});
