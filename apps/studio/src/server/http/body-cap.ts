import { readBodyCapped } from '@tillflow/core';

export const STUDIO_API_BODY_LIMIT_BYTES = 1024 * 1024; // flows, page models, a 200 KB logo as a data URL
export const APP_API_BODY_LIMIT_BYTES = 64 * 1024;
export const AUTH_BODY_LIMIT_BYTES = 64 * 1024;

/**
 * tRPC's fetch adapter and better-auth read the whole body themselves, without a
 * limit. In front of them, the body is read as a stream with a cap: the request
 * they get carries the bytes already read, or the client gets 413 and the rest of
 * the body is never pulled.
 */
export async function withCappedBody(request: Request, maxBytes: number): Promise<Request | Response> {
  if (request.method === 'GET' || request.method === 'HEAD' || !request.body) return request;
  const read = await readBodyCapped(request.body, maxBytes, request.headers.get('content-length'));
  if (!read.ok) {
    const limit = `${Math.round(maxBytes / 1024)} KB`;
    return Response.json(
      { error: { code: 'PAYLOAD_TOO_LARGE', message: `The request body is larger than ${limit}.` } },
      { status: 413, headers: { connection: 'close' } },
    );
  }
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: read.bytes as Uint8Array<ArrayBuffer>,
    signal: request.signal,
  });
}
