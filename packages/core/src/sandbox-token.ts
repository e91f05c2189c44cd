import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from './paths';
import { setting } from './settings';

// The Stripe sandbox's control surface (`/_sandbox`: accounts, their keys, brands,
// delivery options) answers only calls carrying this install's token. The studio
// and `npm run sandbox` read the same token: TILLFLOW_SANDBOX_TOKEN, else a random
// one generated once into `<data dir>/sandbox.token` (mode 0600).

export const SANDBOX_TOKEN_HEADER = 'x-tillflow-sandbox-token';

/** The install's sandbox control token (made on first use). */
export function sandboxControlToken(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = setting('TILLFLOW_SANDBOX_TOKEN', env);
  if (fromEnv) return fromEnv;
  const file = path.join(setting('TILLFLOW_DATA_DIR', env) ?? dataDir(), 'sandbox.token');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process made it first
    }
  }
  return readFileSync(file, 'utf8').trim();
}

/** Constant-time comparison of a presented token with the expected one. */
export function sameToken(presented: string | null | undefined, expected: string): boolean {
  if (!presented) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
