import { isIPv4, isIPv6 } from 'node:net';

// Which IP addresses an outbound call a builder controls may reach. An address is
// either public or in one named kind of special range; the kind words the refusal.

export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'ipv4-in-ipv6';

export interface Cidr {
  bytes: Uint8Array;
  prefix: number;
  text: string;
}

/** 4 bytes for IPv4, 16 for IPv6; null when the text is not an address. */
export function addressBytes(ip: string): Uint8Array | null {
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIPv4(bare)) return Uint8Array.from(bare.split('.').map(Number));
  if (!isIPv6(bare) || bare.includes('%')) return null;
  let text = bare;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = text
      .slice(lastColon + 1)
      .split('.')
      .map(Number);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const words = (s: string) => (s ? s.split(':').map((w) => Number.parseInt(w, 16)) : []);
  const left = words(head);
  const right = rest === undefined ? [] : words(rest);
  const groups = [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (tail.length === 4) bytes.set(tail, 12);
  return bytes;
}

/** `10.0.0.0/8`, `fc00::/7`, or a single address (a /32 or /128). Throws on anything else. */
export function parseCidr(text: string): Cidr {
  const [ip, prefixText] = text.trim().split('/');
  const bytes = addressBytes(ip);
  const max = bytes ? bytes.length * 8 : 0;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!bytes || !/^\d*$/.test(prefixText ?? '') || !Number.isInteger(prefix) || prefix < 0 || prefix > max)
    throw new Error(`"${text.trim()}" is not an address range like 10.0.0.0/8 or fc00::/7.`);
  return { bytes, prefix, text: text.trim() };
}

export function inCidr(bytes: Uint8Array, cidr: Cidr): boolean {
  if (bytes.length !== cidr.bytes.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & mask) !== (cidr.bytes[i] & mask)) return false;
  }
  return true;
}

const ranges = (kind: AddressKind, list: string[]) => list.map((c) => ({ kind, cidr: parseCidr(c) }));

// Order matters: the first match names the kind (broadcast before the reserved 240/4).
const IPV4_RANGES = [
  ...ranges('unspecified', ['0.0.0.0/8']),
  ...ranges('loopback', ['127.0.0.0/8']),
  ...ranges('private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10']),
  ...ranges('link-local', ['169.254.0.0/16']),
  ...ranges('multicast', ['224.0.0.0/4']),
  ...ranges('broadcast', ['255.255.255.255/32']),
  ...ranges('reserved', [
    '192.0.0.0/24',
    '192.0.2.0/24',
    '192.88.99.0/24',
    '198.18.0.0/15',
    '198.51.100.0/24',
    '203.0.113.0/24',
    '240.0.0.0/4',
  ]),
];

const IPV6_RANGES = [
  ...ranges('unspecified', ['::/128']),
  ...ranges('loopback', ['::1/128']),
  ...ranges('unique-local', ['fc00::/7']),
  ...ranges('private', ['fec0::/10']),
  ...ranges('link-local', ['fe80::/10']),
  ...ranges('multicast', ['ff00::/8']),
  // IETF assignments (Teredo 2001::/32 among them), documentation, discard-only.
  ...ranges('reserved', ['2001::/23', '2001:db8::/32', '3fff::/20', '100::/64']),
];

// IPv6 ranges that carry an IPv4 address: the IPv4 address decides (NAT64 and 6to4
// reach it), except the mapped/compatible forms, which are never a real destination.
const MAPPED = parseCidr('::ffff:0:0/96');
const COMPATIBLE = parseCidr('::/96');
const NAT64 = [parseCidr('64:ff9b::/96'), parseCidr('64:ff9b:1::/48')];
const SIX_TO_FOUR = parseCidr('2002::/16');

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIPv4(bytes: Uint8Array): Uint8Array | null {
  if (bytes.length !== 16) return null;
  if (inCidr(bytes, MAPPED) || inCidr(bytes, COMPATIBLE) || NAT64.some((c) => inCidr(bytes, c)))
    return bytes.slice(12, 16);
  if (inCidr(bytes, SIX_TO_FOUR)) return bytes.slice(2, 6);
  return null;
}

/** The kind of an address given as bytes (see addressBytes). */
export function classifyBytes(bytes: Uint8Array): AddressKind {
  if (bytes.length === 4) return IPV4_RANGES.find((r) => inCidr(bytes, r.cidr))?.kind ?? 'public';
  const own = IPV6_RANGES.find((r) => inCidr(bytes, r.cidr))?.kind;
  if (own) return own;
  const inner = embeddedIPv4(bytes);
  if (!inner) return 'public';
  if (inCidr(bytes, MAPPED) || inCidr(bytes, COMPATIBLE)) return 'ipv4-in-ipv6';
  return classifyBytes(inner);
}

export function classifyAddress(ip: string): AddressKind {
  const bytes = addressBytes(ip);
  if (!bytes) throw new Error(`"${ip}" is not an IP address.`);
  return classifyBytes(bytes);
}

/** The kinds an operator opens with TILLFLOW_EGRESS_ALLOW_PRIVATE=on (intranets); loopback and metadata stay closed. */
export const PRIVATE_NETWORK_KINDS: readonly AddressKind[] = ['private', 'unique-local'];

const REASONS: Record<Exclude<AddressKind, 'public'>, string> = {
  loopback: 'This address points back at this server (loopback) and is blocked',
  private: 'This address is on a private network and is blocked',
  'link-local': 'This address is link-local (where cloud metadata services live) and is blocked',
  'unique-local': 'This address is on a private network (IPv6 unique-local) and is blocked',
  unspecified: 'This address means "this machine, any interface" and is blocked',
  multicast: 'This address is a multicast group and is blocked',
  broadcast: 'This address is the broadcast address and is blocked',
  reserved: 'This address is reserved (not on the public internet) and is blocked',
  'ipv4-in-ipv6': 'This address hides an IPv4 address inside IPv6 and is blocked',
};

export function refusalReason(kind: Exclude<AddressKind, 'public'>): string {
  return REASONS[kind];
}
