import { createEgressGuard, SANDBOX_TOKEN_HEADER, sandboxControlToken } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { paymentSettings } from '@tillflow/db';
import { createFlow, testRunFlow } from '@tillflow/runtime';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveBranding } from '../src/settings';
import { createPaymentsProject, paymentServices, type Sandbox, startEnvironment, testServices } from './harness';

// Two builders share one studio and its embedded sandbox. Builder A knows what any
// visitor of B's generated app knows (B's publishable key, the sandbox's address) and
// writes flows. Whatever A tries, A must not get B's secret key or change B's account.

let handle: DbHandle;
let sandbox: Sandbox;
let a: Awaited<ReturnType<typeof createPaymentsProject>>;
let b: Awaited<ReturnType<typeof createPaymentsProject>>;

beforeAll(async () => {
  ({ handle, sandbox } = await startEnvironment());
  a = await createPaymentsProject(handle, sandbox);
  b = await createPaymentsProject(handle, sandbox);
  await saveBranding(paymentServices(handle), b.project.id, {
    brandName: 'B Shop',
    brandSlogan: null,
    brandLogo: null,
  });
});
afterAll(async () => {
  await sandbox?.close();
  await handle?.close();
});

/** A's flow: one HTTP request node; returns the node's step from a test run. */
async function runAsA(config: Record<string, unknown>, egress?: ReturnType<typeof createEgressGuard>) {
  const definition = {
    trigger: { kind: 'stripe_webhook' as const, events: ['charge.succeeded'] },
    graph: {
      nodes: [
        { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
        { id: 'steal', type: 'http_request', config, position: { x: 0, y: 100 } },
      ],
      edges: [{ id: 'e', source: 'trigger', target: 'steal' }],
    },
  };
  const flow = await createFlow(handle.db, {
    projectId: a.project.id,
    name: `Steal ${Math.random()}`,
    kind: 'custom',
    definition,
    skipValidation: true,
  });
  const result = await testRunFlow(testServices(handle), {
    flowId: flow.id,
    definition,
    event: { id: 'evt_x', object: 'event', type: 'charge.succeeded', data: { object: {} } },
    rollback: false,
    egress,
  });
  return result.steps.find((s) => s.nodeId === 'steal');
}

const control = (path: string, init: RequestInit = {}) => fetch(`${sandbox.url}/_sandbox${path}`, init);
const token = () => ({ [SANDBOX_TOKEN_HEADER]: sandboxControlToken() });

describe("project B's sandbox account, from project A", () => {
  it("cannot be reached by A's HTTP node: the sandbox is on loopback, in every spelling", async () => {
    const port = new URL(sandbox.url).port;
    for (const host of ['127.0.0.1', 'localhost', '2130706433', '127.1', '[::ffff:127.0.0.1]', '0.0.0.0']) {
      const step = await runAsA({
        method: 'GET',
        url: `http://${host}:${port}/_sandbox/accounts/${b.account.publishableKey}`,
      });
      expect(step?.status, host).toBe('failed');
      expect(step?.error, host).toMatch(/is blocked/);
      expect(JSON.stringify(step)).not.toContain(b.account.secretKey);
    }
  });

  it('still gets nothing when an operator opened loopback: the control surface wants the install token', async () => {
    const opened = createEgressGuard({ allow: ['127.0.0.1/32'] });
    const attempts = [
      { method: 'GET', url: `${sandbox.url}/_sandbox/accounts/${b.account.publishableKey}` },
      { method: 'GET', url: `${sandbox.url}/_sandbox/accounts/${b.account.accountId}/keys` },
      { method: 'GET', url: `${sandbox.url}/_sandbox/accounts` },
      {
        method: 'POST',
        url: `${sandbox.url}/_sandbox/brand`,
        headers: { authorization: `Bearer ${b.account.publishableKey}` },
        body: { name: 'Owned by A' },
      },
    ];
    for (const attempt of attempts) {
      const step = await runAsA(attempt, opened);
      expect(step?.status, attempt.url).toBe('failed');
      expect(step?.error, attempt.url).toMatch(/^HTTP 401/);
      expect(JSON.stringify(step)).not.toContain(b.account.secretKey);
    }
  });

  it('is never found by its publishable key, even with the token; secret keys appear only on /keys', async () => {
    const byPublishable = await control(`/accounts/${b.account.publishableKey}`, { headers: token() });
    expect(byPublishable.status).toBe(404);
    const brandByPublishable = await control('/brand', {
      method: 'POST',
      headers: { ...token(), 'content-type': 'application/json', authorization: `Bearer ${b.account.publishableKey}` },
      body: JSON.stringify({ name: 'Owned by A' }),
    });
    expect(brandByPublishable.status).toBe(404);
    const viaQuery = await control(`/?account=${b.account.publishableKey}`, { headers: token() });
    expect(viaQuery.status).toBe(404);
    for (const path of ['/accounts', `/accounts/${b.account.accountId}`, `/accounts/${b.account.accountId}/brand`]) {
      const response = await control(path, { headers: token() });
      expect(response.status, path).toBe(200);
      expect(await response.text(), path).not.toContain(b.account.secretKey);
    }
    const keys = await (await control(`/accounts/${b.account.accountId}/keys`, { headers: token() })).json();
    expect(keys.secret_key).toBe(b.account.secretKey);
  });

  it('refuses calls without the token, and cross-site or form posts even with it', async () => {
    const brand = JSON.stringify({ name: 'Owned by A' });
    const tries: [string, RequestInit, number][] = [
      [`/accounts/${b.account.accountId}/keys`, {}, 401],
      ['/accounts', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 401],
      [
        `/accounts/${b.account.accountId}/brand`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: brand },
        401,
      ],
      [
        `/accounts/${b.account.accountId}/brand`,
        {
          method: 'POST',
          headers: { ...token(), 'content-type': 'application/x-www-form-urlencoded' },
          body: 'name=Owned',
        },
        415,
      ],
      [
        `/accounts/${b.account.accountId}/brand`,
        { method: 'POST', headers: { ...token(), 'content-type': 'text/plain' }, body: brand },
        415,
      ],
      [
        `/accounts/${b.account.accountId}/brand`,
        {
          method: 'POST',
          headers: { ...token(), 'content-type': 'application/json', origin: 'https://evil.example' },
          body: brand,
        },
        403,
      ],
      [`/accounts/${b.account.accountId}/keys`, { headers: { ...token(), 'sec-fetch-site': 'cross-site' } }, 403],
    ];
    for (const [path, init, status] of tries) {
      const response = await control(path, init);
      expect(response.status, `${init.method ?? 'GET'} ${path}`).toBe(status);
      expect(await response.text()).not.toContain(b.account.secretKey);
    }
    expect(sandbox.findAccount(b.account.accountId)?.brand.name).toBe('B Shop');
  });

  it("lets B's publishable key do only what Stripe.js does", async () => {
    const asPublishable = { authorization: `Bearer ${b.account.publishableKey}` };
    expect((await fetch(`${sandbox.url}/v1/customers`, { headers: asPublishable })).status).toBe(401);
    const card = await fetch(`${sandbox.url}/v1/payment_methods`, {
      method: 'POST',
      headers: { ...asPublishable, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'type=card&card[number]=4242424242424242&card[exp_month]=12&card[exp_year]=2040&card[cvc]=123',
    });
    expect(card.status).toBe(200);
    expect(await card.text()).not.toContain(b.account.secretKey);
  });

  it("never lets a project without an account of its own use the sandbox's shared default account", async () => {
    const bare = await createPaymentsProject(handle, sandbox, { activate: false });
    await handle.db.delete(paymentSettings).where(eq(paymentSettings.projectId, bare.project.id));
    await expect(paymentServices(handle).stripeAccounts.forProject(handle.db, bare.project.id)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringMatching(/no Stripe account yet/),
    });
  });
});
