import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEgressGuard } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlow, createRunServices, getRun, listRuns, startWorkers, testRunFlow, type Workers } from '../src';
import {
  createHookedFlow,
  createRuntimeProject,
  type LooseFlow,
  post,
  stripeEvent,
  toDefinition,
  waitFor,
} from './harness';

// The HTTP request node is the builder's way out of the studio. With the default
// guard (nothing opened by the operator) it must not reach this machine, its
// private networks or the cloud metadata address, however the address is spelled,
// directly or through a redirect. A server on 127.0.0.1 stands behind the loopback
// spellings: it must never be hit.

let handle: DbHandle;
let projectId: number;
let server: Server;
let port: number;
let hits = 0;

beforeAll(async () => {
  delete process.env.TILLFLOW_EGRESS_ALLOW_PRIVATE;
  handle = await createTestDb();
  projectId = (await createRuntimeProject(handle)).id;
  server = createServer((req, res) => {
    hits += 1;
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
    if (to) res.writeHead(302, { location: to }).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"secret":"sk_test_from_loopback"}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await handle?.close();
});

const blocked = () => [
  `http://127.0.0.1:${port}/`,
  `http://localhost:${port}/`,
  `http://studio.localhost:${port}/`,
  `http://2130706433:${port}/`,
  `http://127.1:${port}/`,
  `http://0x7f.1:${port}/`,
  `http://017700000001:${port}/`,
  `http://[::1]:${port}/`,
  `http://0.0.0.0:${port}/`,
  `http://[::]:${port}/`,
  `http://[::ffff:127.0.0.1]:${port}/`,
  'http://10.0.0.8/',
  'http://172.20.1.1/',
  'http://192.168.0.1/',
  'http://100.100.100.200/latest/meta-data/',
  'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
  'http://[fe80::1]/',
  'http://[fd00::1]/',
];

function httpFlow(url: string): LooseFlow {
  return {
    trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
    nodes: [{ id: 'call', type: 'http_request', config: { method: 'GET', url } }],
    edges: [],
  };
}

async function testRun(url: string, egress?: ReturnType<typeof createEgressGuard>) {
  const definition = toDefinition(httpFlow(url));
  const flow = await createFlow(handle.db, { projectId, name: `Egress ${url}`, kind: 'custom', definition });
  const result = await testRunFlow(createRunServices({ database: handle }), {
    flowId: flow.id,
    definition,
    event: stripeEvent('payment_intent.succeeded'),
    rollback: false,
    egress,
  });
  return { result, call: result.steps.find((s) => s.nodeId === 'call') };
}

describe('the HTTP request node behind the default egress guard', () => {
  it('refuses, in a test run, every loopback, private and link-local spelling; the server behind them is never hit', async () => {
    hits = 0;
    for (const url of blocked()) {
      const { result, call } = await testRun(url);
      expect(result.status, url).toBe('failed');
      expect(call?.status, url).toBe('failed');
      expect(call?.error, url).toMatch(
        /^This address (points back at this server|is on a private network|is link-local|means "this machine|hides an IPv4).* is blocked: /,
      );
      expect(JSON.stringify(call?.output ?? null)).not.toContain('sk_test_from_loopback');
    }
    expect(hits).toBe(0);
  });

  it('fails a published flow at once (no retries) when its node points at loopback', async () => {
    const workers: Workers = await startWorkers(createRunServices({ database: handle }), {
      pollMs: 30,
      projectIds: [projectId],
      backoffBaseMs: 20,
    });
    try {
      hits = 0;
      const hook = await createHookedFlow(handle, projectId, httpFlow(`http://[::ffff:7f00:1]:${port}/`));
      await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
      const run = await waitFor(async () => {
        const [r] = await listRuns(handle.db, projectId, { flowId: hook.flow.id });
        return r?.status === 'failed' ? r : null;
      });
      expect(run.attempt).toBe(1);
      const detail = await getRun(handle.db, run.id);
      expect(detail?.steps.find((s) => s.nodeId === 'call')?.error).toMatch(
        /hides an IPv4 address inside IPv6 and is blocked: ::ffff:7f00:1/,
      );
      expect(hits).toBe(0);
    } finally {
      await workers.stop();
    }
  });

  it('refuses a redirect from an allowed host to a loopback, private or metadata address', async () => {
    // "api.public.test" stands for a public API; it resolves (in this test only) to the server above.
    const guard = createEgressGuard({
      allow: ['127.0.0.1/32'],
      resolve: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const allowed = await testRun(`http://api.public.test:${port}/plain`, guard);
    expect(allowed.call?.output).toEqual({ status: 200, body: { secret: 'sk_test_from_loopback' } });
    for (const to of [
      `http://127.0.0.2:${port}/`,
      `http://[::1]:${port}/`,
      `http://2130706434:${port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://192.168.1.1/admin',
    ]) {
      hits = 0;
      const { call } = await testRun(`http://api.public.test:${port}/r?to=${encodeURIComponent(to)}`, guard);
      expect(call?.status, to).toBe('failed');
      expect(call?.error, to).toMatch(/is blocked: /);
      expect(hits, to).toBe(1); // the allowed hop only
    }
  });
});
