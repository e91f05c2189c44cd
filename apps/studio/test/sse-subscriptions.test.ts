import { insertRow, setTablePermission } from '@tillflow/data-model';
import { appSessions, type DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { getChangeHub, PUSH_EVENTS, type PushHandlers } from '@tillflow/realtime';
import { createTRPCClient, httpSubscriptionLink, TRPCClientError } from '@trpc/client';
import { initTRPC, TRPCError, tracked } from '@trpc/server';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { eq } from 'drizzle-orm';
import { EventSource } from 'eventsource';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { handleSubscriptionRequest } from '~/server/api/sse';
import { type GeneratedAppApi, generatedAppEndpoint, handleGeneratedAppRequest } from '~/server/generated-app/http';
import { appWithOwnedOrders, waitFor } from './helpers';

/** The SSE events of a finished stream, blank lines ignored: what an EventSource would dispatch. */
async function readEvents(response: Response) {
  const text = await response.text();
  return text
    .split(/\n\n+/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event: Record<string, string> = {};
      for (const line of block.split('\n')) {
        const at = line.indexOf(':');
        if (at > 0) event[line.slice(0, at)] = line.slice(at + 1).replace(/^ /, '');
      }
      // Error shapes carry a dev-mode stack, which names the handler that built them.
      if (event.data?.includes('"stack"')) event.data = event.data.replace(/,"stack":"(?:[^"\\]|\\.)*"/, '');
      return event;
    });
}

/** A pushable subscription source (PUSH_EVENTS) that runs `push` once pushed to; it records being returned. */
function pushed(push: (handlers: PushHandlers<unknown>) => void) {
  const source = {
    returned: false,
    [PUSH_EVENTS]: (handlers: PushHandlers<unknown>) => queueMicrotask(() => push(handlers)),
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        throw new Error('a pushable source is not pulled');
      },
      return: async () => {
        source.returned = true;
        return { done: true as const, value: undefined };
      },
    }),
  };
  return source;
}
const floods: ReturnType<typeof pushed>[] = [];

describe('SSE subscriptions (the fan-out writer speaks tRPC’s protocol)', () => {
  // A router of its own, so tRPC's handler and ours can answer the same request.
  const t = initTRPC.create({ transformer: superjson });
  const router = t.router({
    ticks: t.procedure.input(z.object({ count: z.number().int().max(5) })).subscription(async function* ({ input }) {
      for (let i = 1; i <= input.count; i++) yield tracked(String(i), { i, at: new Date(Date.UTC(2026, 0, i)) });
    }),
    plain: t.procedure.subscription(async function* () {
      yield { hello: 'world' };
    }),
    failing: t.procedure.subscription(async function* () {
      yield tracked('1', { ok: true });
      throw new TRPCError({ code: 'CONFLICT', message: 'The stream broke.' });
    }),
    // The same streams, pushed (as the realtime hub's are): the writer must not tell them apart on the wire.
    pushedTicks: t.procedure.input(z.object({ count: z.number().int().max(5) })).subscription(({ input }) =>
      pushed((h) => {
        for (let i = 1; i <= input.count; i++) h.value(tracked(String(i), { i, at: new Date(Date.UTC(2026, 0, i)) }));
        h.end();
      }),
    ),
    pushedFailing: t.procedure.subscription(() =>
      pushed((h) => {
        h.value(tracked('1', { ok: true }));
        h.end(new TRPCError({ code: 'CONFLICT', message: 'The stream broke.' }));
      }),
    ),
    pushedReconnect: t.procedure.subscription(() =>
      pushed((h) => {
        h.value(tracked('1', { ok: true }));
        h.end(Object.assign(new Error('Your access changed; reconnect to continue.'), { reconnect: true }));
      }),
    ),
    flood: t.procedure.subscription(() => {
      const source = pushed((h) => {
        for (let i = 1; i <= 10_100; i++) h.value(tracked(String(i), { i }));
      });
      floods.push(source);
      return source;
    }),
  });
  const requestFor = (path: string, input?: unknown) =>
    new Request(
      `http://localhost/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`}`,
    );
  /** Our writer's answer to a subscription request for `path`. */
  const answer = async (path: string, input?: unknown) =>
    (await handleSubscriptionRequest({
      router,
      endpoint: '/trpc',
      req: requestFor(path, input),
      createContext: () => ({}),
    })) as Response;
  const both = async (path: string, input?: unknown) => {
    const ours = await answer(path, input);
    const theirs = await fetchRequestHandler({
      router,
      endpoint: '/trpc',
      req: requestFor(path, input),
      createContext: () => ({}),
    });
    if (!ours) throw new Error('not answered as a subscription');
    expect(ours.headers.get('content-type')).toBe(theirs.headers.get('content-type'));
    expect(ours.status).toBe(theirs.status);
    return { ours: await readEvents(ours), theirs: await readEvents(theirs) };
  };

  it('emits the same events as tRPC’s own producer: connected, tracked messages, return', async () => {
    const { ours, theirs } = await both('ticks', { count: 3 });
    expect(ours).toEqual(theirs);
    expect(ours.map((e) => e.event ?? e.id)).toEqual(['connected', '1', '2', '3', 'return']);
    expect(superjson.deserialize(JSON.parse(ours[1].data))).toEqual({ i: 1, at: new Date(Date.UTC(2026, 0, 1)) });
  });

  it('matches tRPC for untracked values, input errors and errors thrown mid-stream', async () => {
    for (const [path, input] of [
      ['plain', undefined],
      ['ticks', { count: 99 }],
      ['failing', undefined],
    ] as const) {
      const { ours, theirs } = await both(path, input);
      expect(ours, path).toEqual(theirs);
    }
    const { ours } = await both('ticks', { count: 99 });
    expect(ours.at(-1)?.event).toBe('serialized-error');
    expect(JSON.stringify(ours.at(-1))).toContain('BAD_REQUEST');
  });

  it('a pushed stream (the hub’s) reads exactly as the pulled one and as tRPC’s producer', async () => {
    const pulled = await both('ticks', { count: 3 });
    const ours = await answer('pushedTicks', { count: 3 });
    expect(await readEvents(ours)).toEqual(pulled.theirs);
    const failing = await both('failing');
    const pushedFailing = await answer('pushedFailing');
    const events = await readEvents(pushedFailing);
    expect(events.map((e) => e.event ?? e.id)).toEqual(['connected', '1', 'serialized-error']);
    expect(events.at(-1)?.data.replace(/pushedFailing/g, 'failing')).toBe(failing.theirs.at(-1)?.data);
  });

  it('a pushed stream that asks for a reconnect closes without `return`, so EventSource reconnects', async () => {
    const response = await answer('pushedReconnect');
    expect((await readEvents(response)).map((e) => e.event ?? e.id)).toEqual(['connected', '1']);
  });

  it('a client that falls 10 000 messages behind a pushed stream is cut off without `return` and its subscription ended', async () => {
    const response = await answer('flood');
    // Nothing was read while the source pushed 10 100 messages: the stream closed after the first 10 016.
    await waitFor(() => floods[0]?.returned === true);
    const events = await readEvents(response);
    expect(events[0].event).toBe('connected');
    expect(events.some((e) => e.event === 'return')).toBe(false);
    expect(events.length).toBeLessThan(10_100);
    expect(events.at(-1)?.id).toBe(String(events.length - 1));
  });

  it('leaves queries, mutations and batches to tRPC’s handler', async () => {
    const get = new Request('http://localhost/trpc/ticks,plain?batch=1');
    expect(
      await handleSubscriptionRequest({ router, endpoint: '/trpc', req: get, createContext: () => ({}) }),
    ).toBeNull();
    const malformed = new Request('http://localhost/trpc/%E0%A4%A');
    expect(
      await handleSubscriptionRequest({ router, endpoint: '/trpc', req: malformed, createContext: () => ({}) }),
    ).toBeNull();
    const post = new Request('http://localhost/trpc/plain', { method: 'POST', body: '{}' });
    expect(
      await handleSubscriptionRequest({ router, endpoint: '/trpc', req: post, createContext: () => ({}) }),
    ).toBeNull();
  });
});

describe('generated app changes through httpSubscriptionLink', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(async () => {
    await getChangeHub(handle).close();
    await handle.close();
  });

  /** tRPC's real client; EventSource's requests go straight to the app's handler, cookies included. */
  function linkClient(slug: string, cookie: string | null) {
    const fetchToHandler = (url: string | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      if (cookie) headers.set('cookie', cookie);
      return handleGeneratedAppRequest(handle, new Request(url, { ...init, headers }), slug);
    };
    return createTRPCClient<GeneratedAppApi>({
      links: [
        httpSubscriptionLink({
          url: `http://localhost${generatedAppEndpoint(slug)}`,
          transformer: superjson,
          EventSource,
          eventSourceOptions: { fetch: fetchToHandler },
        }),
      ],
    });
  }

  it('delivers the owner’s rows, skips others’, resumes after a reconnect and cleans up on unsubscribe', async () => {
    const { project, slug, ann, bob } = await appWithOwnedOrders(handle);
    const [annUser, bobUser] = [ann.user, bob.user];
    const hub = getChangeHub(handle);
    const backend = { kind: 'backend' } as const;

    const received: { id: string; title: unknown }[] = [];
    const client = linkClient(slug, ann.client.cookie);
    const subscription = client.app.changes.subscribe(
      { projectSlug: slug, tables: ['order'] },
      { onData: (event) => received.push({ id: event.id, title: event.data.row?.title }) },
    );
    await waitFor(() => hub.subscriberCount(project.id) === 1);
    const first = await insertRow(handle.db, project.id, backend, 'order', { title: 'for ann', buyer: annUser.id });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'for bob', buyer: bobUser.id });
    await waitFor(() => received.length === 1);
    expect(received[0].title).toBe('for ann');
    subscription.unsubscribe();
    await waitFor(() => hub.subscriberCount(project.id) === 0);

    // What happened while away is replayed when the link resumes from the last id it saw.
    await insertRow(handle.db, project.id, backend, 'order', { title: 'while away', buyer: annUser.id });
    const resumed: unknown[] = [];
    const again = client.app.changes.subscribe(
      { projectSlug: slug, tables: ['order'], lastEventId: received[0].id },
      { onData: (event) => resumed.push(event.data.row?.title) },
    );
    await waitFor(() => resumed.length === 1);
    expect(resumed).toEqual(['while away']);
    expect(first.id).toBeGreaterThan(0);
    again.unsubscribe();
    await waitFor(() => hub.subscriberCount(project.id) === 0);
  });

  it('a role change or a revoked session closes the stream; the link reconnects as whoever the caller is now', async () => {
    process.env.TILLFLOW_REALTIME_REVALIDATE_MS = '200';
    const { builder, project, slug, ann, bob } = await appWithOwnedOrders(handle);
    await setTablePermission(handle.db, project.id, {
      role: 'admin',
      table: 'order',
      operation: 'read',
      allowed: true,
      scope: 'all',
    });
    const hub = getChangeHub(handle);
    const backend = { kind: 'backend' } as const;
    const titles: unknown[] = [];
    let completed = false;
    const subscription = linkClient(slug, ann.client.cookie).app.changes.subscribe(
      { projectSlug: slug, tables: ['order'] },
      {
        onData: (event) => titles.push(event.data.row?.title),
        onComplete: () => {
          completed = true;
        },
      },
    );
    await waitFor(() => hub.subscriberCount(project.id) === 1);
    await insertRow(handle.db, project.id, backend, 'order', { title: 'bob 1', buyer: bob.user.id });
    await insertRow(handle.db, project.id, backend, 'order', { title: 'ann 1', buyer: ann.user.id });
    await waitFor(() => titles.length === 1);
    expect(titles).toEqual(['ann 1']);

    // Promoted to admin: her stream is re-authorised, and Bob's orders now reach her.
    await builder.caller.endUsers.setRole({ projectId: project.id, userId: ann.user.id, role: 'admin' });
    await waitFor(() => hub.subscriberCount(project.id) === 0);
    await waitFor(() => hub.subscriberCount(project.id) === 1, 10_000);
    await insertRow(handle.db, project.id, backend, 'order', { title: 'bob 2', buyer: bob.user.id });
    await waitFor(() => titles.includes('bob 2'));
    expect(completed).toBe(false);

    // Signed out elsewhere: the next check closes the stream, and as an anonymous caller she reads nothing.
    await handle.db.delete(appSessions).where(eq(appSessions.endUserId, ann.user.id));
    await waitFor(() => hub.subscriberCount(project.id) === 0, 5000);
    await waitFor(() => hub.subscriberCount(project.id) === 1, 10_000);
    const before = titles.length;
    await insertRow(handle.db, project.id, backend, 'order', { title: 'ann 2', buyer: ann.user.id });
    await new Promise((r) => setTimeout(r, 500));
    expect(titles.length).toBe(before);
    subscription.unsubscribe();
    delete process.env.TILLFLOW_REALTIME_REVALIDATE_MS;
  });

  it('surfaces the procedure’s refusal as a TRPCClientError with its code and message', async () => {
    const client = linkClient('no-such-app', null);
    const error = await new Promise<unknown>((resolve) => {
      const sub = client.app.changes.subscribe(
        { projectSlug: 'no-such-app' },
        {
          onError: (e) => {
            sub.unsubscribe();
            resolve(e);
          },
        },
      );
    });
    expect(error).toBeInstanceOf(TRPCClientError);
    expect(error).toMatchObject({ message: 'There is no app at this address.', data: { code: 'NOT_FOUND' } });
  });
});
