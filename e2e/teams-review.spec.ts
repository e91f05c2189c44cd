import { type APIRequestContext, type Browser, expect, type Page, test } from '@playwright/test';
import { createProject, PASSWORD, uniqueEmail } from './helpers';

// Review before publish (#20) in the running studio: the owner turns it on; the editor changes Payment updates and,
// instead of publishing, asks for a review; the owner sees the request on the same automation and approves it, which
// publishes it; the editor closes their tab and leaves the owner's presence list at once; the Activity page names
// who asked and who approved.

async function studio(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
}

async function signUpNamed(page: Page, name: string, email: string) {
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign up' }).click();
}

/** Opens the invitation link in a fresh browser context, creates an account with that address and joins. */
async function joinByLink(browser: Browser, link: string, name: string, email: string, projectName: string) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(link);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await signUpNamed(page, name, email);
  await expect(page).toHaveURL(/\/invite\//);
  await page.getByRole('button', { name: `Join ${projectName}` }).click();
  await expect(page).toHaveURL(/\/projects\/\d+$/);
  return page;
}

async function openPaymentUpdates(page: Page) {
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Automations' }).click();
  await page
    .getByRole('table', { name: 'Flows' })
    .getByRole('row')
    .filter({ hasText: 'Payment updates' })
    .getByRole('link', { name: 'Payment updates' })
    .click();
  await expect(page.getByRole('application', { name: 'Flow canvas' })).toBeVisible();
}

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const panel = (page: Page) => page.getByRole('complementary', { name: 'Flow panel' });

test('with review on, the editor asks for a review of Payment updates, the owner approves it and it goes live', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const shop = 'Review shop';

  // The owner: an order table and payments on (StripePayment's success branch starts empty, as in teams.spec.ts).
  await page.goto('/sign-up');
  await signUpNamed(page, 'Olive Owner', uniqueEmail('owner'));
  await expect(page).toHaveURL(/\/projects$/);
  const { id } = await createProject(page, shop);
  await studio(page.request, 'dataModel.createTable', { projectId: id, name: 'order', columns: [] });
  await studio(page.request, 'payments.activate', {
    projectId: id,
    orderTable: 'order',
    confirmPermanent: true,
    setupDefaults: false,
  });
  await studio(page.request, 'dataModel.addColumn', {
    projectId: id,
    table: 'order',
    column: { name: 'status', type: 'text' },
  });

  // On Members she invites an editor and turns review before publish on.
  const nav = page.getByRole('navigation', { name: 'Project' });
  await nav.getByRole('link', { name: 'Members' }).click();
  const editorEmail = uniqueEmail('editor');
  await page.getByLabel('Email address').fill(editorEmail);
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Editor' });
  await page.getByRole('button', { name: 'Send invitation' }).click();
  const sent = page.getByRole('status').filter({ hasText: `the email to ${editorEmail} is in this project’s Mailbox` });
  await expect(sent).toBeVisible();
  const link = await sent.getByLabel('Invitation link').inputValue();
  const review = page.getByRole('checkbox', { name: /A second member approves before a payment automation goes live/ });
  await expect(review).not.toBeChecked();
  await review.click();
  await expect(review).toBeChecked();
  await page.reload();
  await expect(
    page.getByRole('checkbox', { name: /A second member approves before a payment automation goes live/ }),
  ).toBeChecked();

  // The editor joins, adds "mark the order paid" to Payment updates, and is offered a review, not a publish.
  const editor = await joinByLink(browser, link, 'Eddie Editor', editorEmail, shop);
  await openPaymentUpdates(editor);
  const canvas = editor.getByRole('application', { name: 'Flow canvas' });
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
  await expect(editor.getByRole('button', { name: 'Publish', exact: true })).toHaveCount(0);
  await editor.getByRole('button', { name: 'Request review' }).click();
  const ask = editor.getByRole('dialog', { name: 'Ask for a review of Payment updates?' });
  await expect(ask.getByRole('list', { name: 'What changes' })).toContainText('Adds the step');
  await ask.getByLabel('Note for the reviewer (optional)').fill('Marks the order paid');
  await ask.getByRole('button', { name: 'Request review' }).click();
  await expect(editor.getByRole('status').filter({ hasText: 'Review requested' })).toBeVisible();
  const editorBar = editor.getByRole('region', { name: 'Review request' });
  await expect(editorBar).toContainText('You asked for a review');
  // Nobody approves their own change.
  await expect(editorBar.getByRole('button', { name: 'Approve and publish' })).toHaveCount(0);

  // The owner opens Payment updates: the request names the editor and their note; she approves and it is live.
  await openPaymentUpdates(page);
  const bar = page.getByRole('region', { name: 'Review request' });
  await expect(bar).toContainText('Eddie Editor asked for a review of this draft');
  await expect(bar).toContainText('“Marks the order paid”');
  await bar.getByRole('button', { name: 'Approve and publish' }).click();
  await expect(
    page.getByRole('status').filter({ hasText: 'Approved: Eddie Editor’s change is live as version 2.' }),
  ).toBeVisible();
  await expect(bar).toHaveCount(0);
  // The editor's page hears the answer without reloading: the request is gone.
  await expect(editorBar).toHaveCount(0, { timeout: 15_000 });

  // The editor closes their tab: they leave the owner's "Also on this flow" at the owner's next refresh (5 s),
  // not after the 12 s a silent tab is kept.
  const alsoHere = page.getByRole('list', { name: 'Also on this flow' });
  await expect(alsoHere.getByRole('listitem', { name: 'Eddie Editor' })).toBeVisible({ timeout: 15_000 });
  // As a person closing the tab (beforeunload and pagehide run; the draft is saved, so nothing asks).
  await editor.close({ runBeforeUnload: true });
  await expect(alsoHere.getByRole('listitem', { name: 'Eddie Editor' })).toHaveCount(0, { timeout: 7_000 });

  // Activity: the switch, the request and the approval, each with who did it and when.
  await nav.getByRole('link', { name: 'Activity' }).click();
  const activity = page.getByRole('table', { name: 'Activity' });
  const today = new Date().getFullYear().toString();
  for (const [what, who] of [
    ['Turned on: payment automations go live only once a second member approves', 'Olive Owner'],
    ['Asked for a review of Payment updates before it goes live (“Marks the order paid”)', 'Eddie Editor'],
    ['Approved Eddie Editor’s change to Payment updates and published it (version 2)', 'Olive Owner'],
  ] as const) {
    const row = activity.getByRole('row').filter({ hasText: what });
    await expect(row).toHaveCount(1);
    await expect(row.getByRole('cell').nth(1)).toHaveText(who);
    await expect(row.getByRole('cell').first()).toContainText(today);
  }
  const texts = await activity.getByRole('row').allInnerTexts();
  const at = (s: string) => texts.findIndex((t) => t.includes(s));
  expect(at('Approved Eddie Editor’s change')).toBeLessThan(at('Asked for a review'));
  expect(at('Asked for a review')).toBeLessThan(at('Turned on: payment automations'));
});
