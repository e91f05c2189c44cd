import { createTable, setOwnerColumn, setTablePermission } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import { createCaller } from '~/server/api/root';
import { buildAuth } from '~/server/auth-config';
import { appClient } from './app-client';

/** Signs a new builder up through better-auth and returns a tRPC caller acting as them. */
export async function signUpBuilder(handle: DbHandle, label = 'builder') {
  const auth = buildAuth(handle.db);
  const email = `${label}-${uniqueSuffix()}@example.test`;
  const result = await auth.api.signUpEmail({ body: { email, password: 'correct-horse-9', name: label } });
  const user = { id: result.user.id, email, name: label };
  const caller = createCaller({ db: handle, user, headers: new Headers() });
  return { user, caller, auth };
}

/**
 * A generated app whose `order` table belongs to its buyer (read: own rows), with two
 * signed-up end users, Ann and Bob, each with their own browser-like client.
 */
export async function appWithOwnedOrders(handle: DbHandle) {
  const builder = await signUpBuilder(handle, 'appbuilder');
  const slug = `app-${uniqueSuffix()}`;
  const project = await builder.caller.project.create({ name: 'Shop', slug });
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
  const signUp = async (label: string) => {
    const client = appClient(handle, slug);
    const { user } = await client.mutation<{ user: { id: number } }>('signUp', {
      email: `${label}-${uniqueSuffix()}@x.test`,
      password: 'long-enough-1',
    });
    return { client, user };
  };
  return { builder, project, slug, ann: await signUp('ann'), bob: await signUp('bob') };
}

/** Waits until `check` holds (deliveries and streams are asynchronous). */
export async function waitFor(check: () => boolean, timeoutMs = 5000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('Timed out waiting.');
    await new Promise((r) => setTimeout(r, 10));
  }
}
