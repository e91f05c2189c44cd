import { getSessionFromHeaders } from '../auth';
import { getDb } from '../db';
import type { TRPCContext } from './trpc';

export async function createTRPCContext(opts: { headers: Headers }): Promise<TRPCContext> {
  const session = await getSessionFromHeaders(opts.headers);
  const db = await getDb();
  const user = session
    ? { id: session.user.id, email: session.user.email, name: session.user.name, sessionId: session.session.id }
    : null;
  return { db, user, headers: opts.headers };
}
