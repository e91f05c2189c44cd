import { createCipheriv, randomBytes } from 'node:crypto';

/**
 * Tests only: a value as the secret box sealed it before v2 (AES-256-GCM, no additional data),
 * under the hex key in TILLFLOW_SECRET_KEY, to prove old stored values still open.
 */
export function sealLegacySecretForTests(plaintext: string): string {
  const hex = process.env.TILLFLOW_SECRET_KEY ?? '';
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error('Set TILLFLOW_SECRET_KEY to 64 hex characters first.');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(hex, 'hex'), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}
