// npm run bench -- sandbox
// sandbox_pi_per_s: PaymentIntents created and then confirmed (two SDK calls each) per second, 16 in flight.
// sandbox_webhooks_per_s: signed webhook deliveries per second accepted by a local receiver that verifies each
// with stripe.webhooks.constructEvent (4 endpoints subscribed to '*', measured until the queues drain).
// sandbox_search_ms_10k: median time of stripe.customers.search({ query: "email:'…'" }) over an account holding
// 10 000 customers (SDK call over HTTP, one match; target ≤ 20). Served from the search field index (see
// packages/stripe-sandbox/src/search.ts): 64.3 ms before the index, 7.7 ms after, one run each at load ~30.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { startSandbox } from '../packages/stripe-sandbox/src/index';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONCURRENCY = 16;
const ENDPOINTS = 4;

const sandbox = await startSandbox({ port: 0 });
const keys = await sandbox.createAccount();
const stripe = new Stripe(keys.secretKey, {
  host: '127.0.0.1',
  port: sandbox.port,
  protocol: 'http',
  maxNetworkRetries: 0,
});

const secrets = new Map<string, string>();
let delivered = 0;
let rejected = 0;
let lastDeliveryAt = 0;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      stripe.webhooks.constructEvent(
        Buffer.concat(chunks),
        String(req.headers['stripe-signature']),
        secrets.get(req.url ?? '')!,
      );
      delivered++;
      lastDeliveryAt = performance.now();
      res.writeHead(200).end();
    } catch {
      rejected++;
      res.writeHead(400).end();
    }
  });
});
await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', () => ok()));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
for (let i = 0; i < ENDPOINTS; i++) {
  const endpoint = await stripe.webhookEndpoints.create({ url: `${receiverUrl}/hook${i}`, enabled_events: ['*'] });
  secrets.set(`/hook${i}`, endpoint.secret!);
}

let completed = 0;
const started = performance.now();
const deadline = started + SECONDS * 1000;
async function worker() {
  while (performance.now() < deadline) {
    const pi = await stripe.paymentIntents.create({ amount: 1000, currency: 'usd' });
    const confirmed = await stripe.paymentIntents.confirm(pi.id, { payment_method: 'pm_card_visa' });
    if (confirmed.status !== 'succeeded') throw new Error(`unexpected status ${confirmed.status}`);
    completed++;
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const piSeconds = (performance.now() - started) / 1000;
await sandbox.waitForDeliveries();
const webhookSeconds = (lastDeliveryAt - started) / 1000;
if (rejected > 0) throw new Error(`${rejected} deliveries failed signature verification`);

// Search: an account of its own (no webhook endpoints), filled with 10 000 customers by the SDK.
const searchKeys = await sandbox.createAccount();
const searcher = new Stripe(searchKeys.secretKey, {
  host: '127.0.0.1',
  port: sandbox.port,
  protocol: 'http',
  maxNetworkRetries: 0,
});
const CUSTOMERS = 10_000;
let next = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (next < CUSTOMERS) {
      const n = next++;
      await searcher.customers.create({ email: `shopper-${n}@example.test`, name: `Shopper ${n}` });
    }
  }),
);
const timings: number[] = [];
for (let i = 0; i < 60; i++) {
  const n = (i * 7919) % CUSTOMERS;
  const t0 = performance.now();
  const found = await searcher.customers.search({ query: `email:'shopper-${n}@example.test'` });
  timings.push(performance.now() - t0);
  if (found.data.length !== 1) throw new Error(`search found ${found.data.length} customers for shopper-${n}`);
}
timings.sort((a, b) => a - b);

console.log(`sandbox_pi_per_s: ${Math.round(completed / piSeconds)}`);
console.log(`sandbox_webhooks_per_s: ${Math.round(delivered / webhookSeconds)}`);
console.log(`sandbox_search_ms_10k: ${timings[Math.floor(timings.length / 2)].toFixed(1)}`);
await sandbox.close();
receiver.close();
process.exit(0);
