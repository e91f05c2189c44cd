import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { type APIRequestContext, type Browser, expect, type Page, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

// The generated app at /app/<slug>, as end users in real browsers: sign up, buy
// on the sandbox's hosted checkout and watch the order turn paid without a
// reload, a declined card, a subscription with a trial canceled at period end,
// an admin's partial refund showing up live for the buyer, and a second user
// who never sees the first one's orders (UI and API), and Ann's receipt in the
// studio mailbox. Screenshots at desktop
// and phone widths land in test-results/generated-app/.

const APP_PASSWORD = 'end-user-pass-1';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** The studio's tRPC over HTTP with the builder's cookies, for setup the other specs already cover in the UI. */
async function studio(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return ((await response.json()) as { result: { data: { json: unknown } } }).result.data.json;
}

/** The generated app's own API, with the end user's (path-scoped) cookie. */
function appApi(page: Page, slug: string, path: string) {
  const input = encodeURIComponent(JSON.stringify({ json: { projectSlug: slug } }));
  return page.request.get(`/app/${slug}/api/trpc/app.${path}?input=${input}`);
}

/** Desktop and phone screenshots; an app page must fit the phone's width (no sideways scrolling). */
async function shots(page: Page, name: string, { mustFitPhone = true } = {}) {
  for (const [label, size] of [
    ['desktop', DESKTOP],
    ['phone', PHONE],
  ] as const) {
    await page.setViewportSize(size);
    if (label === 'phone' && mustFitPhone) {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${name} scrolls sideways at ${size.width} px`).toBeLessThanOrEqual(0);
    }
    await page.screenshot({
      path: path.join(test.info().project.outputDir, 'generated-app', `${name}-${label}.png`),
      fullPage: true,
    });
  }
  await page.setViewportSize(DESKTOP);
}

async function endUser(browser: Browser, slug: string, label: string) {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  await page.goto(`/app/${slug}`);
  await page.getByRole('link', { name: 'Sign up' }).click();
  const email = uniqueEmail(label);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(APP_PASSWORD);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
  return { page, email };
}

async function payOnCheckout(page: Page, card: string) {
  await expect(page).toHaveURL(/\/c\/pay\/cs_test_/);
  const email = page.getByLabel('Email');
  if (await email.isVisible()) await email.fill('buyer@example.test');
  await page.getByLabel('Card number').fill(card);
  await page.getByLabel('Expiration date (MM / YY)').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  const name = page.getByLabel('Name on card');
  if (await name.isVisible()) await name.fill('Ann Buyer');
  await page.getByRole('button', { name: /^(Pay|Subscribe|Start)/ }).click();
}

test('end users buy, subscribe and get refunds live in the generated app', async ({ page, browser }) => {
  test.setTimeout(180_000);
  // The builder: tables, payments, refund permission for admins, and the catalog (in the App section).
  await signUp(page, uniqueEmail('appbuilder'));
  const { id: projectId, slug } = await createProject(page, 'Bean Shop', `beans-${randomUUID().slice(0, 8)}`);
  const req = page.request;
  await studio(req, 'dataModel.createTable', {
    projectId,
    name: 'order',
    columns: [
      { name: 'item', type: 'text' },
      { name: 'buyer', type: 'relation', relationTable: 'end_user' },
    ],
  });
  await studio(req, 'dataModel.setOwnerColumn', { projectId, table: 'order', column: 'buyer' });
  for (const operation of ['read', 'insert'])
    await studio(req, 'permissions.setTablePermission', {
      projectId,
      role: 'user',
      table: 'order',
      operation,
      allowed: true,
      scope: 'own',
    });
  await studio(req, 'dataModel.createTable', {
    projectId,
    name: 'product',
    columns: [
      { name: 'name', type: 'text' },
      { name: 'price', type: 'integer' },
    ],
  });
  await studio(req, 'dataModel.insertRow', {
    projectId,
    table: 'product',
    values: { name: 'Coffee beans', price: 1500 },
  });
  await studio(req, 'payments.activate', { projectId, orderTable: 'order', confirmPermanent: true });
  await studio(req, 'permissions.setActionPermission', {
    projectId,
    role: 'admin',
    action: 'stripe.refund',
    allowed: true,
  });
  // The project's own sandbox account: the test holds the install's control token (as the studio's
  // server does), finds the account whose publishable key the project shows, and reads its keys by id.
  const settings = (await (
    await req.get(`/api/trpc/payments.settings?input=${encodeURIComponent(JSON.stringify({ json: { projectId } }))}`)
  ).json()) as { result: { data: { json: { apiBase: string; publishableKey: string } } } };
  const { apiBase, publishableKey } = settings.result.data.json;
  const control = { 'x-tillflow-sandbox-token': process.env.TILLFLOW_E2E_SANDBOX_TOKEN ?? '' };
  const accounts = (await (await req.get(`${apiBase}/_sandbox/accounts`, { headers: control })).json()) as {
    data: { id: string; publishable_key: string }[];
  };
  const accountId = accounts.data.find((a) => a.publishable_key === publishableKey)?.id;
  const keys = await (await req.get(`${apiBase}/_sandbox/accounts/${accountId}/keys`, { headers: control })).json();
  const auth = { authorization: `Bearer ${keys.secret_key}` };
  const product = await (
    await req.post(`${apiBase}/v1/products`, { headers: auth, form: { name: 'Bean club' } })
  ).json();
  const price = await (
    await req.post(`${apiBase}/v1/prices`, {
      headers: auth,
      form: { product: product.id, currency: 'usd', unit_amount: '900', 'recurring[interval]': 'month' },
    })
  ).json();
  expect(price.id).toMatch(/^price_/);

  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'App' }).click();
  await page.getByLabel('App title').fill('Bean Shop');
  await page.getByLabel('Both').check();
  await page.getByLabel('Products table').selectOption('product');
  await page.getByLabel('Name column').selectOption('name');
  await page.getByLabel('Price column', { exact: true }).selectOption('price');
  await page.getByLabel('Stripe price ids (one per line)').fill(price.id);
  await page.getByLabel('Free trial for subscriptions (days)').fill('14');
  await page.getByLabel('Order column that records what was bought').selectOption('item');
  await page.getByRole('button', { name: 'Save catalog' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  const preview = page.getByRole('region', { name: 'What the app shows' });
  await expect(preview).toContainText('Coffee beans');
  await expect(preview).toContainText('Bean club');

  // A builder's studio session grants nothing in the app.
  expect((await (await appApi(page, slug, 'myOrders')).json()).error.json.data.code).toBe('UNAUTHORIZED');

  // Ann buys with 4242 and sees her order turn paid without reloading.
  const ann = await endUser(browser, slug, 'ann');
  await shots(ann.page, 'shop');
  await ann.page.getByRole('button', { name: 'Buy Coffee beans' }).click();
  await payOnCheckout(ann.page, '4242 4242 4242 4242');
  await expect(ann.page).toHaveURL(new RegExp(`/app/${slug}/orders\\?paid=\\d+`));
  await expect(ann.page.getByText('Live')).toBeVisible();
  await expect(ann.page.getByRole('listitem', { name: /^Order #\d+ · Coffee beans · Paid$/ }).first()).toBeVisible({
    timeout: 30_000,
  });
  await expect(ann.page.getByRole('heading', { name: /Order #\d+ · Coffee beans/ }).first()).toBeVisible();
  await shots(ann.page, 'orders');

  // A declined card: the hosted page says so, and the payment ends FAILED.
  await ann.page.goto(`/app/${slug}`);
  await ann.page.getByRole('button', { name: 'Buy Coffee beans' }).click();
  await payOnCheckout(ann.page, '4000 0000 0000 0002');
  await expect(ann.page.getByText(/declined/i)).toBeVisible();
  await ann.page.goto(`/app/${slug}/orders`);
  const declined = ann.page.getByRole('listitem', { name: /^Order #\d+ · Coffee beans · Failed$/ }).first();
  await expect(declined).toBeVisible({ timeout: 30_000 });
  // "Try again" pays the same order: no second order is made, and it turns paid.
  const ordersBefore = await ann.page.getByRole('listitem', { name: /^Order #\d+/ }).count();
  const declinedName = String(await declined.getAttribute('aria-label'));
  const declinedNumber = declinedName.match(/^Order #(\d+)/)?.[1];
  await declined.getByRole('button', { name: 'Try again' }).click();
  await payOnCheckout(ann.page, '4242 4242 4242 4242');
  await expect(ann.page).toHaveURL(new RegExp(`/app/${slug}/orders\\?paid=${declinedNumber}$`));
  await expect(ann.page.getByTestId(`order-${declinedNumber}`)).toContainText('Paid', { timeout: 30_000 });
  await expect(ann.page.getByRole('listitem', { name: /^Order #\d+/ })).toHaveCount(ordersBefore);

  // The embedded card form (Payment Intent + the sandbox's Stripe.js stand-in): a decline shown in place,
  // then 4242 on the same intent, and the order turns paid live.
  await ann.page.goto(`/app/${slug}`);
  await ann.page.getByRole('button', { name: 'Pay for Coffee beans by card here' }).click();
  const cardForm = ann.page.getByRole('form', { name: 'Card payment for Coffee beans' });
  await cardForm.getByLabel('Card number').fill('4000 0000 0000 0002');
  await cardForm.getByLabel('Expiration date (MM / YY)').fill('12 / 34');
  await cardForm.getByLabel('CVC').fill('123');
  await shots(ann.page, 'card-form');
  await cardForm.getByRole('button', { name: 'Pay' }).click();
  await expect(cardForm.getByRole('alert')).toContainText(/declined/i);
  await cardForm.getByLabel('Card number').fill('4242 4242 4242 4242');
  await cardForm.getByRole('button', { name: 'Pay' }).click();
  await expect(ann.page).toHaveURL(new RegExp(`/app/${slug}/orders\\?paid=\\d+`));
  const cardOrderId = new URL(ann.page.url()).searchParams.get('paid');
  await expect(ann.page.getByTestId(`order-${cardOrderId}`)).toContainText('Paid', { timeout: 30_000 });

  // A 3-D Secure card: the challenge opens over the page, and completing it pays the order.
  await ann.page.goto(`/app/${slug}`);
  await ann.page.getByRole('button', { name: 'Pay for Coffee beans by card here' }).click();
  await cardForm.getByLabel('Card number').fill('4000 0025 0000 3155');
  await cardForm.getByLabel('Expiration date (MM / YY)').fill('12 / 34');
  await cardForm.getByLabel('CVC').fill('123');
  await cardForm.getByRole('button', { name: 'Pay' }).click();
  await expect(ann.page.getByRole('dialog', { name: 'Authenticate your payment' })).toBeVisible();
  await ann.page
    .frameLocator('iframe[title="Authenticate your payment"]')
    .getByRole('button', { name: 'Complete authentication' })
    .click();
  await expect(ann.page).toHaveURL(new RegExp(`/app/${slug}/orders\\?paid=\\d+`));
  const securedOrderId = new URL(ann.page.url()).searchParams.get('paid');
  expect(securedOrderId).not.toBe(cardOrderId);
  await expect(ann.page.getByTestId(`order-${securedOrderId}`)).toContainText('Paid', { timeout: 30_000 });

  // A subscription with the builder's 14-day trial, canceled at period end.
  await ann.page.goto(`/app/${slug}`);
  await expect(ann.page.getByText('14-day free trial')).toBeVisible();
  await ann.page.getByRole('button', { name: 'Subscribe to Bean club' }).click();
  await payOnCheckout(ann.page, '4242 4242 4242 4242');
  await expect(ann.page).toHaveURL(new RegExp(`/app/${slug}/subscriptions`));
  const subscription = ann.page.getByRole('listitem', { name: /^Subscription \d+$/ }).first();
  await expect(subscription).toContainText('In trial', { timeout: 30_000 });
  await subscription.getByRole('button', { name: 'Cancel at period end' }).click();
  await expect(subscription).toContainText('Cancels at the end of the current period.', { timeout: 30_000 });
  await shots(ann.page, 'subscriptions');

  // Bob never sees Ann's orders: not in the UI, not through the API.
  const bob = await endUser(browser, slug, 'bob');
  await bob.page.getByRole('link', { name: 'My orders' }).click();
  await expect(bob.page.getByText('No orders yet.')).toBeVisible();
  const bobOrders = await (await appApi(bob.page, slug, 'myOrders')).json();
  expect(bobOrders.result.data.json).toEqual([]);
  expect((await (await appApi(bob.page, slug, 'adminPayments')).json()).error.json.data.code).toBe('FORBIDDEN');
  await expect(bob.page.getByRole('link', { name: 'Admin' })).toHaveCount(0);

  // The builder makes Bob an admin; he refunds part of Ann's payment and her page shows it live.
  const bobInfo = await (await appApi(bob.page, slug, 'info')).json();
  await studio(req, 'endUsers.setRole', { projectId, userId: bobInfo.result.data.json.me.id, role: 'admin' });
  await ann.page.goto(`/app/${slug}/orders`);
  await expect(ann.page.getByText('Live')).toBeVisible();
  await bob.page.goto(`/app/${slug}/admin`);
  await expect(bob.page.getByRole('heading', { name: 'Payments' })).toBeVisible();
  await bob.page
    .getByRole('button', { name: /^Refund payment \d+$/ })
    .first()
    .click();
  const dialog = bob.page.getByRole('dialog', { name: /Refund payment/ });
  await dialog.getByRole('textbox', { name: 'Amount' }).fill('5.00');
  await dialog.getByLabel('Reason').fill('Damaged bag');
  await shots(bob.page, 'admin-refund-dialog');
  await dialog.getByRole('button', { name: 'Refund' }).click();
  await expect(dialog).toBeHidden();
  await expect(bob.page.getByRole('listitem', { name: /^Refund \d+$/ }).first()).toContainText('$5.00');
  const annRefund = ann.page.getByRole('listitem', { name: /^Refund \d+$/ }).first();
  await expect(annRefund).toContainText('$5.00', { timeout: 30_000 });
  await expect(annRefund).toContainText('Refunded', { timeout: 30_000 });
  await expect(ann.page.getByText('Partially refunded')).toBeVisible({ timeout: 30_000 });
  await shots(ann.page, 'orders-refunded');
  await shots(bob.page, 'admin');

  // Ann's receipt, sent by the StripePayment flow, waits in the studio mailbox (no SMTP server is set).
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Mailbox' }).click();
  await page
    .getByRole('region', { name: 'Messages' })
    .getByRole('button', { name: /Receipt for order #\d+/ })
    .first()
    .click();
  const receipt = page.getByRole('region', { name: 'Message', exact: true });
  await expect(receipt).toContainText(ann.email);
  await expect(receipt).toContainText('Thank you for your payment of $15.00');

  // Signing out ends the app session.
  await ann.page.getByRole('button', { name: 'Sign out' }).click();
  await expect(ann.page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await shots(ann.page, 'signed-out');
});

test('the studio mailbox captures mail when no SMTP server is set', async ({ page }) => {
  await signUp(page, uniqueEmail('mailbuilder'));
  await createProject(page, 'Mail shop');
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Mailbox' }).click();
  await expect(page.getByText('No SMTP server is set')).toBeVisible();
  await page.getByLabel('Send a test message to').fill('owner@example.test');
  await page.getByRole('button', { name: 'Send test' }).click();
  await expect(page.getByText('Test message captured.')).toBeVisible();
  const messages = page.getByRole('region', { name: 'Messages' });
  await messages.getByRole('button', { name: /Test message from Mail shop/ }).click();
  const message = page.getByRole('region', { name: 'Message', exact: true });
  await expect(message).toContainText('owner@example.test');
  await expect(message).toContainText('This is a test message sent from the Tillflow studio.');
  await shots(page, 'studio-mailbox', { mustFitPhone: false });
});
