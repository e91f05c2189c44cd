import { TillflowError } from '@tillflow/core';
import { authUser, type DbHandle, type Executor, type Project, projectMembers, projects } from '@tillflow/db';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { endLiveStreams } from './live-streams';
import { type MemberRole, ROLE_LABELS } from './policy';

// A project's members and their roles. Every change runs with the project row locked, so two owners acting at
// once can never leave a project without an owner.

export interface MemberChange {
  userId: string;
  name: string;
  email: string;
  before: MemberRole | null;
  after: MemberRole | null;
}

/** The project and the caller's role in it, or null when they are not a member (or it does not exist). */
export async function membershipOf(db: Executor, projectId: number, userId: string) {
  const [row] = await db
    .select({ project: projects, role: projectMembers.role })
    .from(projects)
    .innerJoin(projectMembers, and(eq(projectMembers.projectId, projects.id), eq(projectMembers.userId, userId)))
    .where(eq(projects.id, projectId));
  return row ? { project: row.project, role: row.role as MemberRole } : null;
}

/** Builder accounts' names by id (who published a version, who asked for a review). */
export async function builderNames(db: Executor, ids: (string | null)[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids.filter((id): id is string => Boolean(id)))];
  if (!wanted.length) return new Map();
  const rows = await db
    .select({ id: authUser.id, name: authUser.name })
    .from(authUser)
    .where(inArray(authUser.id, wanted));
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function addMember(db: Executor, projectId: number, userId: string, role: MemberRole) {
  await db.insert(projectMembers).values({ projectId, userId, role }).onConflictDoNothing();
}

/** Members with their names and emails, owners first. */
export async function listMembers(db: Executor, projectId: number) {
  const rows = await db
    .select({
      userId: projectMembers.userId,
      role: projectMembers.role,
      name: authUser.name,
      email: authUser.email,
      since: projectMembers.createdAt,
    })
    .from(projectMembers)
    .innerJoin(authUser, eq(authUser.id, projectMembers.userId))
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(asc(projectMembers.createdAt));
  const order = { owner: 0, editor: 1, finance: 2, viewer: 3 } as Record<string, number>;
  return rows
    .map((r) => ({ ...r, role: r.role as MemberRole }))
    .sort((a, b) => (order[a.role] ?? 9) - (order[b.role] ?? 9));
}

type Tx = Parameters<Parameters<DbHandle['db']['transaction']>[0]>[0];

async function lockedMembers(tx: Tx, projectId: number) {
  await tx.execute(sql`select id from ${projects} where id = ${projectId} for update`);
  return listMembers(tx, projectId);
}

/** Keeps `project.owner_id` (who operations alerts and dispute emails go to) on a member who is an owner. */
async function keepPrimaryOwner(tx: Tx, projectId: number) {
  const owners = (await listMembers(tx, projectId)).filter((m) => m.role === 'owner');
  const [project] = await tx.select({ ownerId: projects.ownerId }).from(projects).where(eq(projects.id, projectId));
  if (owners.length && project && !owners.some((o) => o.userId === project.ownerId))
    await tx.update(projects).set({ ownerId: owners[0].userId }).where(eq(projects.id, projectId));
}

function findMember(members: Awaited<ReturnType<typeof listMembers>>, userId: string) {
  const member = members.find((m) => m.userId === userId);
  if (!member) throw new TillflowError('NOT_FOUND', 'That person is not a member of this project.');
  return member;
}

const lastOwner = (what: string) =>
  new TillflowError(
    'PRECONDITION_FAILED',
    `${what}: a project always keeps at least one owner. Make someone else an owner first (or transfer ownership).`,
  );

/** Gives a member another role; the last owner cannot be made anything else. */
export async function setMemberRole(
  handle: DbHandle,
  projectId: number,
  userId: string,
  role: MemberRole,
): Promise<MemberChange> {
  const change = await handle.db.transaction(async (tx) => {
    const members = await lockedMembers(tx, projectId);
    const member = findMember(members, userId);
    if (member.role === 'owner' && role !== 'owner' && members.filter((m) => m.role === 'owner').length === 1)
      throw lastOwner(`${member.name} is the only owner`);
    await tx
      .update(projectMembers)
      .set({ role, updatedAt: new Date() })
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
    await keepPrimaryOwner(tx, projectId);
    // Their open streams were authorised for the old role: they end at commit, reconnect and are authorised afresh.
    if (member.role !== role) await endLiveStreams(tx, { projectId, userId });
    return { userId, name: member.name, email: member.email, before: member.role, after: role };
  });
  return change;
}

/** Takes someone off the project: their access and live streams end at once. Not the last owner. */
export async function removeMember(handle: DbHandle, projectId: number, userId: string): Promise<MemberChange> {
  const change = await handle.db.transaction(async (tx) => {
    const members = await lockedMembers(tx, projectId);
    const member = findMember(members, userId);
    if (member.role === 'owner' && members.filter((m) => m.role === 'owner').length === 1)
      throw lastOwner(`${member.name} is the only owner and cannot be removed`);
    await tx
      .delete(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
    await keepPrimaryOwner(tx, projectId);
    await endLiveStreams(tx, { projectId, userId });
    return { userId, name: member.name, email: member.email, before: member.role, after: null };
  });
  return change;
}

/** The caller leaves the project; the last owner cannot. */
export async function leaveProject(handle: DbHandle, projectId: number, userId: string) {
  try {
    return await removeMember(handle, projectId, userId);
  } catch (error) {
    if (error instanceof TillflowError && error.code === 'PRECONDITION_FAILED')
      throw lastOwner('You are the only owner and cannot leave');
    throw error;
  }
}

/** Makes another member the owner; the caller becomes an editor. */
export async function transferOwnership(handle: DbHandle, project: Project, fromUserId: string, toUserId: string) {
  if (fromUserId === toUserId) throw new TillflowError('VALIDATION', 'Choose another member to hand the project to.');
  const changes = await handle.db.transaction(async (tx) => {
    const members = await lockedMembers(tx, project.id);
    const to = findMember(members, toUserId);
    const from = findMember(members, fromUserId);
    if (from.role !== 'owner') throw new TillflowError('FORBIDDEN', 'Only an owner can hand the project over.');
    const now = new Date();
    await tx
      .update(projectMembers)
      .set({ role: 'owner', updatedAt: now })
      .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, toUserId)));
    await tx
      .update(projectMembers)
      .set({ role: 'editor', updatedAt: now })
      .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, fromUserId)));
    await tx.update(projects).set({ ownerId: toUserId }).where(eq(projects.id, project.id));
    for (const userId of [toUserId, fromUserId]) await endLiveStreams(tx, { projectId: project.id, userId });
    return [
      { userId: to.userId, name: to.name, email: to.email, before: to.role, after: 'owner' as const },
      { userId: from.userId, name: from.name, email: from.email, before: from.role, after: 'editor' as const },
    ];
  });
  return changes;
}

export function describeRole(role: MemberRole | null) {
  return role ? ROLE_LABELS[role] : 'not a member';
}
