import { getRow, insertRow } from '@tillflow/data-model';
import { type DbHandle, stripeCustomers } from '@tillflow/db';
import { useProjectMailForFlows } from '@tillflow/mail';
import { startWebhookServer, startWorkers, type Workers } from '@tillflow/runtime';
import type Stripe from 'stripe';
import { afterAll, beforeAll } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { initiateRecurringAction } from '../src/actions/recurring';
import { registerPaymentNodeExecutors } from '../src/node-executors';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, offerPlans, returnUrls, type Sandbox, startEnvironment } from './harness';

export const BACKEND = { kind: 'backend' } as const;
/** Return URLs on the studio's origin (PUBLIC_URL, set to the receiver once the environment starts). */
export const urls = {
  get successUrl() {
    return returnUrls().successUrl;
  },
  get cancelUrl() {
    return returnUrls().cancelUrl;
  },
};

/** Waits until `check` holds: deliveries and flow runs are asynchronous, as with real Stripe. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The real path for a test file: a sandbox, the webhook route on a port, workers
 * and the system flows' node executors. `project()` makes an activated project.
 */
export function flowEnvironment() {
  const env = {
    handle: null as unknown as DbHandle,
    sandbox: null as unknown as Sandbox,
    receiverUrl: '',
    async project(options: { orderStatuses?: string[] } = {}) {
      const p = await createPaymentsProject(env.handle, env.sandbox, options);
      workers.push(await startWorkers(env.handle, { projectIds: [p.project.id], pollMs: 50, backoffBaseMs: 50 }));
      const stripe = createStripeClient(p.account.secretKey, env.sandbox.url);
      return { ...p, stripe };
    },
  };
  const workers: Workers[] = [];
  let receiver: Awaited<ReturnType<typeof startWebhookServer>>;
  beforeAll(async () => {
    ({ handle: env.handle, sandbox: env.sandbox } = await startEnvironment());
    receiver = await startWebhookServer(env.handle, { port: 0 });
    process.env.PUBLIC_URL = receiver.url;
    env.receiverUrl = receiver.url;
    registerPaymentNodeExecutors();
    useProjectMailForFlows();
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await receiver.close();
    await env.sandbox.close();
    await env.handle.close();
  });
  return env;
}

export type FlowProject = Awaited<ReturnType<ReturnType<typeof flowEnvironment>['project']>>;

/** Alice subscribes to a new monthly price on the hosted checkout (4242), her customer on a fresh test clock. */
export async function subscribeOnClock(
  env: ReturnType<typeof flowEnvironment>,
  ctx: FlowProject,
  plan: { name: string; amount: number },
) {
  const { project: proj, alice, asUser, stripe } = ctx;
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  const customer = await stripe.customers.create({ email: alice.email, test_clock: clock.id });
  await env.handle.db
    .insert(stripeCustomers)
    .values({ projectId: proj.id, endUserId: alice.id, customerId: customer.id });
  const product = await stripe.products.create({ name: plan.name });
  const price = await stripe.prices.create({
    product: product.id,
    unit_amount: plan.amount,
    currency: 'usd',
    recurring: { interval: 'month' },
  });
  const order = await insertRow(env.handle.db, proj.id, asUser(alice), 'order', {
    title: plan.name,
    amount: plan.amount,
  });
  await offerPlans(env.handle, proj.id, [price.id]);
  const started = await initiateRecurringAction(env.handle, proj.id, asUser(alice), {
    orderId: order.id,
    plan: price.id,
    ...urls,
  });
  env.sandbox.payCheckoutSession(String(started.checkoutUrl).split('/').pop() as string, {
    number: '4242424242424242',
  });
  return { order, started, clock, customer, product, price };
}

/** Moves a test clock forward by whole days and returns the new frozen time. */
export async function advanceDays(stripe: Stripe, clock: { id: string; frozen_time: number }, days: number) {
  clock.frozen_time += days * 86_400;
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time });
  return clock.frozen_time;
}

/** Alice pays an order of `amount` by card (payment intent); returns the payment and order once SUCCESSFUL. */
export async function paidOrder(
  env: ReturnType<typeof flowEnvironment>,
  ctx: FlowProject,
  amount: number,
  card = 'pm_card_visa',
) {
  const { project: proj, alice, asUser, stripe } = ctx;
  const order = await insertRow(env.handle.db, proj.id, asUser(alice), 'order', { title: 'Lamp', amount });
  const created = await createPaymentAction(env.handle, proj.id, asUser(alice), {
    orderId: order.id,
    method: 'payment_intent',
  });
  const row = await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId);
  await stripe.paymentIntents.confirm(String(row?.stripe_payment_intent_id), { payment_method: card });
  const payment = await eventually(async () => {
    const r = await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId);
    return r?.status === 'SUCCESSFUL' ? r : null;
  });
  await eventually(async () => (await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status === 'paid');
  return { order, payment };
}
