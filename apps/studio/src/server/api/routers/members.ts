import { TillflowError } from '@tillflow/core';
import { authSession } from '@tillflow/db';
import { and, desc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import { AUDIT_AREAS, listActivity, recordAudit, refundIssuers, transactionHandle } from '../../teams/audit';
import {
  acceptInvitation,
  inviteMember,
  listInvitations,
  peekInvitation,
  revokeInvitation,
} from '../../teams/invitations';
import { endLiveStreams } from '../../teams/live-streams';
import { leaveProject, listMembers, removeMember, setMemberRole, transferOwnership } from '../../teams/members';
import { MEMBER_ROLES } from '../../teams/policy';
import { setPublishReview } from '../../teams/reviews';
import { createTRPCRouter, projectProcedure, protectedProcedure } from '../trpc';

// Teams: members and roles, invitations, the audit trail and one's own sessions. Who may call each procedure is
// in server/teams/policy.ts; the rules live in server/teams/*.

const role = z.enum(MEMBER_ROLES);
const member = z.object({ userId: z.string().min(1).max(100) });

export const membersRouter = createTRPCRouter({
  /** Everyone on the project with their role; `you` is the caller's own role. */
  list: projectProcedure.query(async ({ ctx }) => ({
    members: await listMembers(ctx.db.db, ctx.project.id),
    you: { userId: ctx.user.id, role: ctx.role },
    reviewPaymentPublish: ctx.project.reviewPaymentPublish,
  })),

  /** Owners: payment flows go live only once a second member approves (server/teams/reviews.ts). */
  setPublishReview: projectProcedure
    .input(z.object({ on: z.boolean() }))
    .mutation(({ ctx, input }) => setPublishReview(ctx.db.db, ctx.project.id, input.on)),

  setRole: projectProcedure
    .input(member.extend({ role }))
    .mutation(({ ctx, input }) => setMemberRole(ctx.db, ctx.project.id, input.userId, input.role)),

  /** Takes a member off the project; their open pages and live streams lose access at once. */
  remove: projectProcedure.input(member).mutation(({ ctx, input }) => {
    if (input.userId === ctx.user.id)
      throw new TillflowError('VALIDATION', 'To take yourself off the project, use Leave project.');
    return removeMember(ctx.db, ctx.project.id, input.userId);
  }),

  transferOwnership: projectProcedure
    .input(member)
    .mutation(({ ctx, input }) => transferOwnership(ctx.db, ctx.project, ctx.user.id, input.userId)),

  leave: projectProcedure.mutation(({ ctx }) => leaveProject(ctx.db, ctx.project.id, ctx.user.id)),

  invitations: projectProcedure.query(({ ctx }) => listInvitations(ctx.db, ctx.project.id)),

  invite: projectProcedure
    .input(z.object({ email: z.string().trim().email('Enter a valid email address.').max(320), role }))
    .mutation(({ ctx, input }) => inviteMember(ctx.db, ctx.project, ctx.user, input)),

  revokeInvitation: projectProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .mutation(({ ctx, input }) => revokeInvitation(ctx.db, ctx.project.id, input.id)),
});

const token = z.object({ token: z.string().min(20).max(100) });

export const invitationsRouter = createTRPCRouter({
  /** The invitation page: which project, which role, for which address (refused when used, withdrawn or expired). */
  peek: protectedProcedure.input(token).query(({ ctx, input }) => peekInvitation(ctx.db, input.token)),

  accept: protectedProcedure.input(token).mutation(({ ctx, input }) =>
    // Joining and its audit entry commit together, as every audited change (server/api/trpc.ts).
    ctx.db.db.transaction(async (tx) => {
      const joined = await acceptInvitation(transactionHandle(ctx.db, tx), input.token, ctx.user);
      await recordAudit(tx, joined.projectId, ctx.user, {
        area: 'members',
        action: 'invitations.accept',
        target: ctx.user.email,
        summary: `${ctx.user.name} joined as ${joined.role[0].toUpperCase()}${joined.role.slice(1)}`,
        after: { role: joined.role },
      });
      return joined;
    }),
  ),
});

export const activityRouter = createTRPCRouter({
  /** The project's audit trail, newest first; `search` matches what, on what and who. */
  list: projectProcedure
    .input(
      z.object({
        search: z.string().max(200).optional(),
        area: z.enum(AUDIT_AREAS).optional(),
        actorId: z.string().max(100).optional(),
        /** The previous page's `nextBefore`. */
        cursor: z.number().int().positive().nullish(),
      }),
    )
    .query(({ ctx, input }) =>
      listActivity(ctx.db.db, ctx.project.id, { ...input, before: input.cursor ?? undefined }),
    ),

  /** Who issued each refund made from the studio (refund row id → member name), for the dashboard's refunds list. */
  refundIssuers: projectProcedure.query(({ ctx }) => refundIssuers(ctx.db.db, ctx.project.id)),
});

export const sessionsRouter = createTRPCRouter({
  /** The caller's own signed-in sessions (browser, address, when), the current one marked. */
  list: protectedProcedure.query(async ({ ctx }) => {
    const rows = await ctx.db.db
      .select({
        id: authSession.id,
        createdAt: authSession.createdAt,
        updatedAt: authSession.updatedAt,
        expiresAt: authSession.expiresAt,
        ipAddress: authSession.ipAddress,
        userAgent: authSession.userAgent,
      })
      .from(authSession)
      .where(and(eq(authSession.userId, ctx.user.id), gt(authSession.expiresAt, new Date())))
      .orderBy(desc(authSession.updatedAt));
    return rows.map((r) => ({ ...r, current: r.id === ctx.user.sessionId }));
  }),

  /** Signs one of the caller's own sessions out: its pages stop working and its live streams end at once. */
  revoke: protectedProcedure
    .input(z.object({ sessionId: z.string().min(1).max(100) }))
    .mutation(async ({ ctx, input }) => {
      const deleted = await ctx.db.db
        .delete(authSession)
        .where(and(eq(authSession.id, input.sessionId), eq(authSession.userId, ctx.user.id)))
        .returning({ id: authSession.id });
      if (!deleted.length) throw new TillflowError('NOT_FOUND', 'That session has already ended.');
      await endLiveStreams(ctx.db.db, { sessionId: input.sessionId });
      return { revoked: true };
    }),
});
