import { type APIRequestContext, expect, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

// Studio → Events → Operations, as an operator uses it: a flow run that failed for good shows up with its error in
// words and an incident, the operator retries it from the screen (the retry really runs again), and changes when
// they are alerted.

async function studio(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return ((await response.json()) as { result: { data: { json: unknown } } }).result.data.json as Record<
    string,
    unknown
  >;
}

async function query(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return ((await response.json()) as { result: { data: { json: Record<string, unknown> } } }).result.data.json;
}

test('an operator sees a failed run on Events → Operations, retries it, and sets how they are alerted', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await signUp(page, uniqueEmail('ops'));
  const { id } = await createProject(page, 'Ops shop');
  await studio(page.request, 'dataModel.createTable', {
    projectId: id,
    name: 'order',
    columns: [{ name: 'title', type: 'text' }],
  });
  await studio(page.request, 'payments.activate', { projectId: id, orderTable: 'order', confirmPermanent: true });

  // A flow of the builder's that fails for good on every payment (out of stock), published: its endpoint is
  // registered on the project's sandbox account.
  const { id: flowId } = await studio(page.request, 'flows.create', {
    projectId: id,
    name: 'Reserve stock',
    events: ['payment_intent.succeeded'],
  });
  const flow = await query(page.request, 'flows.get', { projectId: id, flowId });
  const draft = flow.draft as {
    graph: { nodes: { id: string; type: string; position?: unknown }[]; edges: unknown[] };
  };
  const trigger = draft.graph.nodes.find((n) => n.type === 'trigger');
  draft.graph.nodes.push({
    id: 'out_of_stock',
    type: 'stop',
    label: 'Out of stock',
    config: { outcome: 'fail', message: 'Out of stock' },
    position: { x: 0, y: 160 },
  } as never);
  draft.graph.edges.push({ id: 'to_stop', source: trigger?.id, target: 'out_of_stock' });
  await studio(page.request, 'flows.saveDraft', {
    projectId: id,
    flowId,
    definition: draft,
    expectedRevision: flow.revision,
  });
  await studio(page.request, 'flows.publish', { projectId: id, flowId });

  // A customer pays on the project's sandbox account (its keys read with the install's sandbox control token).
  const { apiBase, publishableKey } = (await query(page.request, 'payments.settings', { projectId: id })) as {
    apiBase: string;
    publishableKey: string;
  };
  const control = { 'x-tillflow-sandbox-token': process.env.TILLFLOW_E2E_SANDBOX_TOKEN ?? '' };
  const accounts = (await (await page.request.get(`${apiBase}/_sandbox/accounts`, { headers: control })).json()) as {
    data: { id: string; publishable_key: string }[];
  };
  const accountId = accounts.data.find((a) => a.publishable_key === publishableKey)?.id;
  const keys = await (
    await page.request.get(`${apiBase}/_sandbox/accounts/${accountId}/keys`, { headers: control })
  ).json();
  const paid = await page.request.post(`${apiBase}/v1/payment_intents`, {
    headers: { authorization: `Bearer ${keys.secret_key}` },
    form: { amount: '1500', currency: 'usd', confirm: 'true', payment_method: 'pm_card_visa' },
  });
  expect(paid.status(), await paid.text()).toBe(200);

  // The operator opens Events and finds the failed run, with its error, under Operations.
  await page.goto(`/projects/${id}`);
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Events' }).click();
  const operations = page.getByRole('region', { name: 'Operations' });
  await expect(operations).toBeVisible();
  const failed = operations.getByRole('table', { name: 'Runs that failed for good' });
  const row = failed.getByRole('row').filter({ hasText: 'Reserve stock' });
  await expect(row).toHaveCount(1, { timeout: 60_000 });
  await expect(row).toContainText('Out of stock');
  await expect(row.getByRole('cell').nth(3)).toHaveText('1'); // attempts
  await expect(operations).toContainText(/\d+ worker process\(es\) running/);

  // The incident the owner was emailed about opens within the minute's alert check.
  const incident = operations.getByRole('status', { name: 'Automation runs failed for good' });
  await expect(incident).toBeVisible({ timeout: 90_000 });
  await expect(incident).toContainText('1 run(s)');
  await expect(incident).toContainText('The project owner was emailed once for this incident.');

  // Retry: queued again, run again by a worker (a second attempt, failing the same way).
  await row.getByRole('button', { name: 'Retry the Reserve stock run' }).click();
  await expect(operations.getByRole('status').filter({ hasText: 'Queued again' })).toBeVisible();
  await expect(row.getByRole('cell').nth(3)).toHaveText('2', { timeout: 30_000 });
  await expect(failed.getByRole('row').filter({ hasText: 'Reserve stock' })).toHaveCount(1);

  // The flow's name leads to that run on the canvas.
  await expect(row.getByRole('link', { name: 'Reserve stock' })).toHaveAttribute(
    'href',
    new RegExp(`/projects/${id}/flows/${flowId}\\?run=`),
  );

  // Alerts: no email, and a longer wait before a queue alert; kept after a reload.
  const settings = operations.getByRole('form', { name: 'Alert settings' });
  await settings.getByLabel('Email the project owner when runs fail for good or wait too long').uncheck();
  await settings.getByLabel('Alert when an automation run waits longer than').fill('30');
  await settings.getByRole('button', { name: 'Save alert settings' }).click();
  await expect(settings.getByRole('status')).toHaveText('Alert settings saved.');
  await page.reload();
  const reloaded = page.getByRole('form', { name: 'Alert settings' });
  await expect(
    reloaded.getByLabel('Email the project owner when runs fail for good or wait too long'),
  ).not.toBeChecked();
  await expect(reloaded.getByLabel('Alert when an automation run waits longer than')).toHaveValue('30');
});
