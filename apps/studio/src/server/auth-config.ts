import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { publicOrigin, setting } from '@tillflow/core';
import { authAccount, authSession, authUser, authVerification, type Database, dataDir } from '@tillflow/db';
import { type BetterAuthPlugin, betterAuth } from 'better-auth';
import { drizzleAdapter } from 'better-auth/adapters/drizzle';
import { APIError, createAuthMiddleware, isAPIError } from 'better-auth/api';
import { passwordWeakness } from '../lib/password-policy';
import { CLIENT_ADDRESS_HEADER, clientAddress } from './http/client-address';
import { trustedOrigins } from './public-origin';
import { checkSignIn, checkSignUp, recordSignInFailure, recordSignInSuccess } from './sign-in-guard';

// Session signing secret: from the environment, else generated once per data folder
// so a fresh machine is safe without configuration.
function authSecret(): string {
  const configured = setting('BETTER_AUTH_SECRET');
  if (configured) return configured;
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
    baseURL: publicOrigin(),
    // PUBLIC_URL's origin, or the loopback origins of a local studio: never the request's own.
    trustedOrigins: trustedOrigins(),
    // better-auth hashes with scrypt, a memory-hard function.
    emailAndPassword: { enabled: true, minPasswordLength: 8, maxPasswordLength: 128, autoSignIn: true },
    session: { cookieCache: { enabled: false } },
    // Brute-force guard on the credential endpoints; the e2e suite signs in many
    // times from one address and turns it off with TILLFLOW_AUTH_RATE_LIMIT=off.
    rateLimit: {
      enabled: setting('TILLFLOW_AUTH_RATE_LIMIT') !== 'off' && setting('NODE_ENV') === 'production',
      window: 60,
      max: 100,
      customRules: { '/sign-in/email': { window: 60, max: 10 }, '/sign-up/email': { window: 60, max: 10 } },
    },
    advanced: {
      database: { generateId: () => crypto.randomUUID() },
      // The address our server stamps from the socket (or from a trusted proxy's X-Forwarded-For).
      ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        const client = clientAddress(ctx.headers ?? new Headers());
        if (ctx.path === '/sign-in/email') {
          const verdict = await checkSignIn({ scope: 'builder', client, email: String(ctx.body?.email ?? '') });
          if (!verdict.ok) throw new APIError('TOO_MANY_REQUESTS', { message: verdict.message });
        }
        if (ctx.path !== '/sign-up/email') return;
        const weakness = passwordWeakness(String(ctx.body?.password ?? ''));
        if (weakness) throw new APIError('BAD_REQUEST', { message: weakness, code: 'WEAK_PASSWORD' });
        const verdict = await checkSignUp('builder', client);
        if (!verdict.ok) throw new APIError('TOO_MANY_REQUESTS', { message: verdict.message });
      }),
      // Wrong guesses back off per client + email: a stranger never locks the real builder out.
      after: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== '/sign-in/email') return;
        const attempt = {
          scope: 'builder',
          client: clientAddress(ctx.headers ?? new Headers()),
          email: String(ctx.body?.email ?? ''),
        };
        const returned = ctx.context.returned;
        if (isAPIError(returned)) {
          if (returned.statusCode === 401) await recordSignInFailure(attempt);
        } else if (ctx.context.newSession) await recordSignInSuccess(attempt);
      }),
    },
    plugins,
  });
}

export type Auth = ReturnType<typeof buildAuth>;
