import { sql } from 'drizzle-orm';
import {
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { authSession, authUser } from './auth';
import { flows } from './flows';
import { projects } from './projects';

// Teams: who works on a project and with which role, the invitations that bring people in, the audit trail of
// what members changed, and who has a flow open on the canvas. The policy (which role may call what) is code:
// apps/studio/src/server/teams/policy.ts.

/** A builder account's role in one project. `project.owner_id` stays the primary owner (alert emails). */
export const projectMembers = pgTable(
  'project_member',
  {
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => authUser.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.userId] }),
    index('project_member_user_idx').on(t.userId),
    check('project_member_role_check', sql`${t.role} in ('owner', 'editor', 'finance', 'viewer')`),
  ],
);

/** An invitation by email: the link's token is stored only hashed; single use, until `expires_at`. */
export const projectInvitations = pgTable(
  'project_invitation',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    invitedBy: text('invited_by').references(() => authUser.id, { onDelete: 'set null' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    acceptedBy: text('accepted_by').references(() => authUser.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('project_invitation_project_idx').on(t.projectId),
    check('project_invitation_role_check', sql`${t.role} in ('owner', 'editor', 'finance', 'viewer')`),
  ],
);

/**
 * One change a member made: who (id, and their name and email as they were), when, what (`action`, e.g.
 * `flow.publish`), on what (`target`, in words) and a before/after summary (never a secret's value).
 */
export const auditEvents = pgTable(
  'audit_event',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    actorId: text('actor_id').references(() => authUser.id, { onDelete: 'set null' }),
    actorName: text('actor_name').notNull(),
    actorEmail: text('actor_email').notNull(),
    action: text('action').notNull(),
    /** The area the action belongs to, for the Activity page's filter (schema, flows, payments, members, …). */
    area: text('area').notNull(),
    target: text('target').notNull().default(''),
    summary: text('summary').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('audit_event_project_idx').on(t.projectId, t.id), index('audit_event_created_idx').on(t.createdAt)],
);

/** Who has a flow open on the canvas right now (a row per browser session and flow, refreshed by heartbeats). */
export const canvasPresence = pgTable(
  'canvas_presence',
  {
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    flowId: text('flow_id').notNull(),
    sessionId: text('session_id')
      .notNull()
      .references(() => authSession.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => authUser.id, { onDelete: 'cascade' }),
    selection: jsonb('selection').notNull().default([]),
    seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.flowId, t.sessionId] })],
);

/**
 * A request that another member approve publishing a flow's draft (projects with `review_payment_publish` on:
 * payment flows go live only this way). It names the draft revision it was asked for; approving publishes that
 * draft only while it is still that revision. At most one pending request per flow.
 */
export const flowReviews = pgTable(
  'flow_review',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    flowId: uuid('flow_id')
      .notNull()
      .references(() => flows.id, { onDelete: 'cascade' }),
    draftRevision: integer('draft_revision').notNull(),
    note: text('note').notNull().default(''),
    requestedBy: text('requested_by').references(() => authUser.id, { onDelete: 'set null' }),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    status: text('status').notNull().default('pending'),
    decidedBy: text('decided_by').references(() => authUser.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note').notNull().default(''),
  },
  (t) => [
    index('flow_review_flow_idx').on(t.flowId, t.id),
    uniqueIndex('flow_review_pending_uq').on(t.flowId).where(sql`${t.status} = 'pending'`),
    check('flow_review_status_check', sql`${t.status} in ('pending', 'approved', 'rejected', 'withdrawn')`),
  ],
);

export type FlowReview = typeof flowReviews.$inferSelect;
export type ProjectMember = typeof projectMembers.$inferSelect;
export type ProjectInvitation = typeof projectInvitations.$inferSelect;
export type AuditEvent = typeof auditEvents.$inferSelect;
