import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { dataDir } from '@tillflow/db';

// Stripe secret keys and webhook signing secrets are stored only encrypted:
// AES-256-GCM with a key from TILLFLOW_SECRET_KEY, else one generated once into
// the data folder (mode 0600), so a fresh machine is safe without setup.
const VERSION = 'v1';
let cachedKey: Buffer | null = null;

function parseKey(value: string): Buffer {
  const trimmed = value.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new Error('TILLFLOW_SECRET_KEY must be 32 bytes, as 64 hex characters or base64.');
  return key;
}

function encryptionKey(): Buffer {
  if (cachedKey) return cachedKey;
  if (process.env.TILLFLOW_SECRET_KEY) {
    cachedKey = parseKey(process.env.TILLFLOW_SECRET_KEY);
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

/** `v1.<iv>.<tag>.<ciphertext>` (base64url parts); a fresh IV each time. */
export function encryptSecret(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function decryptSecret(sealed: string): string {
  const [version, iv, tag, body] = sealed.split('.');
  if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('Not an encrypted secret.');
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey(), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
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
