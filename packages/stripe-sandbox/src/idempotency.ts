import { createHash } from 'node:crypto';
import type { Account, IdempotentResult } from './store';

const RETENTION_MS = 24 * 60 * 60 * 1000;

/** What identifies "the same request": method, path and the exact parameters. */
export function fingerprint(method: string, path: string, rawBody: string): string {
  const sorted = rawBody.split('&').filter(Boolean).sort().join('&');
  return createHash('sha256').update(`${method} ${path}\n${sorted}`).digest('hex');
}

export function findIdempotent(account: Account, key: string): IdempotentResult | undefined {
  const found = account.idempotency[key];
  if (!found) return undefined;
  if (Date.now() - found.createdAt > RETENTION_MS) {
    delete account.idempotency[key];
    return undefined;
  }
  return found;
}

const MAX_KEYS = 20_000;

export function saveIdempotent(account: Account, key: string, result: Omit<IdempotentResult, 'createdAt'>): void {
  account.idempotency[key] = { ...result, createdAt: Date.now() };
  // Prune in batches (oldest first, by insertion order) so a long-running sandbox does not keep every key.
  if (++writesSincePrune < 1000) return;
  writesSincePrune = 0;
  const keys = Object.keys(account.idempotency);
  if (keys.length > MAX_KEYS) for (const k of keys.slice(0, keys.length - MAX_KEYS)) delete account.idempotency[k];
}

let writesSincePrune = 0;
