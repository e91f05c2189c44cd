import { type APIRequestContext, type Browser, expect, type Page, test } from '@playwright/test';
import { createProject, PASSWORD, uniqueEmail } from './helpers';

// Teams (#20) in the running studio, one browser context per person: the owner invites an editor and a finance
// member by link; each creates an account with the invited address and joins; the editor changes and publishes
// StripePayment while the owner, on the same canvas, sees them there; the finance member refunds a paid payment but is not shown (and cannot change) the Stripe keys;
// the owner's Activity page lists the publish, the refund and the member changes with names and times.

async function studio(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return ((await response.json()) as { result: { data: { json: unknown } } }).result.data.json as Record<
    string,
    unknown
  >;
}

async function signUpNamed(page: Page, name: string, email: string) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
}

/** Opens the invitation link in a fresh browser context, creates an account with that address and joins. */
async function joinByLink(browser: Browser, link: string, name: string, email: string, projectName: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'You are invited to a Tillflow project' })).toBeVisible();
  await page.getByRole('link', { name: 'Create an account' }).click();
  await signUpNamed(page, name, email);
  await expect(page).toHaveURL(/\/invite\//);
  await page.getByRole('button', { name: `Join ${projectName}` }).click();
  await expect(page).toHaveURL(/\/projects\/\d+$/);
  return page;
}

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const panel = (page: Page) => page.getByRole('complementary', { name: 'Flow panel' });

test('an owner invites an editor and a finance member; each does their part and Activity shows who did what', async ({
  page,
  browser,
  baseURL,
}) => {
  test.setTimeout(300_000);
  const shop = 'Team shop';

  // The owner: a shop with an order table, payments on (success branch empty), one pending order.
  await page.goto('/sign-up');
  await signUpNamed(page, 'Olive Owner', uniqueEmail('owner'));
  await expect(page).toHaveURL(/\/projects$/);
  const { id, slug } = await createProject(page, shop);
  await studio(page.request, 'dataModel.createTable', {
    projectId: id,
    name: 'order',
    columns: [],
  });
  await studio(page.request, 'payments.activate', {
    projectId: id,
    orderTable: 'order',
    confirmPermanent: true,
    setupDefaults: false,
  });
  // The status column comes after activation, so StripePayment's success branch starts empty (as in canvas.spec.ts).
  await studio(page.request, 'dataModel.addColumn', {
    projectId: id,
    table: 'order',
    column: { name: 'status', type: 'text' },
  });
  await studio(page.request, 'dataModel.insertRow', { projectId: id, table: 'order', values: { status: 'pending' } });

  // A shopper pays order 1 (12.50) on the sandbox's hosted checkout.
  const { key } = (await studio(page.request, 'apiKeys.create', { projectId: id, name: 'backend' })) as {
    key: string;
  };
  const created = await page.request.post(`/api/v1/${slug}/payments`, {
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
  expect(created.status()).toBe(200);
  const shopper = await browser.newContext();
  const checkout = await shopper.newPage();
  await checkout.goto((await created.json()).checkoutUrl);
  await checkout.getByLabel('Email').fill('buyer@example.test');
  await checkout.getByLabel('Card number').fill('4242 4242 4242 4242');
  await checkout.getByLabel('Expiration date (MM / YY)').fill('12 / 34');
  await checkout.getByLabel('CVC').fill('123');
  await checkout.getByRole('button', { name: /^Pay/ }).click();
  await expect(checkout).toHaveURL(/\/payments\/dashboard|\/sign-in/);
  await shopper.close();

  // The owner invites an editor and a finance member (no mail server: the link is shown to copy).
  const nav = page.getByRole('navigation', { name: 'Project' });
  await nav.getByRole('link', { name: 'Members' }).click();
  await expect(page.getByRole('heading', { name: 'Members', exact: true })).toBeVisible();
  const invite = async (email: string, role: string) => {
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Role', { exact: true }).selectOption({ label: role });
    await page.getByRole('button', { name: 'Send invitation' }).click();
    const sent = page.getByRole('status').filter({ hasText: `the email to ${email} is in this project’s Mailbox` });
    await expect(sent).toBeVisible();
    return sent.getByLabel('Invitation link').inputValue();
  };
  const editorEmail = uniqueEmail('editor');
  const financeEmail = uniqueEmail('finance');
  const editorLink = await invite(editorEmail, 'Editor');
  const financeLink = await invite(financeEmail, 'Finance');
  expect(editorLink).toContain('/invite/');
  expect(financeLink).not.toBe(editorLink);
  await expect(page.getByText(`Waiting for an answer`)).toBeVisible();

  // The editor joins, changes StripePayment on the canvas and publishes it.
  const editor = await joinByLink(browser, editorLink, 'Eddie Editor', editorEmail, shop);
  await editor.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Automations' }).click();
  await editor
    .getByRole('table', { name: 'Flows' })
    .getByRole('row')
    .filter({ hasText: 'Payment updates' })
    .getByRole('link', { name: 'Payment updates' })
    .click();
  const canvas = editor.getByRole('application', { name: 'Flow canvas' });
  await expect(canvas).toBeVisible();

  // Presence: the owner opens the same flow and sees the editor on it (and the editor sees the owner).
  await nav.getByRole('link', { name: 'Automations' }).click();
  await page
    .getByRole('table', { name: 'Flows' })
    .getByRole('row')
    .filter({ hasText: 'Payment updates' })
    .getByRole('link', { name: 'Payment updates' })
    .click();
  await expect(
    page.getByRole('list', { name: 'Also on this flow' }).getByRole('listitem', { name: 'Eddie Editor' }),
  ).toBeVisible({ timeout: 15_000 });
  await expect(
    editor.getByRole('list', { name: 'Also on this flow' }).getByRole('listitem', { name: 'Olive Owner' }),
  ).toBeVisible({ timeout: 15_000 });
  // The step the editor selects is outlined on the owner's canvas with the editor's name.
  await node(editor, 'trigger').click();
  await expect(node(page, 'trigger').getByRole('list', { name: 'Selected by Eddie Editor' })).toBeVisible({
    timeout: 15_000,
  });
  await nav.getByRole('link', { name: 'Members' }).click();
  await expect(editor.getByRole('list', { name: 'Also on this flow' })).toHaveCount(0, { timeout: 15_000 });

  await canvas
    .getByRole('button', { name: 'Insert a step between Payment succeeded? and Buyer has an email?' })
    .click();
  await panel(editor).getByLabel('Search steps').fill('update');
  await panel(editor).getByRole('button', { name: 'Add Update rows' }).click();
  await expect(node(editor, 'update_rows')).toBeVisible();
  const settings = editor.getByRole('form', { name: /Settings of/ });
  await settings.getByLabel('Table').selectOption('order');
  await settings.getByRole('button', { name: 'Add filter to Filters' }).click();
  await settings.getByLabel('filter 1 column').selectOption('id');
  await settings.getByRole('button', { name: 'Insert binding into filter 1 value' }).click();
  await settings.getByRole('button', { name: 'callback.orderId (number)' }).click();
  await settings.getByRole('button', { name: 'Add value to Values' }).click();
  await settings.getByLabel('value 1 column').selectOption('status');
  await settings.getByLabel('value for status', { exact: true }).fill('paid');
  await expect(editor.getByText('No problems')).toBeVisible();
  await expect(editor.getByRole('status', { name: 'Save status' })).toHaveText('Draft saved', { timeout: 15_000 });
  await editor.getByRole('button', { name: 'Publish' }).click();
  const confirm = editor.getByRole('dialog', { name: 'Publish Payment updates?' });
  await expect(confirm.getByRole('list', { name: 'What changes' })).toContainText('Adds the step');
  await confirm.getByRole('button', { name: 'Publish' }).click();
  await expect(editor.getByRole('status').filter({ hasText: 'Published version 2.' })).toBeVisible();

  // The finance member joins and refunds 5.00 of the paid payment from the dashboard.
  const finance = await joinByLink(browser, financeLink, 'Fran Finance', financeEmail, shop);
  await finance.goto(`/projects/${id}/payments/dashboard`);
  const payments = finance.getByRole('table', { name: 'Payments list' });
  await expect(payments.getByRole('cell', { name: 'Paid', exact: true })).toBeVisible({ timeout: 20_000 });
  await payments
    .getByRole('button', { name: /^Refund payment/ })
    .first()
    .click();
  const dialog = finance.getByRole('dialog', { name: /^Refund/ });
  await expect(dialog).toContainText('$12.50');
  await dialog.getByRole('textbox', { name: 'Amount to refund' }).fill('5.00');
  await dialog.getByRole('button', { name: 'Refund', exact: true }).click();
  await expect(dialog.getByRole('status')).toContainText('$5.00');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(payments.getByRole('cell', { name: 'Partially refunded', exact: true })).toBeVisible({
    timeout: 20_000,
  });

  // …but the Stripe keys are not shown to them, and changing them is refused.
  await finance.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Payments' }).click();
  await expect(finance.getByText('Only the project’s owners can see or change the Stripe keys.')).toBeVisible();
  await expect(finance.getByLabel('Secret key')).toHaveCount(0);
  await expect(finance.getByLabel('Stored secret key')).toHaveCount(0);
  await expect(finance.getByRole('button', { name: /Save keys/ })).toHaveCount(0);
  const refused = await finance.request.post('/api/trpc/payments.saveKeys', {
    data: { json: { projectId: id, publishableKey: 'pk_test_x', secretKey: 'sk_test_x' } },
  });
  expect(refused.status()).toBe(403);
  const settingsSeen = await finance.request.get(
    `/api/trpc/payments.settings?input=${encodeURIComponent(JSON.stringify({ json: { projectId: id } }))}`,
  );
  expect(await settingsSeen.text()).not.toMatch(/sk_(test|live)_/);

  // The owner's Activity page: the three kinds of action, each with who did it and when.
  await page.reload();
  await nav.getByRole('link', { name: 'Activity' }).click();
  const activity = page.getByRole('table', { name: 'Activity' });
  const entry = (what: string | RegExp) => activity.getByRole('row').filter({ hasText: what });
  const today = new Date().getFullYear().toString();
  for (const [what, who] of [
    ['Published Payment updates (version 2)', 'Eddie Editor'],
    ['Refunded $5.00 of the $12.50 paid for order', 'Fran Finance'],
    ['Eddie Editor joined as Editor', 'Eddie Editor'],
    ['Fran Finance joined as Finance', 'Fran Finance'],
    [`Invited ${editorEmail} as Editor`, 'Olive Owner'],
    [`Invited ${financeEmail} as Finance`, 'Olive Owner'],
  ] as const) {
    const row = entry(what);
    await expect(row).toHaveCount(1);
    await expect(row.getByRole('cell').nth(1)).toHaveText(who);
    await expect(row.getByRole('cell').first()).toContainText(today);
  }
  // Newest first: the refund came after the publish.
  const texts = await activity.getByRole('row').allInnerTexts();
  const at = (s: string) => texts.findIndex((t) => t.includes(s));
  expect(at('Refunded $5.00')).toBeLessThan(at('Published Payment updates'));
  expect(at('Published Payment updates')).toBeLessThan(at(`Invited ${editorEmail}`));
});
