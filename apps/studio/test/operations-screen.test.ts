import type { DbHandle } from '@tillflow/db';
import { executeRows } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { checkOperationsAlerts } from '@tillflow/payments';
import { startWorkers } from '@tillflow/runtime';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesFor } from '~/server/services';
import { createHookedFlow, post, stripeEvent } from '../../../packages/runtime/test/harness';
import { signUpBuilder } from './helpers';

// Studio → Events → Operations: what the owner was emailed about, the runs that failed for good
// with their error, one-click retry; only for the project's own builder.
describe('operations screen', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  it('shows the open incident and the dead-lettered runs with their error in words (the step by its title), the runs waiting, and retries one', async () => {
    const owner = await signUpBuilder(handle, 'opsowner');
    const stranger = await signUpBuilder(handle, 'opsstranger');
    const project = await owner.caller.project.create({ name: 'Ops shop', slug: `ops-${uniqueSuffix()}` });
    const hook = await createHookedFlow(handle, project.id, {
      trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
      nodes: [
        {
          id: 'check_stock_1',
          type: 'stop',
          label: 'Check stock',
          config: { outcome: 'fail', message: 'Out of stock' },
        },
      ],
      edges: [],
    });
    for (let i = 0; i < 2; i++)
      expect((await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(
        200,
      );
    const workers = await startWorkers(servicesFor(handle), { pollMs: 20, projectIds: [project.id] });
    await workers.idle();
    await workers.stop();
    await checkOperationsAlerts(handle, { projectIds: [project.id] });

    const ops = await owner.caller.events.operations({ projectId: project.id });
    expect(ops.alerts).toEqual([
      expect.objectContaining({ kind: 'dead_letter', runs: 2, resolvedAt: null, emailed: true }),
    ]);
    expect(ops.deadLetters).toHaveLength(2);
    expect(ops.deadLetters[0]).toMatchObject({
      flowName: hook.flow.name,
      step: 'Check stock',
      error: 'Out of stock',
      attempts: 1,
    });
    expect(JSON.stringify(ops)).not.toContain('check_stock_1');
    expect(ops.waiting).toEqual([]);
    const mail = await owner.caller.mailbox.list({ projectId: project.id });
    expect(mail.filter((m) => m.toAddress === owner.user.email)).toHaveLength(1);

    await owner.caller.flows.retryRun({ projectId: project.id, runId: ops.deadLetters[0].id });
    const after = await owner.caller.events.operations({ projectId: project.id });
    expect(after.deadLetters).toHaveLength(1);
    expect(after.queue.waiting).toBe(1);
    expect(after.waiting).toEqual([
      expect.objectContaining({
        id: ops.deadLetters[0].id,
        flowName: hook.flow.name,
        eventType: 'payment_intent.succeeded',
        retryInS: 0,
        attempt: 1,
      }),
    ]);
    const [run] = await executeRows<{ status: string }>(
      handle.db,
      sql`select status from flow_run where id = ${ops.deadLetters[0].id}`,
    );
    expect(run.status).toBe('queued');

    await expect(stranger.caller.events.operations({ projectId: project.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });

    // The install's workers, summed (a stopped pool leaves no row) and the alert settings, saved per project.
    expect(after.workers).toEqual({ alive: expect.any(Number), activeRuns: expect.any(Number), restarts: 0 });
    expect(after.alertSettings).toEqual({ email: true, queueAgeS: 300, customQueueAge: false });
    expect(
      await owner.caller.events.saveAlertSettings({ projectId: project.id, email: false, queueAgeMinutes: 15 }),
    ).toEqual({ email: false, queueAgeS: 900, customQueueAge: true });
    expect((await owner.caller.events.operations({ projectId: project.id })).alertSettings).toMatchObject({
      email: false,
      queueAgeS: 900,
    });
    await expect(
      owner.caller.events.saveAlertSettings({ projectId: project.id, email: true, queueAgeMinutes: 0 }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(
      stranger.caller.events.saveAlertSettings({ projectId: project.id, email: true, queueAgeMinutes: 5 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  }, 60_000);
});
