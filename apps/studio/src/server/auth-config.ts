import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { authAccount, authSession, authUser, authVerification, type Database, dataDir } from '@tillflow/db';
import { type BetterAuthPlugin, betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError, createAuthMiddleware } from 'better-auth/api';
import { passwordWeakness } from '../lib/password-policy';

// Session signing secret: from the environment, else generated once per data folder
// so a fresh machine is safe without configuration.
function authSecret(): string {
  if (process.env.BETTER_AUTH_SECRET) return process.env.BETTER_AUTH_SECRET;
  const file = path.join(dataDir(), 'auth.secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir(), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file, 'utf8').trim();
}

/** Builder accounts. Kept free of Next imports so tests can build it directly. */
export function buildAuth(db: Database, plugins: BetterAuthPlugin[] = []) {
  return betterAuth({
    database: drizzleAdapter(db, {
      provider: 'pg',
      schema: { user: authUser, session: authSession, account: authAccount, verification: authVerification },
    }),
    secret: authSecret(),
    baseURL: process.env.PUBLIC_URL ?? `http://localhost:${process.env.PORT ?? 3000}`,
    trustedOrigins: (request) => (request ? [new URL(request.url).origin] : []),
    // better-auth hashes with scrypt, a memory-hard function.
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128, autoSignIn: true },
    session: { cookieCache: { enabled: false } },
    // Brute-force guard on the credential endpoints; the e2e suite signs in many
    // times from one address and turns it off with TILLFLOW_AUTH_RATE_LIMIT=off.
    rateLimit: {
      enabled: process.env.TILLFLOW_AUTH_RATE_LIMIT !== 'off' && process.env.NODE_ENV === 'production',
      window: 60,
      max: 100,
      customRules: { '/sign-in/email': { window: 60, max: 10 }, '/sign-up/email': { window: 60, max: 10 } },
    },
    advanced: { database: { generateId: () => crypto.randomUUID() } },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-up/email') return;
        const weakness = passwordWeakness(String(ctx.body?.password ?? ''));
        if (weakness) throw new APIError('BAD_REQUEST', { message: weakness, code: 'WEAK_PASSWORD' });
      }),
    },
    plugins,
  });
}

export type Auth = ReturnType<typeof buildAuth>;
