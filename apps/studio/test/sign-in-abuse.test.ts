import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DbHandle } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildAuth } from '~/server/auth-config';
import { CLIENT_ADDRESS_HEADER, clientAddressOf, stampClientAddresses } from '~/server/http/client-address';
import { checkSignUp, resetSignInLimits } from '~/server/sign-in-guard';
import { appClient } from './app-client';
import { signUpBuilder } from './helpers';

const STRANGER = '203.0.113.9';
const OWNER = '198.51.100.7';
const from = (address: string) => ({ [CLIENT_ADDRESS_HEADER]: address });

describe('sign-in abuse', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
    // Requests in these tests carry the header the server would stamp from the socket.
    stampClientAddresses();
  });
  afterEach(() => {
    resetSignInLimits();
    delete process.env.TILLFLOW_AUTH_RATE_LIMIT;
  });
  afterAll(() => handle.close());

  async function appWithUser() {
    const builder = await signUpBuilder(handle, 'abuse');
    const slug = `abuse-${uniqueSuffix()}`;
    const project = await builder.caller.project.create({ name: 'Shop', slug });
    const email = `owner-${uniqueSuffix()}@example.test`;
    await appClient(handle, slug, from(OWNER)).mutation('signUp', { email, password: 'the-real-pass-1' });
    return { slug, email, projectId: project.id };
  }

  it("a stranger's 20 wrong passwords slow the stranger but not the app user signing in from elsewhere", async () => {
    const { slug, email } = await appWithUser();
    const stranger = appClient(handle, slug, from(STRANGER));
    const codes: string[] = [];
    for (let i = 0; i < 20; i++)
      codes.push(
        await stranger.mutation('signIn', { email, password: `guess-${i}-x` }).then(
          () => 'OK',
          (e: { code: string }) => e.code,
        ),
      );
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('BAD_REQUEST'));
    expect(codes.slice(5)).toEqual(Array(15).fill('TOO_MANY_REQUESTS'));
    // Even the right password is refused to the stranger's address while it backs off…
    await expect(stranger.mutation('signIn', { email, password: 'the-real-pass-1' })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringMatching(/Try again in \d+ seconds/),
    });
    // …and the owner, from their own address, signs in at once.
    const owner = appClient(handle, slug, from(OWNER));
    const signedIn = await owner.mutation<{ user: { email: string } }>('signIn', {
      email,
      password: 'the-real-pass-1',
    });
    expect(signedIn.user.email).toBe(email);
  });

  it("a stranger's 20 wrong passwords do not stop the builder signing in from elsewhere", async () => {
    const { user } = await signUpBuilder(handle, 'target');
    const auth = buildAuth(handle.db);
    const attempt = (password: string, address: string) =>
      auth.api.signInEmail({ body: { email: user.email, password }, headers: new Headers(from(address)) }).then(
        () => 200,
        (e: { statusCode: number }) => e.statusCode,
      );
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push(await attempt(`wrong-guess-${i}`, STRANGER));
    expect(statuses.slice(0, 5)).toEqual(Array(5).fill(401));
    expect(statuses.slice(5)).toEqual(Array(15).fill(429));
    expect(await attempt('correct-horse-9', STRANGER)).toBe(429);
    expect(await attempt('correct-horse-9', OWNER)).toBe(200);
  });

  it('limits end-user sign-ups per client address', async () => {
    const { slug, projectId } = await appWithUser();
    const signUp = (address: string) =>
      appClient(handle, slug, from(address))
        .mutation('signUp', { email: `bulk-${uniqueSuffix()}@example.test`, password: 'long-enough-1' })
        .then(
          () => 'OK',
          (e: { code: string }) => e.code,
        );
    // 20 sign-ups from one address use its allowance (counted without hashing 20 passwords)…
    for (let i = 0; i < 20; i++) expect((await checkSignUp(`app:${projectId}`, STRANGER)).ok).toBe(true);
    // …the 21st through the app is refused, while another address still signs up.
    expect(await signUp(STRANGER)).toBe('TOO_MANY_REQUESTS');
    expect(await signUp(OWNER)).toBe('OK');
  });

  it('TILLFLOW_AUTH_RATE_LIMIT=off turns every sign-in limit off (the e2e suite)', async () => {
    process.env.TILLFLOW_AUTH_RATE_LIMIT = 'off';
    const { slug, email } = await appWithUser();
    const client = appClient(handle, slug, from(STRANGER));
    for (let i = 0; i < 8; i++)
      await expect(client.mutation('signIn', { email, password: `guess-${i}-x` })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    await expect(client.mutation('signIn', { email, password: 'the-real-pass-1' })).resolves.toBeTruthy();
  });
});

describe('client addresses', () => {
  const fakeRequest = (peer: string, forwardedFor?: string) =>
    ({
      socket: { remoteAddress: peer },
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    }) as unknown as IncomingMessage;

  it('ignores X-Forwarded-For unless TILLFLOW_TRUST_PROXY says a proxy sets it', () => {
    expect(clientAddressOf(fakeRequest('::ffff:10.0.0.2', '1.2.3.4'), 0)).toBe('10.0.0.2');
    // One trusted proxy appends the peer it saw: the rightmost entry; the client's own claims are ignored.
    expect(clientAddressOf(fakeRequest('10.0.0.2', '1.2.3.4, 198.51.100.7'), 1)).toBe('198.51.100.7');
    expect(clientAddressOf(fakeRequest('10.0.0.2', '1.2.3.4, 198.51.100.7, 10.0.0.9'), 2)).toBe('198.51.100.7');
    expect(clientAddressOf(fakeRequest('10.0.0.2', 'not-an-ip'), 1)).toBe('10.0.0.2');
  });

  it('stamps the socket address over whatever header the client sent', async () => {
    stampClientAddresses();
    const server = createServer((req, res) => res.end(String(req.headers[CLIENT_ADDRESS_HEADER])));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const seen = await fetch(`http://127.0.0.1:${port}/`, {
      headers: { [CLIENT_ADDRESS_HEADER]: '6.6.6.6', 'x-forwarded-for': '6.6.6.6' },
    }).then((r) => r.text());
    await new Promise<void>((r) => server.close(() => r()));
    expect(seen).toBe('127.0.0.1');
  });
});
