import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TillflowError } from './errors';
import { dataDir } from './paths';
import { setting } from './settings';

// Secrets (Stripe secret keys, webhook signing secrets, SMTP passwords) are stored only sealed:
// AES-256-GCM with a key from TILLFLOW_SECRET_KEY, else one generated once into the data folder
// (mode 0600), so a fresh machine is safe without setup. Since v2 every sealed value is bound to
// its owner: the project id and the purpose go in as GCM additional data, so a value copied to
// another project's row, or into a column meant for another kind of secret, does not open.

/** What a secret is for; part of what it is bound to. */
export type SecretPurpose = 'stripe.secret_key' | 'webhook.signing_secret' | 'smtp.password';

export interface SecretOwner {
  projectId: number;
  purpose: SecretPurpose;
}

/** A stored secret that does not open here: it must be entered again (a precondition, never retried). */
export class SecretBoxError extends TillflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PRECONDITION_FAILED', message, { cause: options?.cause });
    this.name = 'SecretBoxError';
  }
}

const CURRENT = 'v2';
/** Sealed before owners were bound (no additional data); opened during the transition, re-sealed at boot. */
const LEGACY = 'v1';
let cachedKey: Buffer | null = null;

function parseKey(value: string): Buffer {
  const trimmed = value.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('TILLFLOW_SECRET_KEY must be 32 bytes, as 64 hex characters or base64.');
  return key;
}

function encryptionKey(): Buffer {
  if (cachedKey) return cachedKey;
  const configured = setting('TILLFLOW_SECRET_KEY');
  if (configured) {
    cachedKey = parseKey(configured);
    return cachedKey;
  }
  const file = path.join(dataDir(), 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process won the race
    }
  }
  cachedKey = parseKey(readFileSync(file, 'utf8'));
  return cachedKey;
}

function additionalData(owner: SecretOwner): Buffer {
  if (!Number.isSafeInteger(owner.projectId) || owner.projectId <= 0)
    throw new SecretBoxError('A sealed secret needs the id of the project it belongs to.');
  if (!owner.purpose) throw new SecretBoxError('A sealed secret needs its purpose.');
  return Buffer.from(`tillflow-secret|${CURRENT}|project=${owner.projectId}|purpose=${owner.purpose}`, 'utf8');
}

/** `v2.<iv>.<tag>.<ciphertext>` (base64url parts), bound to `owner`; a fresh IV each time. */
export function sealSecret(plaintext: string, owner: SecretOwner): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(), iv);
  cipher.setAAD(additionalData(owner));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [CURRENT, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** True for a value sealed before owner binding (`v1.`), which `resealSecret` upgrades. */
export function isLegacySealed(sealed: string): boolean {
  return sealed.startsWith(`${LEGACY}.`);
}

/**
 * The plaintext of a value sealed for `owner`. Refuses (SecretBoxError) a value sealed for another
 * project or purpose, with another key, or altered. Legacy v1 values open without owner binding.
 */
export function openSecret(sealed: string, owner: SecretOwner): string {
  const [version, iv, tag, body] = sealed.split('.');
  if ((version !== CURRENT && version !== LEGACY) || !iv || !tag || body === undefined)
    throw new SecretBoxError('This stored value is not a sealed secret.');
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey(), Buffer.from(iv, 'base64url'));
    if (version === CURRENT) decipher.setAAD(additionalData(owner));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch (error) {
    if (error instanceof SecretBoxError) throw error;
    throw new SecretBoxError(
      `The stored ${owner.purpose} of project ${owner.projectId} does not open: it was sealed for another project or purpose, with another TILLFLOW_SECRET_KEY, or it was altered. Enter it again.`,
      { cause: error },
    );
  }
}

/** A legacy value re-sealed for `owner` (v2); a current value is returned unchanged. */
export function resealSecret(sealed: string, owner: SecretOwner): string {
  return isLegacySealed(sealed) ? sealSecret(openSecret(sealed, owner), owner) : sealed;
}

/** What a person may see of a secret: its kind and last four characters. */
export function maskSecret(secret: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_|^whsec_/.exec(secret)?.[0] ?? '';
  return `${prefix}••••${secret.slice(-4)}`;
}

/** Tests only: forget the cached key after changing TILLFLOW_SECRET_KEY. */
export function resetSecretKeyCache(): void {
  cachedKey = null;
}
