import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import Stripe from 'stripe';
import { type Sandbox, startSandbox } from '../packages/stripe-sandbox/src/index';

// The sandbox runs in-process; a tiny local "shop" serves the success page the browser lands on.
let sandbox: Sandbox;
let shop: Server;
let shopUrl: string;
let stripe: Stripe;

test.beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  shop = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>Shop</title><h1>Thanks for your order</h1><p>${req.url}</p>`);
  });
  await new Promise<void>((ok) => shop.listen(0, '127.0.0.1', () => ok()));
  shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  const keys = await sandbox.createAccount({ brand: { name: 'Poster Shop', slogan: 'Walls deserve art' } });
  stripe = new Stripe(keys.secretKey, { host: '127.0.0.1', port: sandbox.port, protocol: 'http' });
});

test.afterAll(async () => {
  await sandbox?.close();
  await new Promise<void>((ok) => (shop ? shop.close(() => ok()) : ok()));
});

async function newSession() {
  return stripe.checkout.sessions.create({
    mode: 'payment',
    line_items: [{ price_data: { currency: 'usd', unit_amount: 2500, product_data: { name: 'Poster' } }, quantity: 1 }],
    success_url: `${shopUrl}/thanks?session_id={CHECKOUT_SESSION_ID}`,
    cancel_url: `${shopUrl}/cart`,
  });
}

async function fillCard(page: import('@playwright/test').Page, number: string) {
  await page.getByLabel('Email').fill('buyer@example.test');
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiration date (MM / YY)').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: 'Pay $25.00' }).click();
}

test('pays a checkout session with 4242 and lands on success_url', async ({ page }) => {
  const session = await newSession();
  await page.goto(session.url!);
  await expect(page.getByRole('heading', { name: 'Poster Shop' })).toBeVisible();
  await expect(page.getByText('Walls deserve art')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Order summary' })).toContainText('Poster × 1');
  await fillCard(page, '4242 4242 4242 4242');
  await expect(page).toHaveURL(`${shopUrl}/thanks?session_id=${session.id}`);
  await expect(page.getByRole('heading', { name: 'Thanks for your order' })).toBeVisible();
  const done = await stripe.checkout.sessions.retrieve(session.id);
  expect(done.status).toBe('complete');
  expect(done.payment_status).toBe('paid');
});

test('shows the decline for 4000 0000 0000 0002 and stays on the page', async ({ page }) => {
  const session = await newSession();
  await page.goto(session.url!);
  await fillCard(page, '4000 0000 0000 0002');
  await expect(page.getByRole('alert')).toHaveText('Your card was declined.');
  await expect(page).toHaveURL(new RegExp(`/c/pay/${session.id}$`));
  expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
});
