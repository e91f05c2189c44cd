import type { DbHandle } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import { createCaller } from '~/server/api/root';
import { buildAuth } from '~/server/auth-config';

/** Signs a new builder up through better-auth and returns a tRPC caller acting as them. */
export async function signUpBuilder(handle: DbHandle, label = 'builder') {
  const auth = buildAuth(handle.db);
  const email = `${label}-${uniqueSuffix()}@example.test`;
  const result = await auth.api.signUpEmail({ body: { email, password: 'correct-horse-9', name: label } });
  const user = { id: result.user.id, email, name: label };
  const caller = createCaller({ db: handle, user, headers: new Headers() });
  return { user, caller, auth };
}
