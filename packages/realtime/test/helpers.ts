import {
  type Actor,
  createEndUser,
  createTable,
  provisionProjectSchema,
  setOwnerColumn,
  setTablePermission,
} from '@tillflow/data-model';
import { authUser, type DbHandle, projects } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import type { ChangeEvent } from '../src';

/** A provisioned project with an `order` table owned by end users (user role reads own rows). */
export async function createOrderProject(handle: DbHandle) {
  const suffix = uniqueSuffix();
  const [owner] = await handle.db
    .insert(authUser)
    .values({ id: `u_${suffix}`, name: 'Builder', email: `builder-${suffix}@example.test` })
    .returning();
  const project = await handle.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(projects)
      .values({ ownerId: owner.id, name: `Project ${suffix}`, slug: `p-${suffix}`, schemaName: `app_${suffix}` })
      .returning();
    await provisionProjectSchema(tx, row);
    return row;
  });
  await createTable(handle.db, project.id, {
    name: 'order',
    columns: [
      { name: 'title', type: 'text' },
      { name: 'buyer', type: 'relation', relationTable: 'end_user' },
    ],
  });
  await setOwnerColumn(handle.db, project.id, 'order', 'buyer');
  await setTablePermission(handle.db, project.id, {
    role: 'user',
    table: 'order',
    operation: 'read',
    allowed: true,
    scope: 'own',
  });
  const alice = await createEndUser(handle.db, project.id, { email: `alice-${suffix}@example.test` });
  const bob = await createEndUser(handle.db, project.id, { email: `bob-${suffix}@example.test` });
  const asActor = (u: { id: number; role: string }): Actor => ({ kind: 'endUser', userId: u.id, role: u.role });
  return { project, alice: asActor(alice), bob: asActor(bob) };
}

/** Collects events from a subscription in the background. */
export function collect(iterable: AsyncIterable<ChangeEvent>) {
  const events: ChangeEvent[] = [];
  const done = (async () => {
    for await (const event of iterable) events.push(event);
  })();
  return { events, done };
}

export async function waitFor(check: () => boolean, timeoutMs = 5000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('Timed out waiting.');
    await new Promise((r) => setTimeout(r, 10));
  }
}
