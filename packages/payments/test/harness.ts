import { createLogger, loadSettings, sandboxControlToken } from '@tillflow/core';
import {
  createEndUser,
  createTable,
  getRow,
  insertRow,
  provisionProjectSchema,
  setActionPermission,
  setTablePermission,
  updateRows,
} from '@tillflow/data-model';
import { appSettings, authUser, type DbHandle, projects } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { startSandbox } from '@tillflow/stripe-sandbox';
import { afterAll, beforeAll } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { activatePayments } from '../src/activation';
import { handlePaymentEvent } from '../src/callbacks/payment';
import { createServices } from '../src/services';
import { saveStripeKeys } from '../src/settings';
import { createStripeAccounts, type PaymentServices } from '../src/stripe-accounts';
import { createStripeClient } from '../src/stripe-client';

/** The tests' process logger (what fed-in events log when refused). */
export const testLogger = createLogger({ TILLFLOW_LOG_LEVEL: 'warn' });

/**
 * What payment functions that reach Stripe are handed (createServices builds the same pair): the test's
 * database and Stripe accounts that use the sandbox at TILLFLOW_SANDBOX_URL and never start one.
 */
export const paymentServices = (database: DbHandle): PaymentServices => ({
  database,
  stripeAccounts: createStripeAccounts(),
  logger: testLogger,
});

/** The services `npm start` and `npm run worker` build (createServices), on a test's database. */
export const testServices = (database: DbHandle, parts: Omit<Parameters<typeof createServices>[1], 'database'> = {}) =>
  createServices(loadSettings(), { ...parts, database });

export type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

/**
 * A migrated database and a running sandbox for one test file. `retryBaseMs` spaces the sandbox's
 * delivery retries (20 ms, 40 ms, … by default; Stripe's own schedule is far slower).
 */
export async function startEnvironment(options: { retryBaseMs?: number } = {}) {
  const handle = await createTestDb();
  const sandbox = await startSandbox({
    port: 0,
    retryBaseMs: options.retryBaseMs ?? 20,
    controlToken: sandboxControlToken(),
  });
  process.env.TILLFLOW_SANDBOX_URL = sandbox.url;
  // Until a test starts a receiver, deliveries go to a closed port and fail fast.
  process.env.PUBLIC_URL ??= 'http://127.0.0.1:9';
  return { handle, sandbox };
}

/**
 * The environment of a whole test file: started before its first test, closed after its last. Read
 * `env.handle` / `env.sandbox` inside tests and hooks (they are set once beforeAll has run).
 */
export function environmentPerFile(options: { retryBaseMs?: number } = {}) {
  const env = {} as Awaited<ReturnType<typeof startEnvironment>>;
  beforeAll(async () => {
    Object.assign(env, await startEnvironment(options));
  });
  afterAll(async () => {
    await env.sandbox?.close();
    await env.handle?.close();
  });
  return env;
}

let eventSequence = 0;
/**
 * A Stripe event as a test builds it, each field settable: a new id (`evt_<prefix><n>`) and a later
 * `created` each time, test mode, `extra` over the envelope and `object` as data.object.
 */
export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  extra: Record<string, unknown> = {},
  prefix = '',
) {
  eventSequence += 1;
  return {
    id: `evt_${prefix}${eventSequence}`,
    type,
    created: 1_800_000_000 + eventSequence,
    livemode: false,
    ...extra,
    data: { object },
  };
}

/** Return URLs on the studio's own origin (PUBLIC_URL), the only ones a project allows by default. */
export function returnUrls(path = '') {
  const origin = new URL(process.env.PUBLIC_URL ?? 'http://localhost:3000').origin;
  return { successUrl: `${origin}/ok${path}`, cancelUrl: `${origin}/cancel` };
}

/**
 * A project with an `order` table (status, amount, currency, owner), two end users and
 * an admin, its own sandbox account, and payments activated.
 */
export async function createPaymentsProject(
  handle: DbHandle,
  sandbox: Sandbox,
  options: { activate?: boolean; orderStatuses?: string[] } = {},
) {
  const suffix = uniqueSuffix();
  const builderId = `builder-${suffix}`;
  await handle.db.insert(authUser).values({ id: builderId, name: 'Builder', email: `${builderId}@example.test` });
  const project = await handle.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(projects)
      .values({ ownerId: builderId, name: `Shop ${suffix}`, slug: `shop-${suffix}`, schemaName: `app_${suffix}` })
      .returning();
    await provisionProjectSchema(tx, row);
    return row;
  });
  await createTable(handle.db, project.id, {
    name: 'order',
    columns: [
      { name: 'title', type: 'text' },
      {
        name: 'status',
        type: 'enum',
        enumOptions: options.orderStatuses ?? ['pending', 'paid', 'refunded', 'cancelled'],
        default: 'pending',
      },
      { name: 'amount', type: 'integer' },
      { name: 'currency', type: 'text' },
      { name: 'customer', type: 'relation', relationTable: 'end_user' },
    ],
    ownerColumn: 'customer',
  });
  for (const operation of ['read', 'insert'] as const)
    await setTablePermission(handle.db, project.id, {
      role: 'user',
      table: 'order',
      operation,
      allowed: true,
      scope: 'own',
    });
  await setTablePermission(handle.db, project.id, { role: 'admin', table: 'order', operation: 'read', allowed: true });
  const alice = await createEndUser(handle.db, project.id, { email: `alice-${suffix}@example.test` });
  const bob = await createEndUser(handle.db, project.id, { email: `bob-${suffix}@example.test` });
  const admin = await createEndUser(handle.db, project.id, { email: `admin-${suffix}@example.test`, role: 'admin' });
  const account = await sandbox.createAccount();
  await saveStripeKeys(paymentServices(handle), project.id, {
    publishableKey: account.publishableKey,
    secretKey: account.secretKey,
    apiBase: 'sandbox',
  });
  if (options.activate !== false)
    await activatePayments(paymentServices(handle), project.id, { orderTable: 'order', confirmPermanent: true });
  const asUser = (u: { id: number; role: string }) => ({ kind: 'endUser' as const, userId: u.id, role: u.role });
  return { project, account, alice, bob, admin, asUser };
}

/** The shop offers these recurring prices as plans (what studio → App saves), with an optional trial. */
export async function offerPlans(handle: DbHandle, projectId: number, priceIds: string[], trialDays?: number) {
  const catalog = { source: 'prices' as const, priceIds, ...(trialDays ? { trialDays } : {}) };
  await handle.db
    .insert(appSettings)
    .values({ projectId, catalog })
    .onConflictDoUpdate({ target: appSettings.projectId, set: { catalog } });
}

/**
 * A project whose admin may refund, and an order of `amount` that Alice paid by card (payment intent),
 * recorded SUCCESSFUL by the payment callback itself (no webhook route or workers needed). `stripe`
 * talks to the sandbox directly, whatever TILLFLOW_SANDBOX_URL points at.
 */
export async function paidPaymentIntent(handle: DbHandle, sandbox: Sandbox, amount: number) {
  const ctx = await createPaymentsProject(handle, sandbox);
  const { project, account, alice, asUser } = ctx;
  await setActionPermission(handle.db, project.id, { role: 'admin', action: 'stripe.refund', allowed: true });
  const order = await insertRow(
    handle.db,
    project.id,
    asUser(alice),
    'order',
    { title: 'Sofa' },
    { serverValues: { amount } },
  );
  const { paymentId } = await createPaymentAction(paymentServices(handle), project.id, asUser(alice), {
    orderId: order.id,
    method: 'payment_intent',
  });
  const stripe = createStripeClient(account.secretKey, sandbox.url);
  const payment = await getRow(handle.db, project.id, { kind: 'backend' }, 'payment', paymentId);
  const intentId = String(payment?.stripe_payment_intent_id);
  await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
  const [succeeded] = (await stripe.events.list({ type: 'payment_intent.succeeded' })).data;
  await handlePaymentEvent(handle.db, project.id, succeeded as never);
  return { ...ctx, order, paymentId, intentId, stripe };
}

/** A shop as a non-developer makes it: an order table with a title and an amount, nothing else set up. */
export async function bareShop(
  handle: DbHandle,
  sandbox: Sandbox,
  columns: Parameters<typeof createTable>[2]['columns'],
) {
  const suffix = uniqueSuffix();
  const builderId = `builder-${suffix}`;
  await handle.db.insert(authUser).values({ id: builderId, name: 'Baker', email: `${builderId}@example.test` });
  const project = await handle.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(projects)
      .values({ ownerId: builderId, name: `Bakery ${suffix}`, slug: `bakery-${suffix}`, schemaName: `app_${suffix}` })
      .returning();
    await provisionProjectSchema(tx, row);
    return row;
  });
  await createTable(handle.db, project.id, { name: 'orders', columns });
  const account = await sandbox.createAccount();
  await saveStripeKeys(paymentServices(handle), project.id, {
    publishableKey: account.publishableKey,
    secretKey: account.secretKey,
    apiBase: 'sandbox',
  });
  return project;
}

/** What a refusal says and on which field (fails the test when the promise resolves instead). */
export async function refusal(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as { code?: string; message?: string; fieldErrors?: Record<string, string> } | null;
  if (!error) throw new Error('expected a refusal');
  return { code: error.code, message: error.message, fieldErrors: error.fieldErrors };
}

/** Writes `values` on one row (by id) as the shop's backend: the state a test starts a handler or an action from. */
export function setRow(
  handle: DbHandle,
  projectId: number,
  table: string,
  id: unknown,
  values: Record<string, unknown>,
) {
  return updateRows(handle.db, projectId, { kind: 'backend' }, table, [{ column: 'id', op: 'eq', value: id }], values);
}

/** One Stripe call an action made, as `watchedServices` saw it: its name ('checkout.sessions.create') and arguments. */
export type SentCall = { call: string; args: unknown[] };

/**
 * The shop's services with the project's Stripe client watched: the calls named in `calls` (by path on the client,
 * 'billingPortal.configurations.create') are recorded in `sent` with their arguments (what the sandbox's defaults
 * would hide), `before` is awaited ahead of each (to hold two until both arrive), and then made as asked. `mode`
 * plays the project as a test- or live-mode one (an answer of real Stripe's the sandbox never gives).
 */
export function watchedServices(
  handle: DbHandle,
  options: {
    calls?: string[];
    sent?: SentCall[];
    before?: (call: string) => Promise<void>;
    mode?: 'sandbox' | 'test' | 'live';
  },
): PaymentServices {
  return servicesWith(handle, (context) => {
    for (const call of options.calls ?? []) {
      const path = call.split('.');
      const method = path.pop() as string;
      type Resource = Record<string, unknown>;
      const resource = path.reduce<Resource>((o, k) => o[k] as Resource, context.stripe as unknown as Resource);
      const original = (resource[method] as (...a: unknown[]) => Promise<unknown>).bind(resource);
      resource[method] = async (...args: unknown[]) => {
        options.sent?.push({ call, args });
        await options.before?.(call);
        return original(...args);
      };
    }
    return { ...context, mode: options.mode ?? context.mode };
  });
}

type ProjectStripe = Awaited<ReturnType<PaymentServices['stripeAccounts']['forProject']>>;

/** The shop's services with the project's Stripe context (client, mode) as `change` makes it from the real one. */
export function servicesWith(handle: DbHandle, change: (context: ProjectStripe) => ProjectStripe): PaymentServices {
  const real = paymentServices(handle);
  return {
    ...real,
    stripeAccounts: {
      ...real.stripeAccounts,
      forProject: async (db, projectId) => change(await real.stripeAccounts.forProject(db, projectId)),
    },
  };
}
