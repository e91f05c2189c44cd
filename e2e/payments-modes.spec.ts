import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

// The payments page after keys are saved (the keys report: every webhook endpoint on the account behind them, in
// words) and the dashboard's Live or test filter, in a browser.

/** The studio's tRPC over HTTP with the builder's cookies, for setup other specs cover in the UI. */
async function studio(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return ((await response.json()) as { result: { data: { json: unknown } } }).result.data.json as Record<
    string,
    unknown
  >;
}

/** A project with an order table and payments activated on the built-in sandbox. */
async function activatedShop(page: Page, name: string) {
  await signUp(page, uniqueEmail('modes'));
  const { id } = await createProject(page, name);
  await studio(page.request, 'dataModel.createTable', {
    projectId: id,
    name: 'order',
    columns: [
      { name: 'title', type: 'text' },
      { name: 'amount', type: 'integer' },
    ],
  });
  await studio(page.request, 'payments.activate', { projectId: id, orderTable: 'order', confirmPermanent: true });
  return id;
}

test('saving keys of another account reports every endpoint on it in words: ours, and someone else’s', async ({
  page,
}) => {
  const id = await activatedShop(page, 'Keys shop');
  // A second sandbox account (as a builder's own Stripe test account would be), on which someone else already
  // listens to refunds at their own address.
  const read = await page.request.get(
    `/api/trpc/payments.settings?input=${encodeURIComponent(JSON.stringify({ json: { projectId: id } }))}`,
  );
  const settings = ((await read.json()) as { result: { data: { json: { apiBase: string } } } }).result.data.json;
  const sandboxUrl = settings.apiBase;
  const control = { 'x-tillflow-sandbox-token': process.env.TILLFLOW_E2E_SANDBOX_TOKEN ?? '' };
  const created = await page.request.post(`${sandboxUrl}/_sandbox/accounts`, { headers: control, data: {} });
  expect(created.status(), await created.text()).toBe(200);
  const { publishableKey, secretKey } = (await created.json()) as { publishableKey: string; secretKey: string };
  expect(secretKey).toMatch(/^sk_test_/);
  const foreign = await page.request.post(`${sandboxUrl}/v1/webhook_endpoints`, {
    headers: { authorization: `Bearer ${secretKey}` },
    form: { url: 'https://hooks.example.com/stripe', 'enabled_events[0]': 'charge.refunded' },
  });
  // The embedded sandbox delivers only to this studio (#12), so it refuses someone else's address; the
  // report's sentence for a foreign endpoint is covered by keys-and-modes.test.ts.
  expect(foreign.status()).toBe(400);

  await page.goto(`/projects/${id}/payments`);
  await expect(page.getByLabel('Account in use')).toHaveText('Built-in test sandbox');
  await page.getByLabel('Publishable key').fill(publishableKey);
  await page.getByLabel('Secret key').fill(secretKey);
  await page.getByText('For developers: keys of another sandbox account').click();
  await page.getByLabel('Keys belong to').selectOption('sandbox');
  await page.getByRole('button', { name: 'Check and save keys' }).click();
  await expect(page.getByText('Keys checked with Stripe and saved.')).toBeVisible({ timeout: 30_000 });

  const report = page.getByRole('region', { name: 'Addresses Stripe calls, after saving the keys' });
  await expect(report).toContainText(/All 5 of this project's addresses are registered on the account\./);
  await expect(report).toContainText(/5 of our addresses were removed from the previous account\./);
  const onAccount = report.getByRole('list', { name: 'Addresses Stripe calls, on this Stripe account' });
  const ours = onAccount.getByRole('listitem').filter({ hasText: /^✓ Ours, for / });
  await expect(ours).toHaveCount(5);
  await expect(onAccount.getByRole('listitem').filter({ hasText: /Ours, for payments/ })).toContainText(
    /listens to .*checkout.* and reaches this project\./,
  );
  // Sentences for people: no event codes or endpoint ids in what is read out (the address line is the URL).
  const sentences = await onAccount.getByRole('listitem').evaluateAll((items) =>
    items.map((li) =>
      Array.from(li.childNodes)
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent)
        .join(''),
    ),
  );
  expect(sentences).toHaveLength(5);
  for (const sentence of sentences)
    expect(sentence).not.toMatch(/\bwe_[A-Za-z0-9]|\b(checkout|payment_intent|charge|invoice|customer|refund)\.[a-z_]/);
  // After a reload the secret key the builder typed is nowhere on the page.
  await page.reload();
  await expect(page.getByLabel('Account in use')).toHaveText('Built-in test sandbox');
  expect(await page.content()).not.toContain(secretKey);
});

test('the dashboard shows each payment as Live or Test and filters lists and totals by it', async ({ page }) => {
  const id = await activatedShop(page, 'Modes shop');
  const paid = async (title: string, amount: number, livemode: boolean) => {
    const order = await studio(page.request, 'dataModel.insertRow', {
      projectId: id,
      table: 'order',
      values: { title, amount },
    });
    // A payment made with live keys cannot be made offline; the builder's own data access writes the row Stripe's
    // live event would have left.
    await studio(page.request, 'dataModel.insertRow', {
      projectId: id,
      table: 'payment',
      values: {
        order_id: order.id,
        amount,
        currency: 'usd',
        status: 'SUCCESSFUL',
        method: 'payment_intent',
        livemode,
        paid_at: new Date().toISOString(),
      },
    });
  };
  await paid('Real lamp', 5000, true);
  await paid('Test mug', 1200, false);
  await paid('Test cup', 300, false);

  await page.goto(`/projects/${id}/payments/dashboard`);
  const list = page.getByRole('table', { name: 'Payments list' });
  const totals = page.getByRole('region', { name: 'Totals per currency' });
  await expect(list.getByRole('row')).toHaveCount(4); // header + 3
  await expect(totals).toContainText('USD net');
  await expect(totals).toContainText('$65.00');
  await expect(totals).toContainText('3 payments');
  await expect(list.getByRole('row').filter({ hasText: '$50.00' })).toContainText('Live');
  await expect(list.getByRole('row').filter({ hasText: '$12.00' })).toContainText('Test');

  const filter = page.getByLabel('Live or test');
  await filter.selectOption({ label: 'Live (real money)' });
  await expect(list.getByRole('row')).toHaveCount(2);
  await expect(list.getByRole('row').nth(1)).toContainText('$50.00');
  await expect(list.getByRole('row').nth(1)).toContainText('Live');
  await expect(totals).toContainText('USD net (live)');
  await expect(totals).toContainText('$50.00');
  await expect(totals).toContainText('1 payment ·');

  await filter.selectOption({ label: 'Test (test keys or sandbox)' });
  await expect(list.getByRole('row')).toHaveCount(3);
  await expect(list.getByRole('cell', { name: 'Live', exact: true })).toHaveCount(0);
  await expect(list.getByRole('cell', { name: 'Test', exact: true })).toHaveCount(2);
  await expect(totals).toContainText('USD net (test)');
  await expect(totals).toContainText('$15.00');
  await expect(totals).toContainText('2 payments');

  await filter.selectOption({ label: 'Live and test' });
  await expect(list.getByRole('row')).toHaveCount(4);
  await expect(totals).toContainText('$65.00');
});
