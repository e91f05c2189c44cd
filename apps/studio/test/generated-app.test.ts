import { findEndUserCredentials, insertRow } from '@tillflow/data-model';
import { appSessions, type DbHandle } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { getChangeHub } from '@tillflow/realtime';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appClient } from './app-client';
import { appWithOwnedOrders, signUpBuilder, waitFor } from './helpers';

describe('generated app: end-user auth and realtime over the app endpoint', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(async () => {
    await getChangeHub(handle).close();
    await handle.close();
  });

  async function newApp() {
    const builder = await signUpBuilder(handle, 'appbuilder');
    const slug = `app-${uniqueSuffix()}`;
    const project = await builder.caller.project.create({ name: 'Shop', slug });
    return { builder, project, slug };
  }

  it('signs up, signs in and out with an httpOnly cookie scoped to the app path', async () => {
    const { project, slug } = await newApp();
    const ann = appClient(handle, slug);
    const email = `ann-${uniqueSuffix()}@example.test`;
    const signedUp = await ann.mutation<{ user: { email: string; role: string } }>('signUp', {
      email,
      password: 'long-enough-1',
    });
    expect(signedUp.user).toMatchObject({ email, role: 'user' });
    expect(ann.lastSetCookie).toMatch(new RegExp(`^tf_app_session=[^;]+; Path=/app/${slug}; HttpOnly; SameSite=Lax`));
    expect((await ann.query<{ me: { email: string } | null }>('info')).me?.email).toBe(email);

    // The password is stored as a memory-hard hash, the session as a SHA-256 of the token.
    const creds = await findEndUserCredentials(handle.db, project.id, email);
    expect(creds?.passwordHash).toBeTruthy();
    expect(creds?.passwordHash).not.toContain('long-enough-1');
    const token = decodeURIComponent(String(ann.cookie).split('=')[1]);
    expect(await handle.db.select().from(appSessions).where(eq(appSessions.tokenHash, token))).toEqual([]);

    await ann.mutation('signOut');
    expect(ann.cookie).toBeNull();
    // The old token no longer works even if replayed.
    const replay = appClient(handle, slug, { cookie: `tf_app_session=${encodeURIComponent(token)}` });
    expect((await replay.query<{ me: unknown }>('info')).me).toBeNull();

    const again = appClient(handle, slug);
    await again.mutation('signIn', { email: email.toUpperCase(), password: 'long-enough-1' });
    expect((await again.query<{ me: { email: string } | null }>('info')).me?.email).toBe(email);
  });

  it('refuses a wrong password, an unknown email and a duplicate sign-up with clear errors', async () => {
    const { slug } = await newApp();
    const client = appClient(handle, slug);
    const email = `bo-${uniqueSuffix()}@example.test`;
    await client.mutation('signUp', { email, password: 'long-enough-2' });
    const other = appClient(handle, slug);
    await expect(other.mutation('signIn', { email, password: 'wrong-password' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Wrong email or password.',
    });
    await expect(
      other.mutation('signIn', { email: `nobody-${uniqueSuffix()}@example.test`, password: 'whatever-123' }),
    ).rejects.toMatchObject({ message: 'Wrong email or password.' });
    expect(other.cookie).toBeNull();
    await expect(other.mutation('signUp', { email, password: 'another-pass-3' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(other.mutation('signUp', { email: 'not-an-email', password: 'long-enough-2' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(
      other.mutation('signUp', { email: `s-${uniqueSuffix()}@x.test`, password: 'short' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('a builder session grants nothing in the app, and an app session is bound to its project', async () => {
    const { builder, slug } = await newApp();
    // The studio's API does not serve the app's procedures at all (only /app/<slug>/api/trpc does)…
    const studioApi = builder.caller as unknown as { app: { info: (input: unknown) => Promise<unknown> } };
    await expect(studioApi.app.info({ projectSlug: slug })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // …and the builder's studio session, sent to the app's endpoint, is nobody there.
    const signedIn = await builder.auth.api.signInEmail({
      body: { email: builder.user.email, password: 'correct-horse-9' },
      returnHeaders: true,
    });
    const studioCookie = signedIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect(studioCookie).toContain('session_token=');
    const asBuilder = appClient(handle, slug, { cookie: studioCookie });
    expect((await asBuilder.query<{ me: unknown }>('info')).me).toBeNull();
    await expect(asBuilder.query('myOrders')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });

    const ann = appClient(handle, slug);
    await ann.mutation('signUp', { email: `ann-${uniqueSuffix()}@example.test`, password: 'long-enough-1' });
    const { slug: otherSlug } = await newApp();
    const elsewhere = appClient(handle, otherSlug, { cookie: String(ann.cookie) });
    expect((await elsewhere.query<{ me: unknown }>('info')).me).toBeNull();
  });

  it('streams changes over SSE only to the owner, and resumes from lastEventId', async () => {
    const { project, ann: annApp, bob: bobApp } = await appWithOwnedOrders(handle);
    const [ann, annUser, bob, bobUser] = [annApp.client, annApp.user, bobApp.client, bobApp.user];
    const hub = getChangeHub(handle);
    const annStream = await ann.subscribe({ tables: ['order'] });
    const bobStream = await bob.subscribe({ tables: ['order'] });
    expect(annStream.status).toBe(200);
    await waitFor(() => hub.subscriberCount(project.id) === 2);

    const backend = { kind: 'backend' } as const;
    const annOrder = await insertRow(handle.db, project.id, backend, 'order', { title: 'for ann', buyer: annUser.id });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'for bob', buyer: bobUser.id });
    await waitFor(() => annStream.events.length === 1 && bobStream.events.length === 1);
    expect(annStream.events[0].data).toMatchObject({ table: 'order', op: 'INSERT', rowId: annOrder.id });
    expect(annStream.events[0].data.row?.title).toBe('for ann');
    expect(bobStream.events[0].data.row?.title).toBe('for bob');
    const lastEventId = annStream.events[0].id;
    await annStream.close();
    await bobStream.close();

    // Missed while disconnected: replayed on reconnect with lastEventId.
    await insertRow(handle.db, project.id, backend, 'order', { title: 'missed', buyer: annUser.id });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'not ann', buyer: bobUser.id });
    const resumed = await ann.subscribe({ tables: ['order'], lastEventId });
    await waitFor(() => resumed.events.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    await resumed.close();
    expect(resumed.events.map((e) => e.data.row?.title)).toEqual(['missed']);
    expect(Number(resumed.events[0].id)).toBeGreaterThan(Number(lastEventId));
  });
});
