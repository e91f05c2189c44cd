import { expect, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

test('a builder activates payments on their order table and brands the checkout', async ({ page }) => {
  await signUp(page, uniqueEmail('pay'));
  const { id } = await createProject(page, 'Pay shop');
  const nav = page.getByRole('navigation', { name: 'Project' });

  await nav.getByRole('link', { name: 'Data' }).click();
  await page.getByLabel('New table name').fill('order');
  await page.getByRole('button', { name: 'Create table' }).click();
  await expect(page.getByRole('heading', { name: 'order' })).toBeVisible();

  await nav.getByRole('link', { name: 'Payments' }).click();
  await expect(page.getByText('Sandbox', { exact: true })).toBeVisible();
  await page.getByLabel('Order table', { exact: true }).selectOption('order');
  const activate = page.getByRole('button', { name: 'Activate payments' });
  await expect(activate).toBeDisabled(); // the permanent binding must be confirmed first
  await page.getByLabel(/stays my order table/).check();
  await activate.click();
  await expect(page.getByRole('heading', { name: 'Payments are on' })).toBeVisible();
  await expect(page.getByText(/Your orders are kept in order\./)).toBeVisible();
  // What activation set up so shoppers can buy, in words.
  const setUp = page.getByRole('list', { name: 'What activation set up' });
  await expect(setUp).toContainText('Shoppers (role "user") may create their own orders.');
  await expect(setUp).toContainText('Added a "status" column');

  await page.getByLabel('Brand name').fill('Bean Co');
  await page.getByLabel('Slogan').fill('Fresh daily');
  await page.getByRole('button', { name: 'Save branding' }).click();
  await expect(page.getByText('Branding saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Brand name')).toHaveValue('Bean Co');
  // The keys card says which account is in use and never shows a key the builder did not enter.
  await expect(page.getByLabel('Account in use')).toHaveText('Built-in test sandbox');
  await expect(page.getByLabel('Stored secret key')).toHaveCount(0);
  await expect(page.getByLabel('Publishable key')).toHaveValue('');

  const endpoints = page.getByRole('table', { name: 'Addresses Stripe calls' });
  for (const flow of [
    'Payment updates',
    'Refund updates',
    'Subscription updates',
    'Renewal payments',
    'Dispute updates',
  ])
    await expect(endpoints.getByRole('row').filter({ hasText: flow })).toContainText('Healthy');

  await nav.getByRole('link', { name: 'Automations' }).click();
  const flows = page.getByRole('table', { name: 'Flows' });
  for (const flow of [
    'Payment updates',
    'Refund updates',
    'Subscription updates',
    'Renewal payments',
    'Dispute updates',
  ])
    await expect(flows.getByRole('row').filter({ hasText: flow })).toContainText('System');

  await nav.getByRole('link', { name: 'Data' }).click();
  const tables = page.getByRole('list', { name: 'Tables' });
  for (const name of ['payment', 'recurring payment', 'refund'])
    await expect(tables.getByRole('link', { name: new RegExp(`^${name}`) })).toBeVisible();
  await page.goto(`/projects/${id}/data/order`);
  await page.getByRole('button', { name: 'Delete table' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'payment module' })).toBeVisible();
});
