import { expect, type Page, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const panel = (page: Page) => page.getByRole('complementary', { name: 'Flow panel' });

async function expectSaved(page: Page) {
  await expect(page.getByRole('status', { name: 'Save status' })).toHaveText('Draft saved', { timeout: 15_000 });
}

/** Order table, payments activated, then a text `status` column (so the success branch starts empty). */
async function shopWithPayments(page: Page) {
  await signUp(page, uniqueEmail('canvas'));
  const project = await createProject(page, 'Canvas shop');
  const nav = page.getByRole('navigation', { name: 'Project' });
  await nav.getByRole('link', { name: 'Data' }).click();
  await page.getByLabel('New table name').fill('order');
  await page.getByRole('button', { name: 'Create table' }).click();
  await expect(page.getByRole('heading', { name: 'order' })).toBeVisible();

  await nav.getByRole('link', { name: 'Payments' }).click();
  await page.getByLabel('Order table', { exact: true }).selectOption('order');
  await page.getByLabel(/Set up buying for me/).uncheck(); // no status column: the success branch starts empty
  await page.getByLabel(/stays my order table/).check();
  await page.getByRole('button', { name: 'Activate payments' }).click();
  await expect(page.getByRole('heading', { name: 'Payments are on' })).toBeVisible();

  await page.goto(`/projects/${project.id}/data/order`);
  await page.getByRole('tab', { name: 'columns' }).click();
  await page.getByRole('button', { name: 'Add column' }).click();
  const form = page.getByRole('form', { name: 'New column' });
  await form.getByLabel('Column name').fill('status');
  await form.getByLabel('Type').selectOption('text');
  await form.getByRole('button', { name: 'Add column' }).click();
  await expect(
    page.getByRole('table', { name: 'Columns of order' }).getByRole('cell', { name: 'status', exact: true }),
  ).toBeVisible();
  await page.getByRole('tab', { name: 'rows' }).click();
  await page.getByRole('button', { name: 'New row' }).click();
  const row = page.getByRole('form', { name: 'New row' });
  await row.getByLabel('status').fill('pending');
  await row.getByRole('button', { name: 'Add row' }).click();
  await expect(
    page.getByRole('table', { name: 'Rows of order' }).getByRole('cell', { name: 'Pending', exact: true }),
  ).toBeVisible();
  return { project, nav };
}

test('a builder edits StripePayment on the canvas, is refused on locked nodes and broken bindings, publishes, and sees a paid order’s run painted', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(240_000);
  const { nav, project } = await shopWithPayments(page);

  await nav.getByRole('link', { name: 'Automations' }).click();
  const flows = page.getByRole('table', { name: 'Flows' });
  const row = flows.getByRole('row').filter({ hasText: 'Payment updates' });
  await expect(row).toContainText('System');
  await expect(row).toContainText('When a payment succeeds');
  await expect(row).toContainText('Published');
  await expect(row.getByRole('button', { name: /Delete/ })).toHaveCount(0);
  await row.getByRole('link', { name: 'Payment updates' }).click();

  // Locked system nodes show a lock and cannot be deleted.
  await expect(node(page, 'callback')).toBeVisible();
  await expect(node(page, 'callback').getByRole('img', { name: 'Built-in step, locked' })).toBeVisible();
  await node(page, 'callback').click();
  await expect(panel(page).getByText('This is a built-in step')).toBeVisible();
  await page.getByRole('toolbar', { name: 'Canvas tools' }).getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'is a built-in step and cannot be deleted' })).toBeVisible();
  await page.keyboard.press('Delete');
  await expect(node(page, 'callback')).toBeVisible();

  // Add "update rows" at the head of the success branch (before the receipt email):
  // order.status = 'paid' where id = callback.orderId.
  const canvas = page.getByRole('application', { name: 'Flow canvas' });
  await canvas
    .getByRole('button', { name: 'Insert a step between Payment succeeded? and Buyer has an email?' })
    .click();
  await panel(page).getByLabel('Search steps').fill('update');
  await panel(page).getByRole('button', { name: 'Add Update rows' }).click();
  await expect(node(page, 'update_rows')).toBeVisible();
  await expect(
    canvas.getByRole('button', { name: 'Insert a step between Payment succeeded? and Update rows' }),
  ).toBeVisible();
  await expect(
    canvas.getByRole('button', { name: 'Insert a step between Update rows and Buyer has an email?' }),
  ).toBeVisible();
  const settings = page.getByRole('form', { name: /Settings of/ });
  await settings.getByLabel('Table').selectOption('order');
  await settings.getByRole('button', { name: 'Add filter to Filters' }).click();
  await settings.getByLabel('filter 1 column').selectOption('id');
  await settings.getByRole('button', { name: 'Insert binding into filter 1 value' }).click();
  await settings.getByRole('button', { name: 'callback.orderId (number)' }).click();
  await expect(settings.getByLabel('filter 1 value', { exact: true })).toHaveValue('{{ nodes.callback.orderId }}');
  await settings.getByRole('button', { name: 'Add value to Values' }).click();
  await settings.getByLabel('value 1 column').selectOption('status');
  await settings.getByLabel('value for status', { exact: true }).fill('paid');
  await expect(node(page, 'update_rows')).toContainText('Update order set status to "Paid" where id is «order id»');
  await expect(page.getByText('No problems')).toBeVisible();
  await expectSaved(page);
  await page.getByRole('button', { name: 'Publish' }).click();
  // A payment automation asks first and says what changes.
  const confirm = page.getByRole('dialog', { name: 'Publish Payment updates?' });
  await expect(confirm.getByRole('list', { name: 'What changes' })).toContainText('Adds the step');
  await confirm.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Published version 2.' })).toBeVisible();

  // A broken binding: the error shows on the node and on the field, and publishing is refused.
  await node(page, 'update_rows').click();
  await settings.getByLabel('value for status', { exact: true }).fill('{{ nodes.callback.nope }}');
  const problems = node(page, 'update_rows').getByRole('list', { name: 'Problems in Update rows' });
  await expect(problems).toContainText('nope');
  await expect(settings.getByRole('alert')).toContainText('nope');
  await expectSaved(page);
  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'cannot be published' })).toContainText('nope');
  await page.reload();
  await expect(node(page, 'update_rows').getByRole('list', { name: 'Problems in Update rows' })).toContainText('nope');

  // Undo brings back the working value; versions list both published versions.
  await node(page, 'update_rows').click();
  await settings.getByLabel('value for status', { exact: true }).fill('paid');
  await expect(page.getByText('No problems')).toBeVisible();
  await expectSaved(page);
  await page.getByRole('button', { name: 'Versions' }).click();
  await expect(panel(page).getByText('Version 2')).toBeVisible();
  await expect(panel(page).getByText('1 step added, 2 connections added, 1 connection removed')).toBeVisible();

  // Pay order 1 on the sandbox's hosted checkout: the published flow marks it paid, and its run is painted.
  await nav.getByRole('link', { name: 'Overview' }).click();
  await page.getByLabel('Key name').fill('backend');
  await page.getByRole('button', { name: 'Create key' }).click();
  const key = (await page.getByLabel('New API key').textContent())?.trim() ?? '';
  const response = await page.request.post(`/api/v1/${project.slug}/payments`, {
    headers: { authorization: `Bearer ${key}` },
    data: {
      orderId: 1,
      currency: 'usd',
      amount: 1250,
      method: 'checkout',
      successUrl: `${baseURL}/projects/${project.id}/data/order`,
      cancelUrl: `${baseURL}/projects/${project.id}`,
    },
  });
  expect(response.status()).toBe(200);
  await page.goto((await response.json()).checkoutUrl);
  await page.getByLabel('Email').fill('buyer@example.test');
  await page.getByLabel('Card number').fill('4242 4242 4242 4242');
  await page.getByLabel('Expiration date (MM / YY)').fill('12 / 34');
  await page.getByLabel('CVC').fill('123');
  await page.getByRole('button', { name: /^Pay/ }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${project.id}/data/order`));
  await expect(async () => {
    await page.reload();
    await expect(
      page.getByRole('table', { name: 'Rows of order' }).getByRole('cell', { name: 'Paid', exact: true }),
    ).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });

  await nav.getByRole('link', { name: 'Automations' }).click();
  await page.getByRole('table', { name: 'Flows' }).getByRole('link', { name: 'Payment updates' }).click();
  await page.getByRole('button', { name: 'Runs' }).click();
  const runs = panel(page).getByRole('table', { name: 'Runs' });
  await expect(runs).toContainText('A checkout is completed', { timeout: 15_000 });
  await expect(runs).toContainText('Done');
  // Stripe sends checkout.session.completed and payment_intent.succeeded together: whichever runs first
  // takes the success branch, the other sees alreadyProcessed. Open the runs until the painted path reaches our node.
  const show = runs.getByRole('button', { name: /^Show run of/ });
  const output = page.getByRole('log', { name: 'Output of Update rows' });
  let painted = false;
  for (let i = 0; i < (await show.count()) && !painted; i++) {
    await show.nth(i).click();
    await expect(page.getByText(/Showing run of .* on the canvas/)).toBeVisible();
    painted = await output.waitFor({ timeout: 3000 }).then(
      () => true,
      () => false,
    );
  }
  expect(painted).toBe(true);
  await expect(node(page, 'update_rows')).toContainText('Done');
  await expect(output).toContainText('paid');
  await expect(node(page, 'callback')).toContainText('Done');

  // Studio → Events: what Stripe said, the runs it started, and replay.
  await nav.getByRole('link', { name: 'Events' }).click();
  const events = page.getByRole('table', { name: 'Messages from Stripe' });
  const completed = events.getByRole('row').filter({ hasText: 'A checkout is completed' });
  await expect(completed).toContainText('Payment updates: Done');
  await completed.getByRole('button', { name: /^Replay: A checkout is completed/ }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Replayed: 1 new run(s) queued.' })).toBeVisible();
  await expect(completed.getByRole('link', { name: /Payment updates/ })).toHaveCount(2, { timeout: 10_000 });
});

test('a builder builds a custom flow and test-runs it with a sample event, seeing each node’s output', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const { nav } = await shopWithPayments(page);
  await nav.getByRole('link', { name: 'Automations' }).click();
  await page.getByLabel('Automation name').fill('Large charges');
  await page.getByRole('button', { name: 'Create automation' }).click();
  await expect(node(page, 'trigger')).toBeVisible();

  await node(page, 'trigger').click();
  await page.getByRole('button', { name: 'Add step' }).click();
  await panel(page).getByRole('button', { name: 'Add Set variables' }).click();
  const settings = page.getByRole('form', { name: /Settings of/ });
  await settings.getByRole('button', { name: 'Add variable to Variables' }).click();
  await settings.getByLabel('variable 1 name').fill('amount');
  await settings.getByLabel('variable for amount', { exact: true }).fill('{{ trigger.data.object.amount }}');

  await page.getByRole('button', { name: 'Add step' }).click();
  await panel(page).getByRole('button', { name: 'Add Query rows' }).click();
  await settings.getByLabel('Table').selectOption('order');
  await expect(node(page, 'query_rows')).toContainText('Find rows in order');

  // Undo/redo of the last edit.
  await page.getByRole('button', { name: 'Undo' }).click();
  await expect(node(page, 'query_rows')).toContainText('Needs configuration');
  await page.getByRole('button', { name: 'Redo' }).click();
  await expect(node(page, 'query_rows')).toContainText('Find rows in order');
  await expectSaved(page);

  await page.getByRole('button', { name: 'Test run' }).click();
  await panel(page).getByLabel('Event type').selectOption('charge.succeeded');
  await panel(page).getByRole('button', { name: 'Run test' }).click();
  await expect(panel(page).getByText('Test run succeeded')).toBeVisible();
  await expect(page.getByRole('log', { name: 'Output of Trigger' })).toContainText('charge.succeeded');
  await expect(page.getByRole('log', { name: 'Output of Set variables' })).toContainText('"amount"');
  await expect(page.getByRole('log', { name: 'Output of Query rows' })).toContainText('"rows"');
  await expect(node(page, 'query_rows')).toContainText('Done');

  await page.getByRole('button', { name: 'Runs' }).click();
  await expect(panel(page).getByRole('table', { name: 'Runs' })).toContainText('Test run');

  // A second builder (another tab) saves after the first: refused with a conflict, nothing overwritten.
  const other = await page.context().newPage();
  await other.goto(page.url());
  await expect(node(other, 'set_variables')).toBeVisible();
  await node(page, 'set_variables').click();
  await page.getByLabel('Step name').fill('Remember the amount');
  await expectSaved(page);
  await node(other, 'set_variables').click();
  await other.getByLabel('Step name').fill('Something else');
  await expect(other.getByRole('alert').filter({ hasText: 'Someone else saved this flow' })).toBeVisible();
  await expect(other.getByRole('button', { name: 'Reload' })).toBeVisible();
  await page.reload();
  await expect(node(page, 'set_variables')).toContainText('Remember the amount');
});
