import { authUser, type DbHandle, projects } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { createFlow, createRunServices, testRunFlow } from '@tillflow/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMailbox, outboxMailer } from '../src';

describe('send email nodes', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  it('deliver through the project mailer: without SMTP the receipt lands in the studio mailbox', async () => {
    const suffix = uniqueSuffix();
    await handle.db.insert(authUser).values({ id: `u_${suffix}`, name: 'B', email: `b-${suffix}@example.test` });
    const [project] = await handle.db
      .insert(projects)
      .values({ ownerId: `u_${suffix}`, name: 'Mail', slug: `fm-${suffix}`, schemaName: `app_${suffix}` })
      .returning();
    const flow = await createFlow(handle.db, {
      projectId: project.id,
      name: 'Receipt',
      kind: 'custom',
      skipValidation: true,
      definition: {
        trigger: { kind: 'stripe_webhook', events: ['charge.succeeded'] },
        graph: {
          nodes: [
            { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
            {
              id: 'receipt',
              type: 'send_email',
              config: {
                to: '{{ trigger.data.object.receipt_email }}',
                subject: 'Receipt {{ trigger.data.object.id }}',
                text: 'Paid {{ trigger.data.object.amount }}',
              },
              position: { x: 0, y: 100 },
            },
          ],
          edges: [{ id: 'e', source: 'trigger', target: 'receipt' }],
        },
      },
    });
    const event = {
      id: `evt_${suffix}`,
      object: 'event',
      type: 'charge.succeeded',
      created: 1_800_000_000,
      data: { object: { id: 'ch_1', amount: 1200, receipt_email: 'buyer@example.test' } },
    };
    const result = await testRunFlow(createRunServices({ database: handle, mailer: outboxMailer }), {
      flowId: flow.id,
      event,
      rollback: false,
    });
    expect(result.status).toBe('succeeded');
    const box = await listMailbox(handle.db, project.id);
    expect(box).toHaveLength(1);
    expect(box[0]).toMatchObject({ toAddress: 'buyer@example.test', subject: 'Receipt ch_1' });
  });
});
