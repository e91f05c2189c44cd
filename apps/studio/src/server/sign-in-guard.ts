import { setting } from '@tillflow/core';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';

// Online password guessing, for builder accounts and every generated app's end
// users. Wrong guesses are counted per client + email and back off that pair
// only (30 s after the 5th, doubling to 15 min), so a stranger guessing someone's
// password slows themselves down and never locks the real user out from their
// own address. Looser limits per client (many emails from one address) and per
// account (one email from many addresses) cap spraying and distributed guessing.
// Counters live in this process (rate-limiter-flexible's memory store): with N
// studio processes an attacker gets N times the budget, still far from useful.

const FREE_FAILURES = 5;
const BACKOFF_BASE_SEC = 30;
const BACKOFF_MAX_SEC = 15 * 60;

export interface SignInAttempt {
  /** Whose accounts: `builder`, or `app:<projectId>` for a generated app's end users. */
  scope: string;
  /** The client's address; null when unknown (then only per-email limits apply). */
  client: string | null;
  email: string;
}

export type Verdict = { ok: true } | { ok: false; retryAfterSec: number; message: string };

const make = (keyPrefix: string, points: number, duration: number, blockDuration = 0) =>
  new RateLimiterMemory({ keyPrefix, points, duration, blockDuration });

const limiters = () => ({
  failsByClientEmail: make('fails-client-email', 1_000_000, 3600),
  lockByClientEmail: make('lock-client-email', 1, 1),
  failsByClient: make('fails-client', 50, 15 * 60, 15 * 60),
  failsByAccount: make('fails-account', 100, 3600, 15 * 60),
  signUpsByClient: make('sign-ups-client', 20, 10 * 60, 10 * 60),
});
let state = limiters();

export const rateLimitsOff = () => setting('TILLFLOW_AUTH_RATE_LIMIT') === 'off';

const keys = ({ scope, client, email }: SignInAttempt) => {
  const who = email.trim().toLowerCase();
  return {
    clientEmail: `${scope}|${client ?? 'unknown'}|${who}`,
    client: client ? `${scope}|${client}` : null,
    account: `${scope}|${who}`,
  };
};

const blockedFor = (res: RateLimiterRes | null, points: number) =>
  res && res.consumedPoints > points ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;

const refuse = (retryAfterSec: number, message: string): Verdict => ({
  ok: false,
  retryAfterSec,
  message: `${message} Try again in ${retryAfterSec < 120 ? `${retryAfterSec} seconds` : `${Math.ceil(retryAfterSec / 60)} minutes`}.`,
});

/** Before checking a password: may this client try this email now? */
export async function checkSignIn(attempt: SignInAttempt): Promise<Verdict> {
  if (rateLimitsOff()) return { ok: true };
  const k = keys(attempt);
  const pair = blockedFor(await state.lockByClientEmail.get(k.clientEmail), 1);
  if (pair) return refuse(pair, 'Too many failed sign-ins for this email from here.');
  const client = k.client ? blockedFor(await state.failsByClient.get(k.client), 50) : 0;
  if (client) return refuse(client, 'Too many failed sign-ins from here.');
  const account = blockedFor(await state.failsByAccount.get(k.account), 100);
  if (account) return refuse(account, 'Too many failed sign-ins for this email.');
  return { ok: true };
}

const consumeQuietly = (limiter: RateLimiterMemory, key: string) =>
  limiter.consume(key).catch((res: RateLimiterRes) => res);

/** After a wrong password (or an unknown email). */
export async function recordSignInFailure(attempt: SignInAttempt): Promise<void> {
  if (rateLimitsOff()) return;
  const k = keys(attempt);
  const fails = await consumeQuietly(state.failsByClientEmail, k.clientEmail);
  if (fails.consumedPoints >= FREE_FAILURES) {
    const backoff = Math.min(BACKOFF_BASE_SEC * 2 ** (fails.consumedPoints - FREE_FAILURES), BACKOFF_MAX_SEC);
    await state.lockByClientEmail.block(k.clientEmail, backoff);
  }
  if (k.client) await consumeQuietly(state.failsByClient, k.client);
  await consumeQuietly(state.failsByAccount, k.account);
}

/** After a right password: this client's back-off for this email starts over. */
export async function recordSignInSuccess(attempt: SignInAttempt): Promise<void> {
  const k = keys(attempt);
  await state.failsByClientEmail.delete(k.clientEmail);
  await state.lockByClientEmail.delete(k.clientEmail);
}

/** Sign-ups per client: 20 per 10 minutes, then 10 minutes' wait. */
export async function checkSignUp(scope: string, client: string | null): Promise<Verdict> {
  if (rateLimitsOff() || !client) return { ok: true };
  const res = await consumeQuietly(state.signUpsByClient, `${scope}|${client}`);
  const wait = blockedFor(res, 20);
  return wait ? refuse(wait, 'Too many sign-ups from here.') : { ok: true };
}

/** Tests: forget every counter. */
export function resetSignInLimits(): void {
  state = limiters();
}
