import { Writable } from 'node:stream';
import { createLogger } from '@tillflow/core';
import { getRow, insertRow } from '@tillflow/data-model';
import { type DbHandle, executeRows, stripeCustomers } from '@tillflow/db';
import { getRun, listRuns, startWebhookServer, startWorkers, type Workers } from '@tillflow/runtime';
import { sql } from 'drizzle-orm';
import type Stripe from 'stripe';
import { afterAll, beforeAll } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { initiateRecurringAction } from '../src/actions/recurring';
import { createStripeClient } from '../src/stripe-client';
import {
  createPaymentsProject,
  offerPlans,
  paymentServices,
  returnUrls,
  type Sandbox,
  startEnvironment,
  testServices,
} from './harness';
import { type ProxiedRequest, type ProxyDecision, startProxy } from './proxy';

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

/** Waits until the project's run queue is drained: no run queued or running (failed ones stay failed). */
export async function idle(env: { handle: DbHandle }, projectId: number, timeoutMs = 20_000): Promise<void> {
  await eventually(async () => {
    const [row] = await executeRows<{ n: number }>(
      env.handle.db,
      sql`select count(*)::int as n from flow_run where project_id = ${projectId} and status in ('queued', 'running')`,
    );
    return row?.n === 0;
  }, timeoutMs);
}

export interface FlowEnvironmentOptions {
  /** Spacing of the sandbox's delivery retries (ms, doubling); 20 by default. */
  retryBaseMs?: number;
  /** Puts a proxy between Stripe's deliveries and our webhook route that decides each delivery's fate. */
  deliveries?: (req: ProxiedRequest) => ProxyDecision | Promise<ProxyDecision>;
  /** Puts a proxy between our Stripe API calls and the sandbox that decides each call's fate. */
  stripeApi?: (req: ProxiedRequest) => ProxyDecision | Promise<ProxyDecision>;
}

/**
 * The real path for a test file: a sandbox, the webhook route on a port, workers
 * and the system flows' node executors. `project()` makes an activated project
 * (its `stripe` client talks to the sandbox directly, never through a proxy).
 */
export function flowEnvironment(options: FlowEnvironmentOptions = {}) {
  // The workers' and the webhook route's structured log, kept for tests that read it.
  const logLines: string[] = [];
  const logger = createLogger(
    { TILLFLOW_LOG_LEVEL: 'debug' },
    {
      destination: new Writable({
        write(chunk, _encoding, done) {
          logLines.push(...String(chunk).split('\n').filter(Boolean));
          done();
        },
      }),
    },
  );
  const env = {
    /** Every JSON line the workers and the webhook route logged so far. */
    logLines: () => logLines,
    handle: null as unknown as DbHandle,
    sandbox: null as unknown as Sandbox,
    receiverUrl: '',
    async project(projectOptions: { orderStatuses?: string[] } = {}) {
      const p = await createPaymentsProject(env.handle, env.sandbox, projectOptions);
      workers.push(
        await startWorkers(testServices(env.handle), {
          projectIds: [p.project.id],
          pollMs: 50,
          backoffBaseMs: 50,
          logger,
        }),
      );
      const stripe = createStripeClient(p.account.secretKey, env.sandbox.url);
      return { ...p, stripe };
    },
    /** The run of a project's system flow for one event (by id or type) once it succeeded, with its callback's output. */
    async finishedRun(projectId: number, match: { eventId?: string; eventType?: string }, timeoutMs = 40_000) {
      const found = await eventually(async () => {
        const runs = await listRuns(env.handle.db, projectId, { limit: 200 });
        return runs.find(
          (r) =>
            (!match.eventId || r.eventId === match.eventId) &&
            (!match.eventType || r.eventType === match.eventType) &&
            r.status === 'succeeded',
        );
      }, timeoutMs);
      const run = await getRun(env.handle.db, found.id, projectId);
      const steps = run?.steps ?? [];
      const callback = steps.find((s) => s.nodeId === 'callback')?.output as Record<string, unknown> | undefined;
      return { run, steps, callback };
    },
  };
  const workers: Workers[] = [];
  const closers: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    ({ handle: env.handle, sandbox: env.sandbox } = await startEnvironment({ retryBaseMs: options.retryBaseMs }));
    const receiver = await startWebhookServer(env.handle, { port: 0, logger });
    closers.push(() => receiver.close());
    env.receiverUrl = receiver.url;
    if (options.deliveries) {
      const proxy = await startProxy(receiver.url, options.deliveries);
      closers.push(() => proxy.close());
      env.receiverUrl = proxy.url;
    }
    process.env.PUBLIC_URL = env.receiverUrl; // endpoints registered at activation point here
    if (options.stripeApi) {
      const proxy = await startProxy(env.sandbox.url, options.stripeApi);
      closers.push(() => proxy.close());
      process.env.TILLFLOW_SANDBOX_URL = proxy.url; // projects on the sandbox reach it through the proxy
    }
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    for (const close of closers.reverse()) await close();
    await env.sandbox?.close();
    await env.handle?.close();
  });
  return env;
}

export type FlowProject = Awaited<ReturnType<ReturnType<typeof flowEnvironment>['project']>>;

/**
 * Alice subscribes to a new monthly price on the hosted checkout (4242), her customer on a fresh test clock.
 * With `offered`, to that price the shop already offers instead (tests that subscribe many buyers at once).
 */
export async function subscribeOnClock(
  env: ReturnType<typeof flowEnvironment>,
  ctx: FlowProject,
  plan: { name: string; amount: number },
  orderTable = 'order',
  buyer: FlowProject['alice'] = ctx.alice,
  offered?: { product: Stripe.Product; price: Stripe.Price },
) {
  const { project: proj, asUser, stripe } = ctx;
  const alice = buyer;
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: Math.floor(Date.now() / 1000) });
  const customer = await stripe.customers.create({ email: alice.email, test_clock: clock.id });
  await env.handle.db
    .insert(stripeCustomers)
    .values({ projectId: proj.id, endUserId: alice.id, customerId: customer.id });
  const { product, price } = offered ?? (await offerMonthlyPlan(env, ctx, plan));
  const order = await insertRow(
    env.handle.db,
    proj.id,
    asUser(alice),
    orderTable,
    { title: plan.name },
    { serverValues: { amount: plan.amount } },
  );
  const started = await initiateRecurringAction(paymentServices(env.handle), proj.id, asUser(alice), {
    orderId: order.id,
    plan: price.id,
    ...urls,
  });
  env.sandbox.payCheckoutSession(String(started.checkoutUrl).split('/').pop() as string, {
    number: '4242424242424242',
  });
  return { order, started, clock, customer, product, price };
}

/** A new monthly price, which the shop then offers as its only plan. */
export async function offerMonthlyPlan(
  env: ReturnType<typeof flowEnvironment>,
  ctx: FlowProject,
  plan: { name: string; amount: number },
) {
  const product = await ctx.stripe.products.create({ name: plan.name });
  const price = await ctx.stripe.prices.create({
    product: product.id,
    unit_amount: plan.amount,
    currency: 'usd',
    recurring: { interval: 'month' },
  });
  await offerPlans(env.handle, ctx.project.id, [price.id]);
  return { product, price };
}

/** Moves a test clock forward by whole days and returns the new frozen time. */
export async function advanceDays(stripe: Stripe, clock: { id: string; frozen_time: number }, days: number) {
  clock.frozen_time += days * 86_400;
  await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: clock.frozen_time });
  return clock.frozen_time;
}

/**
 * Alice pays an order of `amount` by card (payment intent); returns the payment and order once SUCCESSFUL
 * (and, unless `waitForPaidOrder` is false, once the order reads paid: a card that opens a dispute at once
 * may leave it disputed instead).
 */
export async function paidOrder(
  env: ReturnType<typeof flowEnvironment>,
  ctx: FlowProject,
  amount: number,
  card = 'pm_card_visa',
  waitForPaidOrder = true,
) {
  const { project: proj, alice, asUser, stripe } = ctx;
  const order = await insertRow(
    env.handle.db,
    proj.id,
    asUser(alice),
    'order',
    { title: 'Lamp' },
    { serverValues: { amount } },
  );
  const created = await createPaymentAction(paymentServices(env.handle), proj.id, asUser(alice), {
    orderId: order.id,
    method: 'payment_intent',
  });
  const row = await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId);
  await stripe.paymentIntents.confirm(String(row?.stripe_payment_intent_id), { payment_method: card });
  const payment = await eventually(async () => {
    const r = await getRow(env.handle.db, proj.id, BACKEND, 'payment', created.paymentId);
    return r?.status === 'SUCCESSFUL' ? r : null;
  });
  if (waitForPaidOrder)
    await eventually(async () => (await getRow(env.handle.db, proj.id, BACKEND, 'order', order.id))?.status === 'paid');
  return { order, payment };
}
