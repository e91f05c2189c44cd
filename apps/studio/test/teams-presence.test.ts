import { authSession, canvasPresence, type DbHandle } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '~/server/api/root';
import { PRESENCE_TTL_MS } from '~/server/teams/presence';
import { signUpBuilder } from './helpers';

// Canvas presence: who else has a flow open (heartbeat mutation + query), per browser session, members only.

describe('teams: canvas presence', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  /** A member's caller bound to their own better-auth session (presence rows belong to a session). */
  async function withSession(who: Awaited<ReturnType<typeof signUpBuilder>>) {
    const [session] = await handle.db.select().from(authSession).where(eq(authSession.userId, who.user.id));
    return createCaller({ db: handle, user: { ...who.user, sessionId: session.id }, headers: new Headers() });
  }

  it('shows who has the flow open, by name, until they leave or stop sending heartbeats', async () => {
    const owner = await signUpBuilder(handle, 'Olive');
    const project = await owner.caller.project.create({ name: 'Team shop', slug: `pres-${uniqueSuffix()}` });
    const projectId = project.id;
    const ed = await signUpBuilder(handle, 'Eddie');
    const stranger = await signUpBuilder(handle, 'Stranger');
    const sent = await owner.caller.members.invite({ projectId, email: ed.user.email, role: 'editor' });
    await ed.caller.invitations.accept({ token: sent.link.split('/invite/')[1] });
    const { id: flowId } = await owner.caller.flows.create({ projectId, name: 'Reserve stock', events: [] });
    const other = (await owner.caller.flows.create({ projectId, name: 'Other', events: [] })).id;

    const olive = await withSession(owner);
    const eddie = await withSession(ed);
    expect(await olive.flows.present({ projectId, flowId })).toEqual([]);

    await olive.flows.presence({ projectId, flowId });
    await eddie.flows.presence({ projectId, flowId });
    await eddie.flows.presence({ projectId, flowId }); // a second heartbeat is the same row
    expect(await olive.flows.present({ projectId, flowId })).toEqual([
      { userId: ed.user.id, name: 'Eddie', email: ed.user.email.toLowerCase(), you: false, selection: [] },
      { userId: owner.user.id, name: 'Olive', email: owner.user.email.toLowerCase(), you: true, selection: [] },
    ]);
    // The heartbeat carries what each has selected; the others see it (the canvas outlines those nodes).
    await eddie.flows.presence({ projectId, flowId, selection: ['trigger', 'mark_paid'] });
    expect((await olive.flows.present({ projectId, flowId })).find((p) => p.name === 'Eddie')?.selection).toEqual([
      'trigger',
      'mark_paid',
    ]);
    // A huge selection is capped; a deselect clears it.
    await eddie.flows.presence({ projectId, flowId, selection: Array.from({ length: 80 }, (_, i) => `n${i}`) });
    expect((await olive.flows.present({ projectId, flowId })).find((p) => p.name === 'Eddie')?.selection).toHaveLength(
      50,
    );
    await eddie.flows.presence({ projectId, flowId, selection: [] });
    expect((await olive.flows.present({ projectId, flowId })).find((p) => p.name === 'Eddie')?.selection).toEqual([]);
    // Per flow: nobody is on the other one.
    expect(await olive.flows.present({ projectId, flowId: other })).toEqual([]);
    expect(await handle.db.select().from(canvasPresence).where(eq(canvasPresence.projectId, projectId))).toHaveLength(
      2,
    );

    // Leaving removes them at once.
    await eddie.flows.leaveCanvas({ projectId, flowId });
    expect((await olive.flows.present({ projectId, flowId })).map((p) => p.name)).toEqual(['Olive']);

    // A heartbeat older than the TTL no longer counts (the tab was closed without saying so): a tab that died
    // 13 s ago is gone (a little over two 5 s heartbeats), one 8 s ago still counts.
    expect(PRESENCE_TTL_MS).toBeLessThanOrEqual(12_000);
    await eddie.flows.presence({ projectId, flowId });
    await handle.db
      .update(canvasPresence)
      .set({ seenAt: new Date(Date.now() - 8000) })
      .where(eq(canvasPresence.userId, ed.user.id));
    expect((await olive.flows.present({ projectId, flowId })).map((p) => p.name).sort()).toEqual(['Eddie', 'Olive']);
    await handle.db
      .update(canvasPresence)
      .set({ seenAt: new Date(Date.now() - 13_000) })
      .where(eq(canvasPresence.userId, ed.user.id));
    expect((await olive.flows.present({ projectId, flowId })).map((p) => p.name)).toEqual(['Olive']);
    await handle.db
      .update(canvasPresence)
      .set({ seenAt: new Date(Date.now() - PRESENCE_TTL_MS - 1000) })
      .where(eq(canvasPresence.userId, ed.user.id));
    expect((await olive.flows.present({ projectId, flowId })).map((p) => p.name)).toEqual(['Olive']);

    // Not a member: nothing to see or send.
    const outsider = await withSession(stranger);
    await expect(outsider.flows.present({ projectId, flowId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(outsider.flows.presence({ projectId, flowId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
