import { expect, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

// The whole product path in the running studio: the embedded sandbox's hosted
// checkout, its signed webhook to /api/hooks/stripe/:id, the in-process
// workers, the StripePayment flow, and the order row turning paid.
test('paying an order on the hosted checkout marks it paid through the StripePayment flow', async ({
  page,
  baseURL,
}) => {
  await signUp(page, uniqueEmail('journey'));
  const { id, slug } = await createProject(page, 'Journey shop');
  const nav = page.getByRole('navigation', { name: 'Project' });

  await nav.getByRole('link', { name: 'Data' }).click();
  await page.getByLabel('New table name').fill('order');
  await page.getByRole('button', { name: 'Create table' }).click();
  await expect(page.getByRole('heading', { name: 'order' })).toBeVisible();
  await page.getByRole('tab', { name: 'columns' }).click();
  await page.getByRole('button', { name: 'Add column' }).click();
  const column = page.getByRole('form', { name: 'New column' });
  await column.getByLabel('Column name').fill('status');
  await column.getByLabel('Type').selectOption('enum');
  await column.getByLabel('Options (comma-separated)').fill('pending, paid, refunded, cancelled');
  await column.getByRole('button', { name: 'Add column' }).click();
  await expect(
    page.getByRole('table', { name: 'Columns of order' }).getByRole('cell', { name: 'status', exact: true }),
  ).toBeVisible();
  await page.getByRole('tab', { name: 'rows' }).click();
  await page.getByRole('button', { name: 'New row' }).click();
  const row = page.getByRole('form', { name: 'New row' });
  await row.getByLabel('status').selectOption('pending');
  await row.getByRole('button', { name: 'Add row' }).click();
  const grid = page.getByRole('table', { name: 'Rows of order' });
  await expect(grid.getByRole('cell', { name: 'Pending', exact: true })).toBeVisible();

  await nav.getByRole('link', { name: 'Payments' }).click();
  await page.getByLabel('Order table', { exact: true }).selectOption('order');
  await page.getByLabel(/stays my order table/).check();
  await page.getByRole('button', { name: 'Activate payments' }).click();
  await expect(page.getByRole('heading', { name: 'Payments are on' })).toBeVisible();
  await page.getByLabel('Brand name').fill('Journey Coffee');
  await page.getByRole('button', { name: 'Save branding' }).click();
  await expect(page.getByText('Branding saved.')).toBeVisible();

  await nav.getByRole('link', { name: 'Overview' }).click();
  await page.getByLabel('Key name').fill('backend');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = (await page.getByLabel('New API key').textContent())?.trim() ?? '';
  expect(key).toMatch(/^tf_/);

  const response = await page.request.post(`/api/v1/${slug}/payments`, {
    headers: { authorization: `Bearer ${key}` },
    data: {
      orderId: 1,
      currency: 'usd',
      amount: 1250,
      method: 'checkout',
      successUrl: `${baseURL}/projects/${id}/payments/dashboard`,
      cancelUrl: `${baseURL}/projects/${id}`,
    },
  });
  expect(response.status()).toBe(200);
  const payment = await response.json();

  await page.goto(payment.checkoutUrl);
  await expect(page.getByRole('heading', { name: 'Journey Coffee' })).toBeVisible();
  await page.getByLabel('Email').fill('buyer@example.test');
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await page.getByLabel('Expiration date (MM / YY)').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: /^Pay/ }).click();

  await expect(page).toHaveURL(new RegExp(`/projects/${id}/payments/dashboard`));
  const payments = page.getByRole('table', { name: 'Payments list' });
  await expect(payments.getByRole('cell', { name: 'Paid', exact: true })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByLabel('Totals per currency')).toContainText('$12.50');

  // Filters: by currency, by status (nothing failed here).
  await page.getByLabel('Currency', { exact: true }).selectOption('usd');
  await expect(payments.getByRole('cell', { name: 'Paid', exact: true })).toBeVisible();
  await page.getByLabel('Status', { exact: true }).selectOption('FAILED');
  await expect(page.getByText('Nothing here yet.')).toBeVisible();
  await page.getByLabel('Status', { exact: true }).selectOption('');

  // Each row links to its Stripe object (the sandbox's object page here) and to the events and runs it caused.
  const objectLink = payments.getByRole('link', { name: /^Open pi_\w+ in the sandbox$/ });
  const objectPage = await page.request.get(String(await objectLink.getAttribute('href')));
  expect(objectPage.status()).toBe(200);
  expect(await objectPage.text()).toContain('payment_intent.succeeded');
  await payments.getByRole('link', { name: /^Events and runs of payment \d+$/ }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Showing what Stripe said about this payment' }),
  ).toHaveAttribute('title', /cs_/);
  const events = page.getByRole('table', { name: 'Messages from Stripe' });
  const completed = events.getByRole('row').filter({ hasText: 'A checkout is completed' });
  await expect(completed).toContainText('Payment updates: Done', { timeout: 15_000 });
  await completed.getByRole('link', { name: 'Payment updates: Done' }).click();
  await expect(page.getByText(/Showing run of .* on the canvas/)).toBeVisible();
  await expect(page.getByRole('table', { name: 'Runs' })).toContainText('A checkout is completed');

  await page.goto(`/projects/${id}/data/order`);
  await expect(
    page.getByRole('table', { name: 'Rows of order' }).getByRole('cell', { name: 'Paid', exact: true }),
  ).toBeVisible({
    timeout: 15_000,
  });
});
