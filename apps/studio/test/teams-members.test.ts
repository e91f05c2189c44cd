import { authSession, createDb, type DbHandle, projectInvitations, projects } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { getChangeHub } from '@tillflow/realtime';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '~/server/api/root';
import { liveStreamCount, trackLiveStream } from '~/server/teams/live-streams';
import { signUpBuilder, waitFor } from './helpers';

// Members, invitations, ownership, the audit trail and sessions, through the studio's tRPC API.

type Builder = Awaited<ReturnType<typeof signUpBuilder>>;

/** Reads a live stream to its end: resolves with the error that ended it (or 'done'). */
function drain(stream: AsyncIterable<unknown>): Promise<unknown> {
  return (async () => {
    try {
      for await (const _ of stream);
      return 'done';
    } catch (error) {
      return error;
    }
  })();
}

describe('teams: members, invitations, audit, sessions', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  async function shop() {
    const owner = await signUpBuilder(handle, 'owner');
    const project = await owner.caller.project.create({ name: 'Team shop', slug: `team-${uniqueSuffix()}` });
    return { owner, project, projectId: project.id };
  }

  /** Invites `who` as `role` and accepts as them; returns the invitation as the owner saw it. */
  async function join(
    owner: Builder,
    projectId: number,
    who: Builder,
    role: 'owner' | 'editor' | 'finance' | 'viewer',
  ) {
    const sent = await owner.caller.members.invite({ projectId, email: who.user.email, role });
    const token = sent.link.split('/invite/')[1];
    await who.caller.invitations.accept({ token });
    return { ...sent, token };
  }

  it('an invitation is mailed (captured in the Mailbox without SMTP), works once, and only for its email', async () => {
    const { owner, projectId } = await shop();
    const ed = await signUpBuilder(handle, 'ed');
    const stranger = await signUpBuilder(handle, 'stranger');
    const sent = await owner.caller.members.invite({ projectId, email: ed.user.email.toUpperCase(), role: 'editor' });
    expect(sent).toMatchObject({ email: ed.user.email, role: 'editor', delivery: 'mailbox' });
    expect(sent.link).toMatch(/\/invite\/[A-Za-z0-9_-]{40,}$/);
    const token = sent.link.split('/invite/')[1];
    // The email waits in the project's Mailbox with the link.
    const mail = await owner.caller.mailbox.list({ projectId });
    expect(mail.find((m) => m.toAddress === ed.user.email)?.subject).toContain('invited you to Team shop');
    expect((await owner.caller.mailbox.get({ projectId, messageId: mail[0].id })).text).toContain(sent.link);
    // Pending until accepted; the token itself is stored only hashed.
    expect((await owner.caller.members.invitations({ projectId })).map((i) => i.email)).toEqual([ed.user.email]);
    const [stored] = await handle.db.select().from(projectInvitations).where(eq(projectInvitations.id, sent.id));
    expect(stored.tokenHash).not.toContain(token);
    // Another account cannot use it (even with the link), and cannot see the project.
    expect(await stranger.caller.invitations.peek({ token })).toMatchObject({
      projectName: 'Team shop',
      role: 'editor',
    });
    await expect(stranger.caller.invitations.accept({ token })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining(`This invitation is for ${ed.user.email}`),
    });
    await expect(stranger.caller.project.get({ projectId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // The invited account joins with the invited role.
    expect(await ed.caller.invitations.accept({ token })).toMatchObject({ projectId, role: 'editor' });
    expect((await ed.caller.project.list()).map((p) => [p.id, p.role])).toEqual([[projectId, 'editor']]);
    // Single use.
    await expect(ed.caller.invitations.accept({ token })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('already used'),
    });
    expect(await owner.caller.members.invitations({ projectId })).toEqual([]);
    // Unknown tokens say so.
    await expect(ed.caller.invitations.accept({ token: 'x'.repeat(43) })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('an expired or withdrawn invitation cannot be accepted', async () => {
    const { owner, projectId } = await shop();
    const fin = await signUpBuilder(handle, 'fin');
    const sent = await owner.caller.members.invite({ projectId, email: fin.user.email, role: 'finance' });
    const token = sent.link.split('/invite/')[1];
    await handle.db
      .update(projectInvitations)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(projectInvitations.id, sent.id));
    await expect(fin.caller.invitations.accept({ token })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('expired'),
    });
    await expect(fin.caller.invitations.peek({ token })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(await owner.caller.members.invitations({ projectId })).toEqual([]);
    // A new invitation replaces an open one: the older link stops working.
    const first = await owner.caller.members.invite({ projectId, email: fin.user.email, role: 'finance' });
    const second = await owner.caller.members.invite({ projectId, email: fin.user.email, role: 'viewer' });
    await expect(fin.caller.invitations.accept({ token: first.link.split('/invite/')[1] })).rejects.toMatchObject({
      message: expect.stringContaining('withdrawn'),
    });
    await owner.caller.members.revokeInvitation({ projectId, id: second.id });
    await expect(fin.caller.invitations.accept({ token: second.link.split('/invite/')[1] })).rejects.toMatchObject({
      message: expect.stringContaining('withdrawn'),
    });
    await expect(fin.caller.project.get({ projectId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Inviting someone who is already a member is refused.
    await expect(
      owner.caller.members.invite({ projectId, email: owner.user.email, role: 'viewer' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('ownership can be handed over; the last owner can neither leave nor be demoted or removed', async () => {
    const { owner, projectId } = await shop();
    const ed = await signUpBuilder(handle, 'ed');
    await join(owner, projectId, ed, 'editor');
    await expect(owner.caller.members.leave({ projectId })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('only owner'),
    });
    await expect(
      owner.caller.members.setRole({ projectId, userId: owner.user.id, role: 'viewer' }),
    ).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    // An editor cannot take the project.
    await expect(ed.caller.members.transferOwnership({ projectId, userId: ed.user.id })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await owner.caller.members.transferOwnership({ projectId, userId: ed.user.id });
    const { members } = await ed.caller.members.list({ projectId });
    expect(members.map((m) => [m.email, m.role])).toEqual([
      [ed.user.email, 'owner'],
      [owner.user.email, 'editor'],
    ]);
    // The primary owner (who operations alerts go to) follows.
    const [row] = await handle.db
      .select({ ownerId: projects.ownerId })
      .from(projects)
      .where(eq(projects.id, projectId));
    expect(row.ownerId).toBe(ed.user.id);
    // The former owner is an editor now: keys are refused, and they can leave.
    await expect(
      owner.caller.payments.saveKeys({ projectId, publishableKey: 'pk_test_x', secretKey: 'sk_test_x' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('Your role here is Editor') });
    await owner.caller.members.leave({ projectId });
    await expect(owner.caller.project.get({ projectId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(ed.caller.members.leave({ projectId })).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
  });

  it('removing a member ends their access and their open live stream at once', async () => {
    const { owner, projectId } = await shop();
    const viewer = await signUpBuilder(handle, 'viewer');
    await join(owner, projectId, viewer, 'viewer');
    const [session] = await handle.db.select().from(authSession).where(eq(authSession.userId, viewer.user.id));
    const caller = createCaller({
      db: handle,
      user: { ...viewer.user, sessionId: session.id },
      headers: new Headers(),
    });
    const ended = drain((await caller.realtime.changes({ projectId })) as AsyncIterable<unknown>);
    await waitFor(() => liveStreamCount(handle) > 0 && getChangeHub(handle).subscriberCount(projectId) > 0, 10_000);
    // Nothing re-checks a member's role on a timer: the stream ends now, on the removal, or never.
    await owner.caller.members.remove({ projectId, userId: viewer.user.id });
    expect(await ended).toMatchObject({ code: 'FORBIDDEN' });
    await waitFor(() => getChangeHub(handle).subscriberCount(projectId) === 0);
    await expect(caller.members.list({ projectId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(caller.realtime.changes({ projectId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a role change ends the member’s streams in another studio process at once (NOTIFY), and only theirs', async () => {
    const { owner, projectId } = await shop();
    const ed = await signUpBuilder(handle, 'ed');
    const fin = await signUpBuilder(handle, 'fin');
    await join(owner, projectId, ed, 'editor');
    await join(owner, projectId, fin, 'finance');
    // PostgreSQL: a second, independent handle (its own connections and LISTEN), as another studio process has.
    // PGlite is single-process: the same handle's listener gets the signal.
    const other = handle.url ? await createDb({ url: handle.url, migrate: false }) : handle;
    try {
      const edStream = await trackLiveStream(other, { projectId, userId: ed.user.id, sessionId: null }, undefined);
      const finStream = await trackLiveStream(other, { projectId, userId: fin.user.id, sessionId: null }, undefined);
      // Nothing re-checks a member's role on a timer: the stream ends on the NOTIFY, or never.
      await owner.caller.members.setRole({ projectId, userId: ed.user.id, role: 'viewer' });
      await waitFor(() => edStream.signal.aborted, 10_000);
      expect(edStream.ended()).toBe(true);
      // Someone else's stream stays open; a refused change (the last owner) sends nothing.
      await expect(
        owner.caller.members.setRole({ projectId, userId: owner.user.id, role: 'editor' }),
      ).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
      const ownerStream = await trackLiveStream(
        other,
        { projectId, userId: owner.user.id, sessionId: null },
        undefined,
      );
      await owner.caller.members.remove({ projectId, userId: fin.user.id });
      await waitFor(() => finStream.signal.aborted, 5000);
      expect(ownerStream.signal.aborted).toBe(false);
      for (const s of [edStream, finStream, ownerStream]) s.done();
    } finally {
      if (other !== handle) await other.close();
    }
  });

  it('a member lists their own sessions and revoking one ends its live stream', async () => {
    const { owner, projectId } = await shop();
    const fin = await signUpBuilder(handle, 'fin');
    await join(owner, projectId, fin, 'finance');
    const second = await fin.auth.api.signInEmail({ body: { email: fin.user.email, password: 'correct-horse-9' } });
    expect(second.token).toBeTruthy();
    const sessions = await handle.db.select().from(authSession).where(eq(authSession.userId, fin.user.id));
    expect(sessions).toHaveLength(2);
    const [mine, other] = sessions;
    const here = createCaller({ db: handle, user: { ...fin.user, sessionId: mine.id }, headers: new Headers() });
    const there = createCaller({ db: handle, user: { ...fin.user, sessionId: other.id }, headers: new Headers() });
    const listed = await here.sessions.list();
    expect(listed.map((s) => [s.id, s.current]).sort()).toEqual(
      [
        [mine.id, true],
        [other.id, false],
      ].sort(),
    );
    // Nobody else's sessions: the owner cannot revoke the finance member's session.
    await expect(owner.caller.sessions.revoke({ sessionId: other.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const ended = drain((await there.realtime.changes({ projectId })) as AsyncIterable<unknown>);
    await waitFor(() => getChangeHub(handle).subscriberCount(projectId) > 0, 10_000);
    await here.sessions.revoke({ sessionId: other.id });
    expect(await ended).toMatchObject({ code: 'FORBIDDEN' });
    expect((await here.sessions.list()).map((s) => s.id)).toEqual([mine.id]);
    // The revoked session no longer signs anybody in.
    expect(await fin.auth.api.getSession({ headers: new Headers({ authorization: `Bearer ${second.token}` }) })).toBe(
      null,
    );
  });

  it('the audit trail records who did what, with before/after, searchable and filterable; keys never appear', async () => {
    const { owner, projectId } = await shop();
    const ed = await signUpBuilder(handle, 'ed');
    const fin = await signUpBuilder(handle, 'fin');
    await join(owner, projectId, ed, 'editor');
    await join(owner, projectId, fin, 'finance');
    await ed.caller.dataModel.createTable({ projectId, name: 'orders', columns: [{ name: 'title', type: 'text' }] });
    await ed.caller.dataModel.addColumn({ projectId, table: 'orders', column: { name: 'note', type: 'text' } });
    await owner.caller.members.setRole({ projectId, userId: fin.user.id, role: 'viewer' });
    // Refused calls are not recorded.
    await expect(ed.caller.members.setRole({ projectId, userId: fin.user.id, role: 'owner' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const secret = `sk_test_${'9'.repeat(24)}`;
    await owner.caller.payments
      .saveKeys({ projectId, publishableKey: `pk_test_${'9'.repeat(24)}`, secretKey: secret })
      .catch(() => undefined); // the key is checked against Stripe and refused; a refused save records nothing

    const { entries } = await fin.caller.activity.list({ projectId });
    const lines = entries.map((e) => `${e.actorName}: ${e.summary}`);
    expect(lines).toEqual([
      `owner: Changed fin’s role from Finance to Viewer`,
      'ed: Added column note (text) to orders',
      'ed: Created table orders',
      `fin: fin joined as Finance`,
      `owner: Invited ${fin.user.email} as Finance`,
      `ed: ed joined as Editor`,
      `owner: Invited ${ed.user.email} as Editor`,
    ]);
    const roleChange = entries[0];
    expect(roleChange).toMatchObject({
      action: 'members.setRole',
      area: 'members',
      actorEmail: owner.user.email,
      before: { role: 'finance' },
      after: { role: 'viewer' },
    });
    expect(roleChange.createdAt).toBeInstanceOf(Date);
    expect(JSON.stringify(entries)).not.toContain(secret);
    // Filter by area, search by words or by who.
    expect((await owner.caller.activity.list({ projectId, area: 'schema' })).entries.map((e) => e.summary)).toEqual([
      'Added column note (text) to orders',
      'Created table orders',
    ]);
    expect((await owner.caller.activity.list({ projectId, search: 'NOTE' })).entries).toHaveLength(1);
    expect((await owner.caller.activity.list({ projectId, search: ed.user.email })).entries).toHaveLength(4);
    expect((await owner.caller.activity.list({ projectId, actorId: fin.user.id })).entries).toHaveLength(1);
    // Paged by id.
    const page = await owner.caller.activity.list({ projectId, cursor: entries[1].id });
    expect(page.entries.map((e) => e.summary)).toEqual(entries.slice(2).map((e) => e.summary));
  });

  it('only owners are shown even the masked Stripe secret key; other members see that keys are set', async () => {
    const { owner, projectId } = await shop();
    const fran = await signUpBuilder(handle, 'fran');
    await join(owner, projectId, fran, 'finance');
    await owner.caller.dataModel.createTable({ projectId, name: 'order', columns: [{ name: 'title', type: 'text' }] });
    await owner.caller.payments.activate({ projectId, orderTable: 'order', confirmPermanent: true });
    const mine = await owner.caller.payments.settings({ projectId });
    expect(mine.secretKeyMasked).toMatch(/^sk_test_/);
    const theirs = await fran.caller.payments.settings({ projectId });
    expect(theirs.secretKeyMasked).toBeNull();
    expect(theirs.hasSecretKey).toBe(true);
    expect(JSON.stringify(theirs)).not.toMatch(/sk_(test|live)_/);
  });
});
