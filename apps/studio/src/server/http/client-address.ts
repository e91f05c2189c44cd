import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { type Env, setting } from '@tillflow/core';

// Who is calling, for rate limits. `X-Forwarded-For` is anyone's to write, so it
// is believed only when the operator says a proxy in front sets it
// (TILLFLOW_TRUST_PROXY); otherwise the TCP peer's address is the client.
// Next's route handlers never see the socket, so the server stamps the address
// into one header of ours on every request, overwriting whatever a client sent.

export const CLIENT_ADDRESS_HEADER = 'x-tillflow-client-address';

/** How many proxies in front append to X-Forwarded-For: 0 (default: trust none), `on` = 1, or a count. */
export function trustedProxyHops(env: Env = process.env): number {
  return setting('TILLFLOW_TRUST_PROXY', env);
}

const unmapped = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

/**
 * The client's address for a Node request: the socket's peer, or with N trusted
 * proxies the Nth address from the right of X-Forwarded-For (each proxy appends
 * the peer it saw, so entries further left are the client's own claims).
 */
export function clientAddressOf(request: IncomingMessage, hops = trustedProxyHops()): string | null {
  const peer = request.socket?.remoteAddress ? unmapped(request.socket.remoteAddress) : null;
  if (hops === 0) return peer;
  const header = request.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const candidate = forwarded[forwarded.length - hops] ?? forwarded[0];
  return candidate && isIP(unmapped(candidate)) ? unmapped(candidate) : peer;
}

const globalForStamp = globalThis as unknown as { __tillflowClientStamp?: boolean };

/** Stamps CLIENT_ADDRESS_HEADER on every HTTP request this process serves (before Next sees it). */
export function stampClientAddresses(): void {
  if (globalForStamp.__tillflowClientStamp) return;
  globalForStamp.__tillflowClientStamp = true;
  const hops = trustedProxyHops();
  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: IncomingMessage };
    request.headers[CLIENT_ADDRESS_HEADER] = clientAddressOf(request, hops) ?? 'unknown';
  });
}

/**
 * The stamped client address of a request, or null when this process does not
 * stamp requests (then a client could have written the header itself).
 */
export function clientAddress(headers: Headers): string | null {
  if (!globalForStamp.__tillflowClientStamp) return null;
  const value = headers.get(CLIENT_ADDRESS_HEADER);
  return value && value !== 'unknown' ? value : null;
}
