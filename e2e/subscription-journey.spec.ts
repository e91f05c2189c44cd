import { randomUUID } from 'node:crypto';
import { type APIRequestContext, type Browser, expect, type Page, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

// Issue 18's acceptance journey on the sandbox, in Chromium. The builder makes a monthly price with a 7-day trial
// and a 20 % coupon with the code BEANS20 in the studio (Payments → Products / Discounts) and a yearly plan; a
// shopper subscribes with the code on the hosted checkout page, switches to the yearly plan (what the switch
// charges now shown before confirming), opens "Manage subscription" (Stripe's customer portal) and cancels at
// the end of the period. The studio's dashboard, open all along, shows each step without a reload.

const APP_PASSWORD = 'end-user-pass-1';

/** The studio's tRPC with the builder's cookies, for setup other specs cover in the UI (tables, activation). */
async function studio(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return ((await response.json()) as { result: { data: { json: unknown } } }).result.data.json;
}

async function shopper(browser: Browser, slug: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`/app/${slug}`);
  await page.getByRole('link', { name: 'Sign up' }).click();
  const email = uniqueEmail('subscriber');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(APP_PASSWORD);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await expect(page.getByTestId('signed-in-as')).toHaveText(email);
  return page;
}

/** The ids of the prices the builder just made, read from the project's sandbox account (the App form asks for them). */
async function priceIds(page: Page, projectId: number): Promise<Record<string, string>> {
  const req = page.request;
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
  const prices = (await (
    await req.get(`${apiBase}/v1/prices?expand[]=data.product`, {
      headers: { authorization: `Bearer ${keys.secret_key}` },
    })
  ).json()) as { data: { id: string; product: { name: string } }[] };
  return Object.fromEntries(prices.data.map((p) => [p.product.name, p.id]));
}

test('a subscriber uses a promotion code, switches to yearly, and cancels in the portal; the dashboard follows live', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  await signUp(page, uniqueEmail('journey'));
  const { id: projectId, slug } = await createProject(page, 'Bean Club', `club-${randomUUID().slice(0, 8)}`);
  await studio(page.request, 'dataModel.createTable', {
    projectId,
    name: 'order',
    columns: [
      { name: 'item', type: 'text' },
      { name: 'buyer', type: 'relation', relationTable: 'end_user' },
    ],
  });
  await studio(page.request, 'dataModel.setOwnerColumn', { projectId, table: 'order', column: 'buyer' });
  for (const operation of ['read', 'insert'])
    await studio(page.request, 'permissions.setTablePermission', {
      projectId,
      role: 'user',
      table: 'order',
      operation,
      allowed: true,
      scope: 'own',
    });
  await studio(page.request, 'payments.activate', { projectId, orderTable: 'order', confirmPermanent: true });

  // Payments → Products: a monthly price with a 7-day trial, and a yearly plan.
  await page.goto(`/projects/${projectId}/payments`);
  const products = page.getByRole('region', { name: 'Products' });
  const newProduct = products.getByRole('form', { name: 'New product' });
  await newProduct.getByLabel('Product name').fill('Monthly beans');
  await newProduct.getByLabel('Price').fill('12.00');
  await newProduct.getByLabel('Billing').selectOption({ label: 'Every month' });
  await newProduct.getByLabel('Free trial (days, optional)').fill('7');
  await newProduct.getByRole('button', { name: 'Add product' }).click();
  await expect(products.getByRole('listitem', { name: 'Monthly beans' })).toContainText('7-day free trial');
  await newProduct.getByLabel('Product name').fill('Yearly beans');
  await newProduct.getByLabel('Price').fill('120.00');
  await newProduct.getByLabel('Billing').selectOption({ label: 'Every year' });
  await newProduct.getByRole('button', { name: 'Add product' }).click();
  await expect(products.getByRole('listitem', { name: 'Yearly beans' })).toContainText('$120.00');

  // Payments → Discounts: 20 % off, forever, with a code shoppers type.
  const discounts = page.getByRole('region', { name: 'Discounts' });
  const newDiscount = discounts.getByRole('form', { name: 'New discount' });
  await newDiscount.getByLabel('Discount name (optional)').fill('Friends of beans');
  await newDiscount.getByLabel('Discount type').selectOption({ label: 'Percentage off' });
  await newDiscount.getByLabel('Percent off').fill('20');
  await newDiscount.getByLabel('Applies').selectOption({ label: 'Forever' });
  await newDiscount.getByLabel('Code shoppers type (optional)').fill('BEANS20');
  await newDiscount.getByRole('button', { name: 'Add discount' }).click();
  await expect(discounts.getByRole('listitem', { name: 'Friends of beans' })).toContainText('BEANS20');

  // App: the shop sells both plans.
  const ids = await priceIds(page, projectId);
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'App' }).click();
  await page.getByLabel('Stripe prices').check();
  await page.getByLabel('Stripe price ids (one per line)').fill(`${ids['Monthly beans']}\n${ids['Yearly beans']}`);
  await page.getByLabel('Order column that records what was bought').selectOption('item');
  await page.getByRole('button', { name: 'Save catalog' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();

  // The builder watches the dashboard's subscriptions while the shopper acts.
  await page.goto(`/projects/${projectId}/payments/dashboard`);
  await page.getByRole('tab', { name: 'Subscriptions' }).click();
  const dashboard = page.getByRole('table', { name: 'Subscriptions list' });

  const app = await shopper(browser, slug);
  await expect(app.getByRole('listitem').filter({ hasText: 'Monthly beans' })).toContainText('7-day free trial');
  await app.getByRole('button', { name: 'Subscribe to Monthly beans' }).click();
  await expect(app).toHaveURL(/\/c\/pay\/cs_test_/);
  await app.getByLabel('Promotion code').fill('BEANS20');
  await app.getByRole('button', { name: 'Apply' }).click();
  await expect(app.getByText('BEANS20')).toBeVisible();
  await app.getByLabel('Card number').fill('4242 4242 4242 4242');
  await app.getByLabel('Expiration date (MM / YY)').fill('12 / 34');
  await app.getByLabel('CVC').fill('123');
  const name = app.getByLabel('Name on card');
  if (await name.isVisible()) await name.fill('Sam Subscriber');
  await app.getByRole('button', { name: /^(Pay|Subscribe|Start)/ }).click();
  await expect(app).toHaveURL(new RegExp(`/app/${slug}/subscriptions`));
  const subscription = app.getByRole('listitem', { name: /^Subscription \d+$/ }).first();
  await expect(subscription).toContainText('In trial', { timeout: 30_000 });
  await expect(dashboard).toContainText('In trial', { timeout: 30_000 });
  await expect(dashboard).toContainText('$12.00 / month');

  // Switch to the yearly plan: what it charges now is shown before confirming (nothing during the trial).
  await subscription.getByRole('button', { name: 'Switch to Yearly beans ($120.00 / year)' }).click();
  const change = subscription.getByRole('region', { name: 'Plan change' });
  await expect(change).toContainText('Switch to Yearly beans ($120.00 / year): $0.00 due now');
  await change.getByRole('button', { name: 'Confirm switch' }).click();
  await expect(subscription.getByRole('status')).toHaveText('Your plan is switched.');
  await expect(subscription).toContainText('$120.00 / year', { timeout: 30_000 });
  await expect(dashboard).toContainText('$120.00 / year', { timeout: 30_000 });

  // "Manage subscription": Stripe's customer portal; cancel at the end of the period, then back to the shop.
  await subscription.getByRole('button', { name: 'Manage subscription' }).click();
  await expect(app.getByRole('heading', { name: 'Manage your subscription' })).toBeVisible();
  await expect(app.getByRole('article', { name: 'Yearly beans' })).toContainText('$120.00 / year');
  await app.getByRole('button', { name: 'Cancel plan' }).click();
  await expect(app.getByRole('status')).toHaveText('Your plan will be canceled at the end of the period.');
  await app.getByRole('link', { name: /^Return to / }).click();
  await expect(app).toHaveURL(new RegExp(`/app/${slug}/subscriptions`));
  await expect(app.getByText('Cancels at the end of the current period.')).toBeVisible({ timeout: 30_000 });
  await expect(dashboard).toContainText('Cancels at period end', { timeout: 30_000 });
  await expect(dashboard).toContainText('In trial');
});
