// @vitest-environment jsdom

import { cleanup, renderHook, waitFor } from '@testing-library/react';
import { authSession, type DbHandle } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { eq } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { useCanvasPresence } from '~/app/projects/[projectId]/flows/_components/canvas-presence';
import { createCaller, studioRouter } from '~/server/api/root';
import { addMember } from '~/server/teams/members';
import { asMember } from './as-member';
import { signUpBuilder } from './helpers';

// A canvas tab that is closed (pagehide) or hidden leaves the others' lists at once, not after the presence TTL:
// the browser sends flows.leaveCanvas as a keepalive request (which outlives the page), and a heartbeat again when
// the tab is visible. The request goes through the studio's real tRPC endpoint handler here, so its address and
// body are the ones the server takes.

describe('teams: a closed or hidden canvas tab leaves at once', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
  });

  it('on pagehide or when hidden the tab says it left (the real endpoint takes the request); visible again, it is back', async () => {
    const owner = await signUpBuilder(handle, 'olive');
    const editor = await signUpBuilder(handle, 'eddie');
    const project = await owner.caller.project.create({ name: 'Leave shop', slug: `leave-${uniqueSuffix()}` });
    const projectId = project.id;
    await addMember(handle.db, projectId, editor.user.id, 'editor');
    const { id: flowId } = await owner.caller.flows.create({ projectId, name: 'Reserve stock', events: [] });
    const sessionOf = async (userId: string) =>
      (await handle.db.select().from(authSession).where(eq(authSession.userId, userId)))[0].id;
    const oliveContext = {
      db: handle,
      user: { ...owner.user, sessionId: await sessionOf(owner.user.id) },
      headers: new Headers(),
    };
    const olive = createCaller(oliveContext);
    const eddie = createCaller({
      db: handle,
      user: { ...editor.user, sessionId: await sessionOf(editor.user.id) },
      headers: new Headers(),
    });
    await eddie.flows.presence({ projectId, flowId });
    const onCanvas = async () => (await eddie.flows.present({ projectId, flowId })).map((p) => p.name);

    // The browser's fetch: each request is handed to the studio's tRPC endpoint handler, signed in as Olive.
    const requests: { url: string; init: RequestInit; status?: number }[] = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      const sent: (typeof requests)[number] = { url, init };
      requests.push(sent);
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: new Request(new URL(url, 'http://studio.test'), init),
        router: studioRouter,
        createContext: () => oliveContext,
      });
      sent.status = response.status;
      return response;
    });
    let visibility: DocumentVisibilityState = 'visible';
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => visibility });

    // Olive opens the flow: her heartbeat puts her on Eddie's list.
    const wrap = asMember(olive);
    const { unmount } = renderHook(() => useCanvasPresence(projectId, flowId, new Set()), {
      wrapper: ({ children }) => wrap(children),
    });
    await waitFor(async () => expect(await onCanvas()).toEqual(['eddie', 'olive']));
    expect(requests).toHaveLength(0);

    // She closes the tab: one keepalive request, answered 200, and she is off Eddie's list (well inside the 12 s TTL).
    window.dispatchEvent(new Event('pagehide'));
    await waitFor(() => expect(requests[0]?.status).toBe(200));
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      url: '/api/trpc/flows.leaveCanvas',
      init: { method: 'POST', keepalive: true },
    });
    expect(await onCanvas()).toEqual(['eddie']);

    // The tab comes back (bfcache, another tab in front): a heartbeat at once, and she is on the list again.
    document.dispatchEvent(new Event('visibilitychange'));
    await waitFor(async () => expect(await onCanvas()).toEqual(['eddie', 'olive']));
    expect(requests).toHaveLength(1);

    // Hidden (she switched tabs or minimised): she leaves again.
    visibility = 'hidden';
    document.dispatchEvent(new Event('visibilitychange'));
    await waitFor(() => expect(requests[1]?.status).toBe(200));
    expect(requests[1].url).toBe('/api/trpc/flows.leaveCanvas');
    expect(await onCanvas()).toEqual(['eddie']);

    // Once the editor is gone, its listeners are too.
    unmount();
    window.dispatchEvent(new Event('pagehide'));
    expect(requests).toHaveLength(2);
  });
});
