import { createHash, randomBytes } from 'node:crypto';
import { setting, TillflowError } from '@tillflow/core';
import { type Actor, createEndUser, DataAccessError, findEndUserCredentials, getRow } from '@tillflow/data-model';
import { appSessions, type DbHandle } from '@tillflow/db';
import { hashPassword, verifyPassword } from 'better-auth/crypto';
import { and, eq, gt, lt } from 'drizzle-orm';
import { z } from 'zod';
import { checkSignIn, checkSignUp, recordSignInFailure, recordSignInSuccess } from '../sign-in-guard';

// End users of a generated app sign in against the project's own end-user
// table; nothing here looks at builder (better-auth) sessions, so a builder's
// session grants nothing inside an app.

export const APP_SESSION_COOKIE = 'tf_app_session';
const SESSION_DAYS = 30;

export const credentialsInput = z.object({
  email: z.string().trim().toLowerCase().email('Enter a valid email address.').max(320),
  password: z.string().min(8, 'Use at least 8 characters.').max(200),
});

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

export interface AppSession {
  token: string;
  expiresAt: Date;
  user: { id: number; email: string; role: string };
}

async function startSession(handle: DbHandle, projectId: number, user: AppSession['user']): Promise<AppSession> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
  await handle.db.insert(appSessions).values({ projectId, endUserId: user.id, tokenHash: sha256(token), expiresAt });
  // Expired sessions of this user are cleared as new ones start.
  await handle.db
    .delete(appSessions)
    .where(
      and(
        eq(appSessions.projectId, projectId),
        eq(appSessions.endUserId, user.id),
        lt(appSessions.expiresAt, new Date()),
      ),
    );
  return { token, expiresAt, user };
}

/** Refused sign-in or sign-up attempts: the client waits `retryAfterSec`. */
export class TooManyAttemptsError extends TillflowError {
  constructor(
    message: string,
    readonly retryAfterSec: number,
  ) {
    super('RATE_LIMITED', message);
    this.name = 'TooManyAttemptsError';
  }
}

export async function signUpEndUser(
  handle: DbHandle,
  projectId: number,
  raw: z.input<typeof credentialsInput>,
  client: string | null = null,
) {
  const input = credentialsInput.parse(raw);
  const verdict = await checkSignUp(`app:${projectId}`, client);
  if (!verdict.ok) throw new TooManyAttemptsError(verdict.message, verdict.retryAfterSec);
  const user = await createEndUser(handle.db, projectId, {
    email: input.email,
    passwordHash: await hashPassword(input.password),
  });
  return startSession(handle, projectId, { id: user.id, email: user.email, role: user.role });
}

/** Wrong guesses back off per client + email (sign-in-guard), so a stranger never locks the real user out. */
export async function signInEndUser(
  handle: DbHandle,
  projectId: number,
  raw: z.input<typeof credentialsInput>,
  client: string | null = null,
) {
  const input = z.object({ email: z.string().trim().toLowerCase(), password: z.string().max(200) }).parse(raw);
  const attempt = { scope: `app:${projectId}`, client, email: input.email };
  const verdict = await checkSignIn(attempt);
  if (!verdict.ok) throw new TooManyAttemptsError(verdict.message, verdict.retryAfterSec);
  const found = await findEndUserCredentials(handle.db, projectId, input.email);
  // Same message (and a hash's worth of work) whether the email exists or not.
  const hash = found?.passwordHash ?? (await dummyHash());
  const ok = await verifyPassword({ hash, password: input.password });
  if (!found?.passwordHash || !ok) {
    await recordSignInFailure(attempt);
    throw new DataAccessError('VALIDATION', 'Wrong email or password.');
  }
  await recordSignInSuccess(attempt);
  return startSession(handle, projectId, { id: found.id, email: found.email, role: found.role });
}

let dummy: Promise<string> | null = null;
function dummyHash() {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

export async function signOutEndUser(handle: DbHandle, projectId: number, token: string | null): Promise<void> {
  if (!token) return;
  await handle.db
    .delete(appSessions)
    .where(and(eq(appSessions.projectId, projectId), eq(appSessions.tokenHash, sha256(token))));
}

/** The actor behind a session token: the end user with their current role, or anonymous. */
export async function actorFromToken(handle: DbHandle, projectId: number, token: string | null): Promise<Actor> {
  if (!token) return { kind: 'anonymous' };
  const [session] = await handle.db
    .select({ endUserId: appSessions.endUserId })
    .from(appSessions)
    .where(
      and(
        eq(appSessions.projectId, projectId),
        eq(appSessions.tokenHash, sha256(token)),
        gt(appSessions.expiresAt, new Date()),
      ),
    );
  if (!session) return { kind: 'anonymous' };
  // The role is read each time, so a role change applies at once.
  const user = await getRow(handle.db, projectId, { kind: 'backend' }, 'end_user', session.endUserId);
  if (!user) return { kind: 'anonymous' };
  return { kind: 'endUser', userId: session.endUserId, role: String(user.role) };
}

export function readCookie(headers: Headers, name: string): string | null {
  const header = headers.get('cookie');
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

/** httpOnly, SameSite=Lax, scoped to the app's own path so it never reaches the studio. */
export function sessionCookie(slug: string, session: { token: string; expiresAt: Date } | null): string {
  const secure = setting('PUBLIC_URL')?.startsWith('https://') ? '; Secure' : '';
  const base = `${APP_SESSION_COOKIE}=${session ? encodeURIComponent(session.token) : ''}; Path=/app/${slug}; HttpOnly; SameSite=Lax${secure}`;
  return session ? `${base}; Expires=${session.expiresAt.toUTCString()}` : `${base}; Max-Age=0`;
}
