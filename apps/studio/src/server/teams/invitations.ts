import { createHash, randomBytes } from 'node:crypto';
import { publicOrigin, TillflowError } from '@tillflow/core';
import { authUser, type DbHandle, type Project, projectInvitations, projectMembers, projects } from '@tillflow/db';
import { sendMail } from '@tillflow/mail';
import { and, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import { type MemberRole, ROLE_DESCRIPTIONS, ROLE_LABELS } from './policy';

// Invitations: an owner invites someone by email. The link carries a random token; only its SHA-256 is stored.
// It works once, until it expires, and only for a signed-in account with the invited email address (so a link
// read by someone else, e.g. in the captured Mailbox, lets nobody else in).

export const INVITATION_DAYS = 7;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const normalEmail = (email: string) => email.trim().toLowerCase();
export const invitationLink = (token: string) => `${publicOrigin()}/invite/${token}`;

export interface SentInvitation {
  id: number;
  email: string;
  role: MemberRole;
  expiresAt: Date;
  /** The link to copy: always returned to the owner who invited (it only works for that email's account). */
  link: string;
  /** `smtp`: emailed; `mailbox`: no mail server, so the email waits in the studio's Mailbox and the owner copies the link. */
  delivery: 'smtp' | 'mailbox' | 'failed';
}

export async function inviteMember(
  handle: DbHandle,
  project: Project,
  inviter: { id: string; name: string },
  input: { email: string; role: MemberRole },
  options: { now?: Date; days?: number } = {},
): Promise<SentInvitation> {
  const email = normalEmail(input.email);
  const [already] = await handle.db
    .select({ id: authUser.id })
    .from(projectMembers)
    .innerJoin(authUser, eq(authUser.id, projectMembers.userId))
    .where(and(eq(projectMembers.projectId, project.id), sql`lower(${authUser.email}) = ${email}`));
  if (already) throw new TillflowError('CONFLICT', `${email} is already a member of this project.`);
  const token = randomBytes(32).toString('base64url');
  const now = options.now ?? new Date();
  const expiresAt = new Date(now.getTime() + (options.days ?? INVITATION_DAYS) * 86_400_000);
  const [row] = await handle.db.transaction(async (tx) => {
    // A new invitation replaces an open one for the same address (the older link stops working).
    await tx
      .update(projectInvitations)
      .set({ revokedAt: now })
      .where(
        and(
          eq(projectInvitations.projectId, project.id),
          eq(projectInvitations.email, email),
          isNull(projectInvitations.acceptedAt),
          isNull(projectInvitations.revokedAt),
        ),
      );
    return tx
      .insert(projectInvitations)
      .values({
        projectId: project.id,
        email,
        role: input.role,
        tokenHash: hashToken(token),
        invitedBy: inviter.id,
        expiresAt,
      })
      .returning();
  });
  const link = invitationLink(token);
  let delivery: SentInvitation['delivery'] = 'failed';
  try {
    const sent = await sendMail(handle, project.id, {
      to: email,
      subject: `${inviter.name} invited you to ${project.name} on Tillflow`,
      text: [
        `${inviter.name} invited you to work on “${project.name}” as ${ROLE_LABELS[input.role]}: ${ROLE_DESCRIPTIONS[input.role].toLowerCase()}.`,
        '',
        `Open this link and sign in (or sign up) with ${email} to join:`,
        link,
        '',
        `The link works once and expires on ${expiresAt.toUTCString()}.`,
      ].join('\n'),
    });
    delivery = sent.status === 'captured' ? 'mailbox' : 'smtp';
  } catch {
    delivery = 'failed';
  }
  return { id: row.id, email, role: input.role, expiresAt, link, delivery };
}

/** Open invitations (not accepted, withdrawn or expired), newest first. */
export async function listInvitations(handle: DbHandle, projectId: number, now = new Date()) {
  return handle.db
    .select({
      id: projectInvitations.id,
      email: projectInvitations.email,
      role: projectInvitations.role,
      expiresAt: projectInvitations.expiresAt,
      createdAt: projectInvitations.createdAt,
      invitedBy: authUser.name,
    })
    .from(projectInvitations)
    .leftJoin(authUser, eq(authUser.id, projectInvitations.invitedBy))
    .where(
      and(
        eq(projectInvitations.projectId, projectId),
        isNull(projectInvitations.acceptedAt),
        isNull(projectInvitations.revokedAt),
        gt(projectInvitations.expiresAt, now),
      ),
    )
    .orderBy(desc(projectInvitations.id));
}

export async function revokeInvitation(handle: DbHandle, projectId: number, id: number) {
  const [row] = await handle.db
    .update(projectInvitations)
    .set({ revokedAt: new Date() })
    .where(
      and(
        eq(projectInvitations.projectId, projectId),
        eq(projectInvitations.id, id),
        isNull(projectInvitations.acceptedAt),
        isNull(projectInvitations.revokedAt),
      ),
    )
    .returning({ email: projectInvitations.email });
  if (!row) throw new TillflowError('NOT_FOUND', 'That invitation was already used or withdrawn.');
  return row;
}

async function findInvitation(handle: DbHandle, token: string) {
  const [row] = await handle.db
    .select({ invitation: projectInvitations, projectName: projects.name, inviter: authUser.name })
    .from(projectInvitations)
    .innerJoin(projects, eq(projects.id, projectInvitations.projectId))
    .leftJoin(authUser, eq(authUser.id, projectInvitations.invitedBy))
    .where(eq(projectInvitations.tokenHash, hashToken(token)));
  if (!row) throw new TillflowError('NOT_FOUND', 'This invitation link is not valid. Ask for a new one.');
  return row;
}

function refuseUnusable(invitation: typeof projectInvitations.$inferSelect, now: Date) {
  if (invitation.acceptedAt)
    throw new TillflowError('PRECONDITION_FAILED', 'This invitation was already used. Ask the owner for a new one.');
  if (invitation.revokedAt)
    throw new TillflowError('PRECONDITION_FAILED', 'This invitation was withdrawn. Ask the owner for a new one.');
  if (invitation.expiresAt <= now)
    throw new TillflowError('PRECONDITION_FAILED', 'This invitation has expired. Ask the owner for a new one.');
}

/** What the invitation page shows before accepting: the project, the role, who invited, for which address. */
export async function peekInvitation(handle: DbHandle, token: string, now = new Date()) {
  const { invitation, projectName, inviter } = await findInvitation(handle, token);
  refuseUnusable(invitation, now);
  return {
    projectName,
    role: invitation.role as MemberRole,
    email: invitation.email,
    invitedBy: inviter ?? 'An owner',
    expiresAt: invitation.expiresAt,
  };
}

/** Joins the project as the invited role: once, before it expires, and only as the invited email's account. */
export async function acceptInvitation(
  handle: DbHandle,
  token: string,
  user: { id: string; email: string },
  now = new Date(),
) {
  const { invitation, projectName } = await findInvitation(handle, token);
  refuseUnusable(invitation, now);
  if (normalEmail(user.email) !== invitation.email)
    throw new TillflowError(
      'FORBIDDEN',
      `This invitation is for ${invitation.email}. Sign in with that address to accept it (you are signed in as ${user.email}).`,
    );
  return handle.db.transaction(async (tx) => {
    // Single use even when two tabs accept at once: only one update finds it unused.
    const [claimed] = await tx
      .update(projectInvitations)
      .set({ acceptedAt: now, acceptedBy: user.id })
      .where(
        and(
          eq(projectInvitations.id, invitation.id),
          isNull(projectInvitations.acceptedAt),
          isNull(projectInvitations.revokedAt),
        ),
      )
      .returning({ id: projectInvitations.id });
    if (!claimed)
      throw new TillflowError('PRECONDITION_FAILED', 'This invitation was already used. Ask the owner for a new one.');
    const [existing] = await tx
      .select({ role: projectMembers.role })
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, invitation.projectId), eq(projectMembers.userId, user.id)));
    if (!existing)
      await tx
        .insert(projectMembers)
        .values({ projectId: invitation.projectId, userId: user.id, role: invitation.role });
    return {
      projectId: invitation.projectId,
      projectName,
      role: (existing?.role ?? invitation.role) as MemberRole,
    };
  });
}
