import type { DbHandle } from '@tillflow/db';
import { executeRows } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { startWorkers } from '@tillflow/runtime';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHookedFlow,
  createRuntimeProject,
  type LooseFlow,
  post,
  stripeEvent,
  waitFor,
} from '../../runtime/test/harness';
import {
  alertSettingsOf,
  checkOperationsAlerts,
  listOperationsAlerts,
  saveAlertSettings,
} from '../src/operations-alerts';
import { testServices } from './harness';

// The project's owner is emailed once per operations incident (runs dead-lettered, or the queue's
// oldest due run waiting past the threshold), never once per run, and the incident shows in the
// studio (listOperationsAlerts) until it is over.

const failing = (): LooseFlow => ({
  trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
  nodes: [{ id: 'refuse_1', type: 'stop', config: { outcome: 'fail', message: 'Refused on purpose' } }],
  edges: [],
});
const recording = (): LooseFlow => ({
  trigger: { type: 'stripe_webhook', eventTypes: ['payment_intent.succeeded'] },
  nodes: [{ id: 'record', type: 'insert_row', config: { table: 'ledger', values: { event_id: '{{trigger.id}}' } } }],
  edges: [],
});

let handle: DbHandle;
beforeAll(async () => {
  handle = await createTestDb();
});
afterAll(() => handle.close());

async function ownerMail(projectId: number) {
  return executeRows<{ to_address: string; subject: string; text: string }>(
    handle.db,
    sql`select m.to_address, m.subject, m.text from mail_message m
        join project p on p.id = m.project_id join auth_user u on u.id = p.owner_id
        where m.project_id = ${projectId} and m.to_address = u.email order by m.id`,
  );
}

async function failRuns(
  projectId: number,
  hook: { endpointId: string; secret: string; flow: { id: string } },
  n: number,
) {
  for (let i = 0; i < n; i++)
    expect((await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(
      200,
    );
  const workers = await startWorkers(testServices(handle), { pollMs: 20, projectIds: [projectId] });
  try {
    await workers.idle();
  } finally {
    await workers.stop();
  }
  const [row] = await executeRows<{ n: number }>(
    handle.db,
    sql`select count(*)::int as n from flow_run where flow_id = ${hook.flow.id} and status = 'failed'`,
  );
  return row.n;
}

describe('operations alerts', () => {
  it('emails the owner once when runs dead-letter, however many do, and again only for a new incident', async () => {
    const project = await createRuntimeProject(handle);
    const scope = { projectIds: [project.id] };
    const hook = await createHookedFlow(handle, project.id, failing());
    expect(await failRuns(project.id, hook, 2)).toBe(2);

    // Two checkers at once (two processes): one incident, one email.
    const [a, b] = await Promise.all([checkOperationsAlerts(handle, scope), checkOperationsAlerts(handle, scope)]);
    expect([...a.opened, ...b.opened]).toEqual([
      expect.objectContaining({ projectId: project.id, kind: 'dead_letter', runs: 2 }),
    ]);
    let mail = await ownerMail(project.id);
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toBe(`Automations failed in ${project.name}`);
    expect(mail[0].text).toContain('2 automation runs have failed for good');
    // The failure in words: the flow, the step by its title, the message; never the step's internal id.
    expect(mail[0].text).toContain(`Latest: ${hook.flow.name}, step “Stop”: Refused on purpose`);
    expect(mail[0].text).not.toContain('refuse_1');
    expect(mail[0].text).toContain(`/projects/${project.id}/events`);

    // More dead letters in the same incident: counted, not emailed.
    expect(await failRuns(project.id, hook, 1)).toBe(3);
    expect((await checkOperationsAlerts(handle, scope)).opened).toEqual([]);
    expect(await ownerMail(project.id)).toHaveLength(1);
    const [open] = await listOperationsAlerts(handle, project.id);
    expect(open).toMatchObject({ kind: 'dead_letter', runs: 3, resolvedAt: null, emailed: true });
    expect(open.detail).toBe(`${hook.flow.name}, step “Stop”: Refused on purpose`);

    // The runs were retried and went through: the incident is over.
    await handle.db.execute(
      sql`update flow_run set status = 'succeeded', finished_at = now() where flow_id = ${hook.flow.id}`,
    );
    expect((await checkOperationsAlerts(handle, scope)).resolved).toEqual([
      { projectId: project.id, kind: 'dead_letter' },
    ]);
    expect((await listOperationsAlerts(handle, project.id))[0].resolvedAt).not.toBeNull();

    // A dead letter after that is a new incident: a second email.
    expect(await failRuns(project.id, hook, 1)).toBe(1);
    expect((await checkOperationsAlerts(handle, scope)).opened).toHaveLength(1);
    mail = await ownerMail(project.id);
    expect(mail).toHaveLength(2);
    expect(mail[1].text).toContain('An automation run has failed for good');
  }, 60_000);

  it('closes a dead-letter incident after a quiet spell; old dead letters do not reopen it', async () => {
    const project = await createRuntimeProject(handle);
    const scope = { projectIds: [project.id] };
    const hook = await createHookedFlow(handle, project.id, failing());
    await failRuns(project.id, hook, 1);
    expect((await checkOperationsAlerts(handle, scope)).opened).toHaveLength(1);
    expect((await checkOperationsAlerts(handle, { ...scope, quietS: 0 })).resolved).toHaveLength(1);
    expect((await checkOperationsAlerts(handle, scope)).opened).toEqual([]);
    expect(await ownerMail(project.id)).toHaveLength(1);
  }, 60_000);

  it('emails once when the oldest due run waits past the threshold, and closes once the queue catches up', async () => {
    const project = await createRuntimeProject(handle);
    const scope = { projectIds: [project.id], queueAgeS: 300 };
    const hook = await createHookedFlow(handle, project.id, recording());
    for (let i = 0; i < 3; i++)
      expect((await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'))).status).toBe(
        200,
      );
    // Fresh runs are no incident.
    expect((await checkOperationsAlerts(handle, scope)).opened).toEqual([]);
    // No worker took them for ten minutes.
    await handle.db.execute(
      sql`update flow_run set run_after = now() - interval '10 minutes' where flow_id = ${hook.flow.id}`,
    );
    const first = await checkOperationsAlerts(handle, scope);
    expect(first.opened).toEqual([expect.objectContaining({ kind: 'queue_age', runs: 3 })]);
    expect((await checkOperationsAlerts(handle, scope)).opened).toEqual([]);
    const mail = await ownerMail(project.id);
    expect(mail).toHaveLength(1);
    expect(mail[0].subject).toBe(`Automations are waiting in ${project.name}`);
    expect(mail[0].text).toContain('3 automation runs have been waiting to run for more than 5 minutes');

    const workers = await startWorkers(testServices(handle), { pollMs: 20, projectIds: [project.id] });
    try {
      await waitFor(async () => {
        const [row] = await executeRows<{ n: number }>(
          handle.db,
          sql`select count(*)::int as n from flow_run where flow_id = ${hook.flow.id} and status = 'succeeded'`,
        );
        return row.n === 3;
      });
    } finally {
      await workers.stop();
    }
    expect((await checkOperationsAlerts(handle, scope)).resolved).toEqual([
      { projectId: project.id, kind: 'queue_age' },
    ]);
    expect(await ownerMail(project.id)).toHaveLength(1);
  }, 60_000);

  it("follows the project's alert settings: its own wait threshold, and no email when emails are off", async () => {
    const project = await createRuntimeProject(handle);
    const scope = { projectIds: [project.id], queueAgeS: 3600 }; // checked as if the install waited an hour
    expect(await alertSettingsOf(handle.db, project.id)).toEqual({
      email: true,
      queueAgeS: 300, // no row: TILLFLOW_ALERT_QUEUE_AGE_S (5 min)
      customQueueAge: false,
    });
    await saveAlertSettings(handle.db, project.id, { email: true, queueAgeS: 120 });
    const hook = await createHookedFlow(handle, project.id, recording());
    await post(handle, hook.endpointId, hook.secret, stripeEvent('payment_intent.succeeded'));
    await handle.db.execute(
      sql`update flow_run set run_after = now() - interval '3 minutes' where flow_id = ${hook.flow.id}`,
    );
    // Three minutes is over this project's two, far under the install's hour.
    expect((await checkOperationsAlerts(handle, scope)).opened).toEqual([
      expect.objectContaining({ kind: 'queue_age', runs: 1 }),
    ]);
    const mail = await ownerMail(project.id);
    expect(mail).toHaveLength(1);
    expect(mail[0].text).toContain('for more than 2 minutes');

    // Emails off: a dead-letter incident is still recorded and shown, but nobody is emailed.
    expect(await saveAlertSettings(handle.db, project.id, { email: false, queueAgeS: null })).toEqual({
      email: false,
      queueAgeS: expect.any(Number),
      customQueueAge: false,
    });
    const failingHook = await createHookedFlow(handle, project.id, failing());
    expect(await failRuns(project.id, failingHook, 1)).toBe(1);
    const report = await checkOperationsAlerts(handle, scope);
    expect(report.opened).toEqual([expect.objectContaining({ kind: 'dead_letter', runs: 1 })]);
    expect(await ownerMail(project.id)).toHaveLength(1);
    const alerts = await listOperationsAlerts(handle, project.id);
    expect(alerts.find((a) => a.kind === 'dead_letter')).toMatchObject({ emailed: false, resolvedAt: null });
  }, 60_000);
});
