import { expect, type Page, test } from '@playwright/test';
import { createProject, PASSWORD, uniqueEmail } from './helpers';

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const panel = (page: Page) => page.getByRole('complementary', { name: 'Flow panel' });

async function expectSaved(page: Page) {
  await expect(page.getByRole('status', { name: 'Save status' })).toHaveText('Draft saved', { timeout: 15_000 });
}

test('a builder edits how the locked renewal node makes renewal orders on the canvas, and nothing else of it', async ({
  page,
}) => {
  test.setTimeout(420_000);
  // Signing up hashes a password (scrypt): on a loaded machine it can take longer than the default wait.
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(uniqueEmail('renewal'));
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/projects$/, { timeout: 60_000 });
  const project = await createProject(page, 'Renewal shop');
  const nav = page.getByRole('navigation', { name: 'Project' });

  // An order table with a title, then payments with "Set up buying for me" (owner + status columns).
  await nav.getByRole('link', { name: 'Data' }).click();
  await page.getByLabel('New table name').fill('order');
  await page.getByRole('button', { name: 'Create table' }).click();
  await expect(page.getByRole('heading', { name: 'order' })).toBeVisible();
  await page.goto(`/projects/${project.id}/data/order`);
  await page.getByRole('tab', { name: 'columns' }).click();
  await page.getByRole('button', { name: 'Add column' }).click();
  const form = page.getByRole('form', { name: 'New column' });
  await form.getByLabel('Column name').fill('title');
  await form.getByLabel('Type').selectOption('text');
  await form.getByRole('button', { name: 'Add column' }).click();
  await expect(
    page.getByRole('table', { name: 'Columns of order' }).getByRole('cell', { name: 'title', exact: true }),
  ).toBeVisible();
  await nav.getByRole('link', { name: 'Payments' }).click();
  await page.getByLabel('Order table', { exact: true }).selectOption('order');
  await page.getByLabel(/stays my order table/).check();
  await page.getByRole('button', { name: 'Activate payments' }).click();
  await expect(page.getByRole('heading', { name: 'Payments are on' })).toBeVisible({ timeout: 60_000 });

  await nav.getByRole('link', { name: 'Automations' }).click();
  await page.getByRole('table', { name: 'Flows' }).getByRole('link', { name: 'Renewal payments' }).click();
  await expect(node(page, 'callback')).toBeVisible();
  await expect(node(page, 'callback').getByRole('img', { name: 'Built-in step, locked' })).toBeVisible();
  await node(page, 'callback').click();

  const settings = page.getByRole('form', { name: /Settings of/ });
  await expect(panel(page).getByText(/except copy columns and order field mapping below/)).toBeVisible();
  // The callback itself stays locked: its name and its table cannot be changed here.
  await expect(settings.getByLabel('Step name')).toBeDisabled();
  await expect(settings.getByLabel('Order Table', { exact: true })).toBeDisabled();
  // The mapping is the builder's: a renewal order starts pending (the default) and gets a title.
  await expect(settings.getByLabel('value for status', { exact: true })).toHaveValue('pending');
  await settings.getByRole('button', { name: 'Add value to Order Field Mapping' }).click();
  await settings.getByLabel('value 2 column').selectOption('title');
  await settings.getByLabel('value for title', { exact: true }).fill('Monthly renewal');
  await expect(page.getByText('No problems')).toBeVisible();
  await expectSaved(page);
  await page.getByRole('button', { name: 'Publish' }).click();
  // A payment automation asks before it goes live, and says what changes.
  const confirm = page.getByRole('dialog', { name: 'Publish Renewal payments?' });
  await expect(confirm).toContainText('Changes the settings of');
  await confirm.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Published version 2.' })).toBeVisible();

  // A column the order table does not have is refused on the field.
  await settings.getByRole('textbox', { name: 'Copy Columns (one per line)' }).fill('no_such_column');
  await expect(settings.getByRole('alert')).toContainText('no_such_column');
  await settings.getByRole('textbox', { name: 'Copy Columns (one per line)' }).fill('title');
  await expect(page.getByText('No problems')).toBeVisible();
  await expectSaved(page);

  // After a reload the published mapping is there, still on a locked node.
  await page.reload();
  await node(page, 'callback').click();
  await expect(settings.getByLabel('value for title', { exact: true })).toHaveValue('Monthly renewal');
  await expect(settings.getByLabel('Step name')).toBeDisabled();
  await page.getByRole('button', { name: 'Versions' }).click();
  await expect(panel(page).getByText('Version 2')).toBeVisible();
});
