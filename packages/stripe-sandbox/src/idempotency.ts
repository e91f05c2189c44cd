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

export function saveIdempotent(account: Account, key: string, result: Omit<IdempotentResult, 'createdAt'>): void {
  account.idempotency[key] = { ...result, createdAt: Date.now() };
  // Prune on write so a long-running sandbox does not keep every key forever.
  const keys = Object.keys(account.idempotency);
  if (keys.length > 20_000) {
    for (const k of keys.slice(0, 5_000)) delete account.idempotency[k];
  }
}
