import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { bootSandbox, newClient } from './helpers';

// The installed SDK's type declarations are the contract: every non-optional field of the
// resource interface must be present, and no field the API version does not declare may appear.
const stripeEntry = createRequire(import.meta.url).resolve('stripe');
const stripeRoot = stripeEntry.slice(0, stripeEntry.lastIndexOf(`${path.sep}stripe${path.sep}`) + 7);

function declaredFields(file: string, name: string): { required: string[]; all: string[] } {
  const text = readFileSync(path.join(stripeRoot, 'esm/resources', file), 'utf8');
  const start = text.indexOf(`export interface ${name} {`);
  if (start < 0) throw new Error(`no interface ${name} in ${file}`);
  const required: string[] = [];
  const all: string[] = [];
  for (const line of text.slice(start).split('\n').slice(1)) {
    if (line.startsWith('}')) break;
    const m = /^ {4}([a-z_0-9]+)(\??):/.exec(line);
    if (!m) continue;
    all.push(m[1]);
    if (!m[2]) required.push(m[1]);
  }
  return { required, all };
}

function expectShape(object: object, file: string, name: string, alsoDeclared: string[] = []) {
  const { required, all } = declaredFields(file, name);
  all.push(...alsoDeclared);
  const keys = Object.keys(object).filter((k) => k !== 'lastResponse');
  expect.soft({ name, missing: required.filter((f) => !keys.includes(f)) }).toEqual({ name, missing: [] });
  expect.soft({ name, undeclared: keys.filter((k) => !all.includes(k)) }).toEqual({ name, undeclared: [] });
}

let sandbox: Sandbox;
let stripe: Stripe;
beforeAll(async () => {
  sandbox = await bootSandbox();
  ({ stripe } = await newClient(sandbox));
});
afterAll(() => sandbox.close());

describe('response shapes follow the pinned API version', () => {
  it('covers every resource the sandbox serves', async () => {
    const clock = await stripe.testHelpers.testClocks.create({ frozen_time: 1_780_000_000 });
    expectShape(clock, 'TestHelpers/TestClocks.d.ts', 'TestClock');
    const customer = await stripe.customers.create({ email: 'shape@example.test', test_clock: clock.id });
    expectShape(customer, 'Customers.d.ts', 'Customer');
    const product = await stripe.products.create({ name: 'Shape' });
    expectShape(product, 'Products.d.ts', 'Product');
    const price = await stripe.prices.create({
      product: product.id,
      unit_amount: 100,
      currency: 'usd',
      recurring: { interval: 'month' },
    });
    expectShape(price, 'Prices.d.ts', 'Price');
    const pm = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    expectShape(pm, 'PaymentMethods.d.ts', 'PaymentMethod');
    const pi = await stripe.paymentIntents.create({
      amount: 100,
      currency: 'usd',
      customer: customer.id,
      payment_method: pm.id,
      confirm: true,
    });
    expectShape(pi, 'PaymentIntents.d.ts', 'PaymentIntent');
    const charge = await stripe.charges.retrieve(pi.latest_charge as string);
    expectShape(charge, 'Charges.d.ts', 'Charge');
    const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 10 });
    expectShape(refund, 'Refunds.d.ts', 'Refund');
    const sub = await stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: price.id }],
      default_payment_method: pm.id,
    });
    expectShape(sub, 'Subscriptions.d.ts', 'Subscription');
    expectShape(sub.items.data[0], 'SubscriptionItems.d.ts', 'SubscriptionItem');
    const invoice = await stripe.invoices.retrieve(sub.latest_invoice as string);
    expectShape(invoice, 'Invoices.d.ts', 'Invoice');
    expectShape(invoice.lines.data[0], 'InvoiceLineItems.d.ts', 'InvoiceLineItem');
    expectShape(invoice.payments!.data[0], 'InvoicePayments.d.ts', 'InvoicePayment');
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 }],
      success_url: 'https://x.example/ok',
    });
    expectShape(session, 'Checkout/Sessions.d.ts', 'Session');
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    expectShape(items.data[0], 'LineItems.d.ts', 'LineItem');
    const endpoint = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/x', enabled_events: ['*'] });
    expectShape(endpoint, 'WebhookEndpoints.d.ts', 'WebhookEndpoint');
    const event = (await stripe.events.list({ limit: 1 })).data[0];
    // `type` and `data` are declared on each event type's interface, which extends EventBase.
    expectShape(event, 'Events.d.ts', 'EventBase', ['type', 'data']);
    expect(event).toHaveProperty('type');
    expect(event.data).toHaveProperty('object');
  });
});
