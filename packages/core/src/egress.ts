import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import {
  addressBytes,
  type Cidr,
  classifyBytes,
  embeddedIPv4,
  inCidr,
  PRIVATE_NETWORK_KINDS,
  parseCidr,
  refusalReason,
} from './egress-addresses';
import { EgressError, EgressRefusedError } from './egress-errors';
import { type EgressRequestInit, type EgressResponse, egressFetch, pinnedLookup } from './egress-fetch';
import { setting } from './settings';

// The one path for every outbound call a builder controls (HTTP request node, SMTP
// host, a custom Stripe API base): only the allowed schemes; the host is resolved
// and every address checked (loopback, private, link-local, unique-local,
// unspecified, multicast, broadcast, reserved and IPv4-in-IPv6 are refused unless
// the operator opened them); the connection then goes to the checked address (a
// pinned lookup, so a second DNS answer cannot swap it); redirects are followed by
// hand and each hop checked again; responses are capped in bytes and time.

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface EgressOptions {
  /** Open the private-network ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7); loopback stays closed. */
  allowPrivate?: boolean;
  /** Ranges opened explicitly, any kind (e.g. `127.0.0.1/32` for a test server): CIDR text. */
  allow?: string[];
  /** Name → addresses; the system resolver by default (tests pass a fake one). */
  resolve?: Resolver;
  /** Whole call, all hops included, when the caller sets none. Default 10 s. */
  timeoutMs?: number;
  /** Response body cap after decompression. Default 5 MiB. */
  maxResponseBytes?: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
}

export interface CheckedTarget extends ResolvedAddress {
  /** The host as written (lower case, IPv6 without brackets), used for TLS names and the Host header. */
  hostname: string;
}

const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

const LOCALHOST: ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

export class EgressGuard {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly maxRedirects: number;
  private readonly allowPrivate: boolean;
  private readonly allowed: Cidr[];
  private readonly resolve: Resolver;

  constructor(options: EgressOptions = {}) {
    this.allowPrivate = options.allowPrivate ?? false;
    this.allowed = (options.allow ?? []).map(parseCidr);
    this.resolve = options.resolve ?? systemResolver;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxResponseBytes = options.maxResponseBytes ?? 5 * 1024 * 1024;
    this.maxRedirects = options.maxRedirects ?? 5;
  }

  /** Null when the address may be reached, else the sentence saying why not. */
  refusal(address: string): string | null {
    const bytes = addressBytes(address);
    if (!bytes) return 'This is not an IP address';
    const inner = embeddedIPv4(bytes);
    if (this.allowed.some((c) => inCidr(bytes, c) || (inner !== null && inCidr(inner, c)))) return null;
    const kind = classifyBytes(bytes);
    if (kind === 'public') return null;
    if (this.allowPrivate && PRIVATE_NETWORK_KINDS.includes(kind)) return null;
    return refusalReason(kind);
  }

  /** Resolve a host name (or read an IP literal) and check every address; the first is the one to connect to. */
  async checkHost(host: string): Promise<CheckedTarget> {
    const hostname = normalizeHost(host);
    const bare = hostname.replace(/\.+$/, '');
    const literal = addressBytes(bare) !== null;
    let addresses: ResolvedAddress[];
    if (literal) addresses = [{ address: bare, family: bare.includes(':') ? 6 : 4 }];
    else if (bare === 'localhost' || bare.endsWith('.localhost')) addresses = LOCALHOST;
    else addresses = await this.lookup(hostname);
    for (const a of addresses) {
      const reason = this.refusal(a.address);
      if (reason) {
        const shown = literal ? hostname : `${hostname} (${a.address})`;
        throw new EgressRefusedError(
          `${reason}: ${shown}. An operator can open private ranges with TILLFLOW_EGRESS_ALLOW_PRIVATE.`,
        );
      }
    }
    return { hostname, ...addresses[0] };
  }

  /** Check a URL's scheme, credentials and host. */
  async checkUrl(input: string | URL, protocols: readonly string[] = ['http:', 'https:']): Promise<CheckedTarget> {
    const url = parseUrl(input);
    if (!protocols.includes(url.protocol))
      throw new EgressRefusedError(
        `Only ${protocols.map((p) => p.replace(':', '')).join(' and ')} addresses can be called, not "${url.protocol.replace(':', '')}": ${url.href}`,
      );
    if (url.username || url.password)
      throw new EgressRefusedError(`Put credentials in a header, not in the address: ${url.host}`);
    return this.checkHost(url.hostname);
  }

  /** A socket lookup that answers with the checked address only (for net, tls, http agents, nodemailer). */
  pinnedLookup(target: ResolvedAddress): LookupFunction {
    return pinnedLookup(target);
  }

  /** An HTTP(S) request through the guard: checked, pinned, redirects re-checked, capped. */
  fetch(input: string | URL, init: EgressRequestInit = {}): Promise<EgressResponse> {
    return egressFetch(this, parseUrl(input), init);
  }

  private async lookup(hostname: string): Promise<ResolvedAddress[]> {
    let found: ResolvedAddress[];
    try {
      found = await this.resolve(hostname);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const missing = code === 'ENOTFOUND' || code === 'ENODATA';
      throw new EgressError(
        'EGRESS_UNREACHABLE',
        missing
          ? `The host ${hostname} does not exist (no DNS record).`
          : `Could not look up ${hostname} (${code ?? error}).`,
        { permanent: false, cause: error },
      );
    }
    if (found.length === 0)
      throw new EgressError('EGRESS_UNREACHABLE', `The host ${hostname} does not exist (no DNS record).`, {
        permanent: false,
      });
    return found;
  }
}

function parseUrl(input: string | URL): URL {
  if (input instanceof URL) return input;
  try {
    return new URL(input);
  } catch {
    throw new EgressRefusedError(`This is not a valid address: ${String(input).slice(0, 200)}`);
  }
}

/**
 * A host as a URL would read it: lower case, IPv4 in its usual dotted form whatever
 * the spelling (`2130706433`, `127.1`, `0x7f.1` and `017700000001` are 127.0.0.1),
 * IPv6 compressed and without brackets.
 */
export function normalizeHost(host: string): string {
  const raw = host.trim();
  const bracketed = !raw.startsWith('[') && raw.split(':').length > 2 ? `[${raw}]` : raw;
  if (!raw || /[\s/?#@\\]/.test(raw)) throw new EgressRefusedError(`This is not a host name: "${raw.slice(0, 200)}"`);
  let url: URL;
  try {
    url = new URL(`http://${bracketed}/`);
  } catch {
    throw new EgressRefusedError(`This is not a host name: "${raw.slice(0, 200)}"`);
  }
  if (url.port) throw new EgressRefusedError(`Give the port separately, not in the host name: "${raw.slice(0, 200)}"`);
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export function createEgressGuard(options: EgressOptions = {}): EgressGuard {
  return new EgressGuard(options);
}

/**
 * What the operator opened with TILLFLOW_EGRESS_ALLOW_PRIVATE: unset or `off` (the
 * default) opens nothing; `on` opens the private-network ranges; a comma-separated
 * CIDR list (`10.0.0.0/8,fd00::/8`) opens exactly those ranges.
 */
export function egressOptionsFromEnv(env: Record<string, string | undefined> = process.env): EgressOptions {
  // The settings module checks the value (on, off or CIDR ranges) and names the variable when it is wrong.
  const value = setting('TILLFLOW_EGRESS_ALLOW_PRIVATE', env);
  if (value === 'off') return {};
  if (value === 'on') return { allowPrivate: true };
  return { allow: value.split(',').map((s) => s.trim()) };
}

let processGuard: EgressGuard | null = null;
/** The guard configured by the environment (closed unless the operator opened ranges), made once. */
export function defaultEgressGuard(): EgressGuard {
  processGuard ??= createEgressGuard(egressOptionsFromEnv());
  return processGuard;
}

export type { AddressKind } from './egress-addresses';
export { classifyAddress } from './egress-addresses';
export { EgressError, type EgressErrorCode, EgressRefusedError } from './egress-errors';
export type { EgressRequestInit, EgressResponse } from './egress-fetch';
