import { createTable, deleteTable, provisionProjectSchema } from '@tillflow/data-model';
import { authUser, type DbHandle, projects } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlow } from '../src/flow-store';
import { flowTableDependents } from '../src/table-dependencies';

describe('tables used by flows', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  it('cannot be deleted while a flow node writes to them, and the message names the node', async () => {
    const suffix = uniqueSuffix();
    await handle.db.insert(authUser).values({ id: `u-${suffix}`, name: 'B', email: `b-${suffix}@example.test` });
    const project = await handle.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(projects)
        .values({ ownerId: `u-${suffix}`, name: 'P', slug: `p-${suffix}`, schemaName: `app_${suffix}` })
        .returning();
      await provisionProjectSchema(tx, row);
      return row;
    });
    await createTable(handle.db, project.id, { name: 'note', columns: [{ name: 'text', type: 'text' }] });
    await createTable(handle.db, project.id, { name: 'spare' });
    await createFlow(handle.db, {
      projectId: project.id,
      name: 'Log charges',
      kind: 'custom',
      definition: {
        trigger: { kind: 'stripe_webhook', events: ['charge.succeeded'] },
        graph: {
          nodes: [
            { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
            {
              id: 'save',
              type: 'insert_row',
              label: 'Save note',
              config: { table: 'note', values: { text: 'x' } },
              position: { x: 0, y: 1 },
            },
          ],
          edges: [{ id: 'e', source: 'trigger', target: 'save' }],
        },
      },
    });
    await expect(
      deleteTable(handle.db, project.id, 'note', { confirm: true, dependents: flowTableDependents }),
    ).rejects.toThrow(/flow "Log charges" node "Save note"/);
    await expect(
      deleteTable(handle.db, project.id, 'spare', { confirm: true, dependents: flowTableDependents }),
    ).resolves.toBeUndefined();
  });
});
