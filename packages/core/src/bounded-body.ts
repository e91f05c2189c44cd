import type { IncomingMessage } from 'node:http';

// Request bodies are read with a byte cap, whether or not the sender declared a
// length: a declared Content-Length over the cap is refused before one byte is
// read; a chunked (or lying) body is read only until it passes the cap, and the
// rest is never pulled from the connection, let alone buffered.

export const WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;
export const API_BODY_LIMIT_BYTES = 64 * 1024;

export type CappedBody = { ok: true; bytes: Buffer } | { ok: false; bytesRead: number };

/** The declared Content-Length, when there is a valid one. */
export function declaredLength(header: string | null | undefined): number | null {
  if (header == null || !/^\d+$/.test(header.trim())) return null;
  return Number(header);
}

/**
 * Reads a web request body (a Request's `body`) up to `maxBytes`. Past the cap it
 * stops pulling and releases the stream without cancelling it: cancelling would
 * tear down the connection before the caller's 413 reaches the client.
 */
export async function readBodyCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  contentLength?: string | null,
): Promise<CappedBody> {
  const declared = declaredLength(contentLength);
  if (declared !== null && declared > maxBytes) return { ok: false, bytesRead: 0 };
  if (!body) return { ok: true, bytes: Buffer.alloc(0) };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) return { ok: false, bytesRead: size };
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return { ok: true, bytes: Buffer.concat(chunks, size) };
}

/** The same for a Node request: past the cap it stops listening and pauses the socket. */
export function readNodeBodyCapped(request: IncomingMessage, maxBytes: number): Promise<CappedBody> {
  const declared = declaredLength(request.headers['content-length']);
  if (declared !== null && declared > maxBytes) return Promise.resolve({ ok: false, bytesRead: 0 });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      request.pause();
      resolve({ ok: false, bytesRead: size });
    };
    const onEnd = () => {
      stop();
      resolve({ ok: true, bytes: Buffer.concat(chunks, size) });
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}
