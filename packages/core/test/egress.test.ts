import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  classifyAddress,
  createEgressGuard,
  type EgressError,
  EgressRefusedError,
  egressOptionsFromEnv,
  normalizeHost,
  type Resolver,
} from '../src';

// Every spelling of "this machine or its networks" a builder might type. The default
// guard must refuse each before opening any connection.
export const REFUSED_URLS = [
  'http://localhost/',
  'http://LOCALHOST./',
  'http://studio.localhost/',
  'http://127.0.0.1/',
  'http://127.0.0.53:3000/',
  'http://2130706433/',
  'http://127.1/',
  'http://0x7f.1/',
  'http://0x7f000001/',
  'http://017700000001/',
  'http://0177.0.0.1/',
  'http://[::1]/',
  'http://[0:0:0:0:0:0:0:1]/',
  'http://0.0.0.0/',
  'http://0/',
  'http://[::]/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::ffff:7f00:1]/',
  'http://[::ffff:8.8.8.8]/',
  'http://[::127.0.0.1]/',
  'http://[64:ff9b::127.0.0.1]/',
  'http://[2002:7f00:1::]/',
  'http://10.0.0.1/',
  'http://172.16.0.1/',
  'http://172.31.255.254/',
  'http://192.168.1.1/',
  'http://100.64.0.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[fe80::1]/',
  'http://[fc00::1]/',
  'http://[fd00:ec2::254]/',
  'http://224.0.0.1/',
  'http://[ff02::1]/',
  'http://255.255.255.255/',
  'https://[::1]:8443/',
];

const nowhere: Resolver = async () => {
  throw new Error('the resolver must not be asked for an address literal or localhost');
};

let server: Server;
let port: number;
const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const route = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (route) route(req, res);
    else res.writeHead(404).end('no route');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

/** "api.public.test" stands for an allowed public host; here it is this test's server on 127.0.0.1. */
const publicTest: Resolver = async (hostname) => {
  if (hostname === 'api.public.test') return [{ address: '127.0.0.1', family: 4 }];
  if (hostname === 'intranet.test') return [{ address: '10.20.30.40', family: 4 }];
  if (hostname === 'split.test')
    return [
      { address: '93.184.215.14', family: 4 },
      { address: '192.168.0.7', family: 4 },
    ];
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
};
const testGuard = (options = {}) => createEgressGuard({ allow: ['127.0.0.1/32'], resolve: publicTest, ...options });

describe('the default egress guard', () => {
  it.each(REFUSED_URLS)('refuses %s before connecting', async (url) => {
    const guard = createEgressGuard({ resolve: nowhere });
    const refused = await guard.fetch(url).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EgressRefusedError);
    expect((refused as Error).message).toMatch(/is blocked: .+\. An operator can open private ranges/);
  });

  it('words the refusal for a person, naming the host and the address it resolved to', async () => {
    const guard = createEgressGuard({ resolve: publicTest });
    await expect(guard.checkUrl('http://intranet.test/x')).rejects.toThrow(
      'This address is on a private network and is blocked: intranet.test (10.20.30.40).',
    );
    await expect(guard.checkUrl('http://169.254.169.254/')).rejects.toThrow(
      /link-local .* blocked: 169\.254\.169\.254/,
    );
    await expect(guard.checkUrl('http://2130706433/')).rejects.toThrow(/loopback\) and is blocked: 127\.0\.0\.1/);
  });

  it('refuses a host when any of its addresses is private', async () => {
    const guard = createEgressGuard({ resolve: publicTest });
    await expect(guard.checkUrl('https://split.test/')).rejects.toThrow(
      /private network .* split\.test \(192\.168\.0\.7\)/,
    );
  });

  it('allows public addresses, including NAT64 and 6to4 forms of public IPv4', async () => {
    const guard = createEgressGuard({ resolve: nowhere });
    for (const ip of [
      '93.184.215.14',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700:4700::1111',
      '64:ff9b::808:808',
      '2002:808:808::',
    ])
      expect(guard.refusal(ip), ip).toBeNull();
    expect((await guard.checkUrl('http://[2606:4700:4700::1111]:8080/x')).address).toBe('2606:4700:4700::1111');
  });

  it('takes only http and https, and no credentials in the address', async () => {
    const guard = createEgressGuard({ resolve: publicTest });
    for (const url of ['ftp://api.public.test/', 'file:///etc/passwd', 'gopher://api.public.test/', 'data:,x'])
      await expect(guard.checkUrl(url)).rejects.toThrow(/Only http and https addresses can be called/);
    await expect(guard.checkUrl('http://user:pw@api.public.test/')).rejects.toThrow(/credentials in a header/);
    await expect(guard.checkUrl('not a url')).rejects.toThrow(/not a valid address/);
  });

  it('names each kind of special address', () => {
    expect(classifyAddress('127.0.0.1')).toBe('loopback');
    expect(classifyAddress('::ffff:10.0.0.1')).toBe('ipv4-in-ipv6');
    expect(classifyAddress('64:ff9b::a00:1')).toBe('private');
    expect(classifyAddress('fd00::1')).toBe('unique-local');
    expect(classifyAddress('0.1.2.3')).toBe('unspecified');
    expect(classifyAddress('239.255.255.250')).toBe('multicast');
    expect(classifyAddress('255.255.255.255')).toBe('broadcast');
    expect(classifyAddress('198.18.0.1')).toBe('reserved');
  });

  it('reads SMTP-style host names the way a URL would', async () => {
    expect(normalizeHost('127.1')).toBe('127.0.0.1');
    expect(normalizeHost('0x7f.1')).toBe('127.0.0.1');
    expect(normalizeHost('::1')).toBe('::1');
    expect(normalizeHost('[::ffff:127.0.0.1]')).toBe('::ffff:7f00:1');
    expect(normalizeHost('Mail.Example.COM')).toBe('mail.example.com');
    expect(() => normalizeHost('a@b')).toThrow(/not a host name/);
    expect(() => normalizeHost('smtp.test:25')).toThrow(/port separately/);
    const guard = createEgressGuard({ resolve: nowhere });
    await expect(guard.checkHost('017700000001')).rejects.toThrow(/loopback/);
  });
});

describe('what an operator opens', () => {
  it('is closed by default; "on" opens private networks but not loopback or metadata; a list opens exactly it', () => {
    expect(egressOptionsFromEnv({})).toEqual({});
    expect(egressOptionsFromEnv({ TILLFLOW_EGRESS_ALLOW_PRIVATE: 'off' })).toEqual({});
    const on = createEgressGuard(egressOptionsFromEnv({ TILLFLOW_EGRESS_ALLOW_PRIVATE: 'on' }));
    expect(on.refusal('10.1.2.3')).toBeNull();
    expect(on.refusal('fd00::5')).toBeNull();
    expect(on.refusal('127.0.0.1')).toMatch(/loopback/);
    expect(on.refusal('169.254.169.254')).toMatch(/link-local/);
    const listed = createEgressGuard(egressOptionsFromEnv({ TILLFLOW_EGRESS_ALLOW_PRIVATE: '10.5.0.0/16, 127.0.0.1' }));
    expect(listed.refusal('10.5.9.9')).toBeNull();
    expect(listed.refusal('::ffff:10.5.9.9')).toBeNull();
    expect(listed.refusal('127.0.0.1')).toBeNull();
    expect(listed.refusal('10.6.0.1')).toMatch(/private network/);
    expect(listed.refusal('127.0.0.2')).toMatch(/loopback/);
    expect(() => egressOptionsFromEnv({ TILLFLOW_EGRESS_ALLOW_PRIVATE: 'yes please' })).toThrow(
      /TILLFLOW_EGRESS_ALLOW_PRIVATE must be on, off or address ranges/,
    );
  });
});

describe('calls through the guard', () => {
  it('connects to the address it checked, whatever the system resolver would say', async () => {
    routes.set('/hello', (req, res) => res.end(JSON.stringify({ host: req.headers.host, method: req.method })));
    const response = await testGuard().fetch(`http://api.public.test:${port}/hello`);
    // The system resolver has never heard of api.public.test: the socket went to the checked 127.0.0.1.
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text())).toEqual({ host: `api.public.test:${port}`, method: 'GET' });
  });

  it.each([
    'http://127.0.0.2/',
    'http://0x7f.0.0.2/',
    'http://[::1]/',
    'http://localhost/',
    'http://10.0.0.1/',
    'http://169.254.169.254/latest/meta-data/',
  ])('refuses a redirect from an allowed host to %s', async (to) => {
    routes.set('/jump', (_req, res) => res.writeHead(302, { location: to }).end());
    const refused = await testGuard()
      .fetch(`http://api.public.test:${port}/jump`)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(EgressRefusedError);
    expect((refused as Error).message).toMatch(/is blocked/);
  });

  it('follows allowed redirects (303 becomes GET, credentials dropped across origins) up to the limit', async () => {
    let seen: IncomingMessage | null = null;
    routes.set('/see-other', (_req, res) => res.writeHead(303, { location: `http://127.0.0.1:${port}/landing` }).end());
    routes.set('/landing', (req, res) => {
      seen = req;
      res.end('landed');
    });
    const response = await testGuard().fetch(`http://api.public.test:${port}/see-other`, {
      method: 'POST',
      body: '{"a":1}',
      headers: { authorization: 'Bearer x', 'content-type': 'application/json' },
    });
    expect(response.text()).toBe('landed');
    expect(response.redirects).toEqual([`http://127.0.0.1:${port}/landing`]);
    expect(seen!.method).toBe('GET');
    expect(seen!.headers.authorization).toBeUndefined();

    routes.set('/loop', (_req, res) => res.writeHead(307, { location: '/loop' }).end());
    const looped = await testGuard({ maxRedirects: 3 })
      .fetch(`http://api.public.test:${port}/loop`)
      .catch((e: unknown) => e);
    expect((looped as EgressError).code).toBe('EGRESS_TOO_MANY_REDIRECTS');
  });

  it('stops reading a response at the byte cap, compressed or chunked', async () => {
    routes.set('/big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' }); // chunked: no content-length
      for (let i = 0; i < 40; i++) res.write('x'.repeat(64 * 1024));
      res.end();
    });
    const bomb = gzipSync(Buffer.alloc(20 * 1024 * 1024));
    routes.set('/bomb', (_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(bomb));
    const guard = testGuard({ maxResponseBytes: 1024 * 1024 });
    for (const path of ['/big', '/bomb']) {
      const error = await guard.fetch(`http://api.public.test:${port}${path}`).catch((e: unknown) => e);
      expect((error as EgressError).code, path).toBe('EGRESS_TOO_LARGE');
      expect((error as Error).message).toBe(`The response from api.public.test:${port} is larger than 1048576 bytes.`);
    }
  });

  it('gives up at the deadline: hangs up on a server that never answers and says how long it waited', async () => {
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => (hungUp = resolve));
    routes.set('/slow', (req) => req.socket.on('close', hungUp)); // never answers
    const error = await testGuard({ timeoutMs: 300 })
      .fetch(`http://api.public.test:${port}/slow`)
      .catch((e: unknown) => e);
    expect((error as EgressError).code).toBe('EGRESS_TIMEOUT');
    expect((error as EgressError).permanent).toBe(false);
    expect((error as Error).message).toBe(`api.public.test:${port} did not answer within 300 ms.`);
    // Without the deadline the call would wait for the server forever and this test would time out;
    // no wall-clock bound here, since a loaded CI machine can stall a worker for seconds.
    await closed;
  });
});
