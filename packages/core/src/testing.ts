// Test helpers shared by every package's tests (not imported by product code).
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

/**
 * A request body of `totalBytes` produced on demand, `chunkBytes` at a time,
 * that counts what a reader actually pulled: a capped reader must stop near its cap.
 */
export function countingBody(totalBytes: number, chunkBytes = 64 * 1024, fill = 0x20) {
  const counter = { pulled: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (counter.pulled >= totalBytes) return controller.close();
        const size = Math.min(chunkBytes, totalBytes - counter.pulled);
        counter.pulled += size;
        controller.enqueue(new Uint8Array(size).fill(fill));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, counter };
}
