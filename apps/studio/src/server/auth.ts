import { nextCookies } from 'better-auth/next-js';
import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import { type Auth, buildAuth } from './auth-config';
import { getDb } from './db';

const globalForAuth = globalThis as unknown as { __tillflowAuth?: Promise<Auth> };

export function getAuth(): Promise<Auth> {
  globalForAuth.__tillflowAuth ??= getDb().then((handle) => buildAuth(handle.db, [nextCookies()]));
  return globalForAuth.__tillflowAuth;
}

export async function getSessionFromHeaders(requestHeaders: Headers) {
  const auth = await getAuth();
  return auth.api.getSession({ headers: requestHeaders });
}

/** For server components behind sign-in: the builder, or a redirect to /sign-in. */
export async function requireBuilder() {
  const session = await getSessionFromHeaders(await headers());
  if (!session) redirect('/sign-in');
  return session.user;
}
