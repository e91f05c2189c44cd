import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { type APIRequestContext, expect, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

// A run that no worker takes, as an operator meets it: the studio runs with its workers off
// (TILLFLOW_WORKERS=0, as when every worker process is down), a payment's run waits, Events → Operations
// shows it waiting and stuck with its age in words and opens the "runs are waiting" incident; then
// workers start (the studio restarted with its workers, on the same data) and the run completes.
// This spec starts its own studio (its own port and data folder) besides the one playwright.config starts.

const root = path.resolve(import.meta.dirname, '..');
const port = Number(process.env.E2E_PORT ?? 3100) + 500;
const base = `http://localhost:${port}`;
const dataDir = `.data/e2e-stuck-${randomUUID().slice(0, 8)}`;
test.use({ baseURL: base });

let studio: ChildProcess | null = null;

async function startStudio(workers: number) {
  studio = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    stdio: 'ignore',
    env: {
      ...process.env,
      PORT: String(port),
      TILLFLOW_DATA_DIR: dataDir,
      TILLFLOW_WORKERS: String(workers),
      TILLFLOW_AUTH_RATE_LIMIT: 'off',
      TILLFLOW_SANDBOX_TOKEN: process.env.TILLFLOW_E2E_SANDBOX_TOKEN as string,
      // Incidents are checked every 5 s here (a minute by default), so the one-minute queue alert opens soon after.
      TILLFLOW_ALERT_CHECK_MS: '5000',
    },
  });
  const started = Date.now();
  for (;;) {
    if (studio.exitCode !== null) throw new Error(`the studio exited with ${studio.exitCode}`);
    const up = await fetch(`${base}/api/health`).then(
      (r) => r.status < 500 || r.status === 503,
      () => false,
    );
    if (up) return;
    if (Date.now() - started > 120_000) throw new Error('the studio did not start within 2 minutes');
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function stopStudio() {
  const child = studio;
  studio = null;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM'); // start.mjs hands it to the studio, which stops its workers and exits
  await exited;
  // The port is free once the server's listener has closed.
  for (let i = 0; i < 100; i++) {
    const listening = await fetch(`${base}/api/health`).then(
      () => true,
      () => false,
    );
    if (!listening) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

test.afterAll(async () => {
  await stopStudio();
  rmSync(path.join(root, dataDir), { recursive: true, force: true });
});

async function studioCall(request: APIRequestContext, route: string, input: unknown) {
  const response = await request.post(`/api/trpc/${route}`, { data: { json: input } });
  expect(response.status(), `${route}: ${await response.text()}`).toBe(200);
  return ((await response.json()) as { result: { data: { json: unknown } } }).result.data.json as Record<
    string,
    unknown
  >;
}

async function query(request: APIRequestContext, route: string, input: unknown) {
  const response = await request.get(`/api/trpc/${route}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  expect(response.status(), `${route}: ${await response.text()}`).toBe(200);
  return ((await response.json()) as { result: { data: { json: Record<string, unknown> } } }).result.data.json;
}

test('with no worker running a run waits and shows as stuck with its age and the queue alert; once workers start it completes', async ({
  page,
}) => {
  test.setTimeout(420_000);
  await startStudio(0);
  await signUp(page, uniqueEmail('stuck'));
  const { id } = await createProject(page, 'Stuck shop');
  await studioCall(page.request, 'dataModel.createTable', {
    projectId: id,
    name: 'order',
    columns: [{ name: 'title', type: 'text' }],
  });
  await studioCall(page.request, 'payments.activate', { projectId: id, orderTable: 'order', confirmPermanent: true });

  // The builder's flow: thank the buyer when a payment succeeds (ends as done).
  const { id: flowId } = await studioCall(page.request, 'flows.create', {
    projectId: id,
    name: 'Thank the buyer',
    events: ['payment_intent.succeeded'],
  });
  const flow = await query(page.request, 'flows.get', { projectId: id, flowId });
  const draft = flow.draft as { graph: { nodes: { id: string; type: string }[]; edges: unknown[] } };
  const trigger = draft.graph.nodes.find((n) => n.type === 'trigger');
  draft.graph.nodes.push({
    id: 'thanked',
    type: 'stop',
    label: 'Thanked',
    config: { outcome: 'success', message: 'Thanked' },
    position: { x: 0, y: 160 },
  } as never);
  draft.graph.edges.push({ id: 'to_thanks', source: trigger?.id, target: 'thanked' });
  await studioCall(page.request, 'flows.saveDraft', {
    projectId: id,
    flowId,
    definition: draft,
    expectedRevision: flow.revision,
  });
  await studioCall(page.request, 'flows.publish', { projectId: id, flowId });

  // The operator asks to be alerted after one minute of waiting (emails off: nobody to email here).
  await page.goto(`/projects/${id}`);
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Events' }).click();
  const operations = page.getByRole('region', { name: 'Operations' });
  await expect(operations).toContainText('No worker is running');
  const settings = operations.getByRole('form', { name: 'Alert settings' });
  await settings.getByLabel('Email the project owner when runs fail for good or wait too long').uncheck();
  await settings.getByLabel('Alert when an automation run waits longer than').fill('1');
  await settings.getByRole('button', { name: 'Save alert settings' }).click();
  await expect(settings.getByRole('status')).toHaveText('Alert settings saved.');

  // A customer pays on the project's sandbox account; Stripe's message is acknowledged and its run queued.
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
    form: { amount: '2500', currency: 'usd', confirm: 'true', payment_method: 'pm_card_visa' },
  });
  expect(paid.status(), await paid.text()).toBe(200);

  // Operations: the run waits, stuck, with its age in words; after a minute the incident opens.
  const waiting = operations.getByRole('table', { name: 'Runs waiting' });
  const row = waiting.getByRole('row').filter({ hasText: 'Thank the buyer' });
  await expect(row).toHaveCount(1, { timeout: 60_000 });
  await expect(row).toContainText('A payment succeeds');
  await expect(row).toContainText('Stuck: no worker is running to take it');
  await expect(row.getByRole('cell').nth(2)).toHaveText(/^\d+ seconds?$/);
  await expect(operations).toContainText(/automation run\(s\) waiting; the oldest for \d+ seconds?\./);
  const incident = operations.getByRole('status', { name: 'Automation runs are waiting for a worker' });
  await expect(incident).toBeVisible({ timeout: 120_000 });
  await expect(incident).toContainText('the oldest has waited 1 min');
  await expect(incident).toContainText('Alert emails are off for this project.');
  await expect(row.getByRole('cell').nth(2)).toHaveText(/^\d+ minutes?$/);
  await expect(operations).toContainText(/the oldest for \d+ minutes?\./);
  // No raw codes in front of the operator.
  await expect(operations).not.toContainText('payment_intent.succeeded');

  // Workers start (the studio comes back with its in-process workers, on the same data): the run completes.
  await stopStudio();
  await startStudio(2);
  await page.reload();
  const back = page.getByRole('region', { name: 'Operations' });
  await expect(back).toContainText(/\d+ worker process\(es\) running/, { timeout: 30_000 });
  await expect(
    back.getByRole('table', { name: 'Runs waiting' }).getByRole('row').filter({ hasText: 'Thank the buyer' }),
  ).toHaveCount(0, {
    timeout: 60_000,
  });
  await expect(page.getByRole('link', { name: 'Thank the buyer: Done' })).toBeVisible({ timeout: 30_000 });
  // The incident closes once nothing waits that long (the next check, every 5 s here).
  await expect(back.getByRole('status', { name: 'Automation runs are waiting for a worker' })).toHaveCount(0, {
    timeout: 30_000,
  });
});
