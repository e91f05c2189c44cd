import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Sandbox, startSandbox } from '../src/index';

export async function bootSandbox(): Promise<Sandbox> {
  return startSandbox({ port: 0, retryBaseMs: 40, deliveryTimeoutMs: 2000 });
}

/** A fresh isolated account and an official SDK client pointed at the sandbox. */
export async function newClient(sandbox: Sandbox): Promise<{ stripe: Stripe; secretKey: string; accountId: string }> {
  const keys = await sandbox.createAccount();
  return { stripe: sdk(sandbox, keys.secretKey), secretKey: keys.secretKey, accountId: keys.accountId };
}

/**
 * One sandbox for the test file and, before each test, a fresh isolated account with its SDK client:
 * read `env.sandbox` and `env.stripe` inside tests.
 */
export function sandboxWithFreshAccount() {
  const env = {} as { sandbox: Sandbox; stripe: Stripe };
  beforeAll(async () => {
    env.sandbox = await bootSandbox();
  });
  beforeEach(async () => {
    ({ stripe: env.stripe } = await newClient(env.sandbox));
  });
  afterAll(() => env.sandbox.close());
  return env;
}

/**
 * A product with one monthly price, a customer with a Visa card attached, and that customer's subscription
 * to the price, paid by the card.
 */
export async function subscribedCustomer(
  stripe: Stripe,
  options: { product: string; unitAmount: number; email: string },
) {
  const product = await stripe.products.create({ name: options.product });
  const price = await stripe.prices.create({
    product: product.id,
    currency: 'usd',
    unit_amount: options.unitAmount,
    recurring: { interval: 'month' },
  });
  const customer = await stripe.customers.create({ email: options.email });
  const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  const sub = await stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    default_payment_method: pm.id,
  });
  return { product, price, customer, pm, sub };
}

export function sdk(sandbox: Sandbox, key: string): Stripe {
  return new Stripe(key, { host: '127.0.0.1', port: sandbox.port, protocol: 'http', maxNetworkRetries: 0 });
}

export interface Received {
  event: Stripe.Event;
  raw: string;
  signature: string;
}

/**
 * A webhook receiver written the way Stripe users write it: raw body + `constructEvent`.
 * `respond` decides the status per request (e.g. 500 first, then 200).
 */
export async function startReceiver(
  verifier: Stripe,
  getSecret: () => string,
  respond: (n: number) => number = () => 200,
): Promise<{ url: string; received: Received[]; rejected: number; close(): Promise<void>; server: Server }> {
  const received: Received[] = [];
  const state = { rejected: 0, count: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const signature = String(req.headers['stripe-signature'] ?? '');
      try {
        const event = verifier.webhooks.constructEvent(raw, signature, getSecret());
        state.count++;
        const status = respond(state.count);
        if (status < 300) received.push({ event, raw, signature });
        res.writeHead(status).end();
      } catch {
        state.rejected++;
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    get rejected() {
      return state.rejected;
    },
    server,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function control(sandbox: Sandbox, path: string, body?: unknown, key?: string): Promise<any> {
  const res = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      'content-type': 'application/json',
      'x-tillflow-sandbox-token': sandbox.controlToken,
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Asserts that `promise` rejects with a Stripe error and returns it for shape checks. */
export async function stripeError(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a Stripe error');
}
