import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@tillflow/core';
import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunServices, startWebhookServer, startWorkers, stripeSignatureHeader } from '../src';
import { createHookedFlow, createRuntimeProject, stripeEvent } from './harness';

// The worker and the webhook receiver log through the logger they are given: every line written
// while a run is processed carries its runId (and project and flow), every line written for a
// request its requestId, and no secret reaches the output, whatever the run or request carried.

const STRIPE_KEY = ['sk', 'test', 'FAKEkeyForLogTests0001'].join('_'); // fake, built at run time
const CARD = '4000 0025 0000 3155';

function capture(): { logger: Logger; lines: () => Record<string, unknown>[]; raw: () => string } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ TILLFLOW_LOG_LEVEL: 'debug' }, { destination });
  const raw = () => chunks.join('');
  return {
    logger,
    raw,
    lines: () =>
      raw()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
  process.env.TILLFLOW_QUIET_WEBHOOKS = '0'; // this test reads the refusal lines (the harness quiets them)
});
afterAll(async () => {
  process.env.TILLFLOW_QUIET_WEBHOOKS = '1';
  await handle.close();
});

describe('structured logs from workers and the webhook receiver', () => {
  it('every line about a run carries its run id; the secret and card number in its error never appear', async () => {
    const project = await createRuntimeProject(handle);
    const hook = await createHookedFlow(handle, project.id, {
      trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
      nodes: [
        {
          id: 'stop',
          type: 'stop',
          config: { outcome: 'fail', message: `Declined for key ${STRIPE_KEY}, card ${CARD}` },
        },
      ],
      edges: [],
    });
    const { logger, lines, raw } = capture();
    const receiver = await startWebhookServer(handle, { port: 0, logger });
    const workers = await startWorkers(createRunServices({ database: handle, logger }), {
      pollMs: 20,
      projectIds: [project.id],
    });
    try {
      const event = JSON.stringify(stripeEvent('payment_intent.succeeded'));
      const url = `${receiver.url}/api/hooks/stripe/${hook.endpointId}`;
      const ok = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': stripeSignatureHeader(event, hook.secret) },
        body: event,
      });
      expect(ok.status).toBe(200);
      // A forged delivery carrying credentials in its headers: refused and logged, credentials not.
      const forged = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${STRIPE_KEY}`,
          'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
        },
        body: event,
      });
      expect(forged.status).toBe(400);
      await workers.idle();
    } finally {
      await workers.stop();
      await receiver.close();
    }
    const all = lines();
    const runLines = all.filter((l) => l.msg === 'run failed for good');
    expect(runLines).toHaveLength(1);
    expect(runLines[0]).toMatchObject({ projectId: project.id, flowId: hook.flow.id, level: 'error', attempt: 1 });
    expect(typeof runLines[0].runId).toBe('string');
    expect(String(runLines[0].error)).toContain('Declined for key sk_test_[redacted]');
    const refused = all.filter((l) => l.msg === 'webhook refused');
    expect(refused).toEqual([expect.objectContaining({ reason: 'bad_signature', level: 'warn' })]);
    expect(typeof refused[0].requestId).toBe('string');
    expect(raw()).not.toContain(STRIPE_KEY);
    expect(raw()).not.toContain(CARD);
    expect(raw()).not.toContain(hook.secret);
  }, 60_000);
});
