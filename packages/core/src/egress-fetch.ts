import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { CheckedTarget, EgressGuard } from './egress';
import { EgressError } from './egress-errors';

// HTTP(S) through the guard: each hop's host is checked, the socket connects to the
// checked address only (pinned lookup, no agent reuse), redirects are followed by
// hand, and the body is read as a stream with a byte cap and one deadline for the
// whole call.

export interface EgressRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** The whole call, all hops (the caller caps what a builder may choose); the guard's by default. */
  timeoutMs?: number;
  /** May only lower the guard's caps. */
  maxResponseBytes?: number;
  maxRedirects?: number;
}

export interface EgressResponse {
  status: number;
  ok: boolean;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The address that answered (after redirects). */
  url: string;
  /** Every address redirected to, in order. */
  redirects: string[];
  body: Buffer;
  text(): string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CROSS_ORIGIN_DROPPED = ['authorization', 'cookie', 'proxy-authorization'];

export async function egressFetch(guard: EgressGuard, start: URL, init: EgressRequestInit): Promise<EgressResponse> {
  const timeoutMs = init.timeoutMs ?? guard.timeoutMs;
  const maxBytes = Math.min(init.maxResponseBytes ?? guard.maxResponseBytes, guard.maxResponseBytes);
  const maxRedirects = Math.min(init.maxRedirects ?? guard.maxRedirects, guard.maxRedirects);
  const deadline = Date.now() + timeoutMs;
  const timedOut = () =>
    new EgressError('EGRESS_TIMEOUT', `${start.host} did not answer within ${timeoutMs} ms.`, { permanent: false });
  let url = start;
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  const headers = Object.fromEntries(Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const redirects: string[] = [];
  for (;;) {
    const target = await beforeDeadline(guard.checkUrl(url), deadline, timedOut);
    const response = await requestOnce(url, target, method, headers, body, deadline, timedOut);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location) {
      const read = await readCapped(response, maxBytes, url, deadline, timedOut);
      return finish(response, read, url, redirects);
    }
    response.destroy();
    if (redirects.length >= maxRedirects)
      throw new EgressError(
        'EGRESS_TOO_MANY_REDIRECTS',
        `${start.host} redirected more than ${maxRedirects} times; stopped at ${url.href}.`,
        { permanent: true },
      );
    let next: URL;
    try {
      next = new URL(location, url);
    } catch {
      throw new EgressError('EGRESS_UNREACHABLE', `${url.host} redirected to an invalid address.`, { permanent: true });
    }
    if (response.statusCode === 303 || ((response.statusCode ?? 0) <= 302 && method === 'POST')) {
      method = 'GET';
      body = undefined;
      delete headers['content-type'];
      delete headers['content-length'];
    }
    if (next.origin !== url.origin) for (const name of CROSS_ORIGIN_DROPPED) delete headers[name];
    redirects.push(next.href);
    url = next;
  }
}

function beforeDeadline<T>(work: Promise<T>, deadline: number, timedOut: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timedOut()), Math.max(0, deadline - Date.now()));
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

function requestOnce(
  url: URL,
  target: CheckedTarget,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array | undefined,
  deadline: number,
  timedOut: () => Error,
): Promise<IncomingMessage> {
  const payload = body === undefined ? undefined : Buffer.from(body);
  const requestHeaders: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', ...headers };
  if (payload) requestHeaders['content-length'] = String(payload.length);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request({
      protocol: url.protocol,
      hostname: target.hostname,
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method,
      headers: requestHeaders,
      agent: false,
      lookup: pinnedLookup(target),
    });
    const timer = setTimeout(() => request.destroy(timedOut()), Math.max(0, deadline - Date.now()));
    request.on('response', (response) => {
      response.on('close', () => clearTimeout(timer));
      resolve(response);
    });
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(
        error instanceof EgressError
          ? error
          : new EgressError('EGRESS_UNREACHABLE', `Could not reach ${url.host}: ${error.message}`, {
              permanent: false,
              cause: error,
            }),
      );
    });
    request.end(payload);
  });
}

/** A socket lookup that answers with the checked address only, whatever name it is asked for. */
export function pinnedLookup(target: { address: string; family: 4 | 6 }): LookupFunction {
  return ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  }) as LookupFunction;
}

function decoded(response: IncomingMessage): Readable {
  const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip()
      : encoding === 'deflate'
        ? zlib.createInflate()
        : encoding === 'br'
          ? zlib.createBrotliDecompress()
          : null;
  if (!decoder) return response;
  response.on('error', (error) => decoder.destroy(error));
  return response.pipe(decoder);
}

async function readCapped(
  response: IncomingMessage,
  maxBytes: number,
  url: URL,
  deadline: number,
  timedOut: () => Error,
): Promise<Buffer> {
  const tooLarge = () =>
    new EgressError('EGRESS_TOO_LARGE', `The response from ${url.host} is larger than ${maxBytes} bytes.`, {
      permanent: true,
    });
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes && !response.headers['content-encoding']) {
    response.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = decoded(response);
  try {
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) throw tooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    response.destroy();
    if (error instanceof EgressError) throw error;
    if (Date.now() >= deadline) throw timedOut();
    throw new EgressError(
      'EGRESS_UNREACHABLE',
      `The response from ${url.host} broke off: ${(error as Error).message}`,
      {
        permanent: false,
        cause: error,
      },
    );
  }
  return Buffer.concat(chunks);
}

function finish(response: IncomingMessage, body: Buffer, url: URL, redirects: string[]): EgressResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  const status = response.statusCode ?? 0;
  return {
    status,
    ok: status >= 200 && status < 300,
    headers,
    url: url.href,
    redirects,
    body,
    text: () => body.toString('utf8'),
  };
}
