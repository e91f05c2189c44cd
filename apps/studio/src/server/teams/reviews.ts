import { TillflowError } from '@tillflow/core';
import { authUser, type DbHandle, type Executor, flowReviews, type Project, projects } from '@tillflow/db';
import { flowTitle } from '@tillflow/flow-model';
import { type PaymentServices, publishProjectFlow } from '@tillflow/payments';
import { type FlowDefinition, FlowValidationError, flowIssues, getProjectFlow } from '@tillflow/runtime';
import { and, desc, eq } from 'drizzle-orm';
import type { Builder } from '../api/trpc';

type StoredFlow = Awaited<ReturnType<typeof getProjectFlow>>;

// Review before publish: when a project's owners turn it on (`project.review_payment_publish`), a payment flow
// (a system flow of the payment module, or one started by Stripe's messages) goes live only when a second member
// with build rights approves a review request for its draft. The request names the draft revision it was asked
// for; approving publishes the draft only while it is still that revision (an edit after the request needs a new
// one), and never by the member who asked. All of it runs in the calling procedure's transaction with its audit
// entry (server/api/trpc.ts). Rolling back to an earlier version stays direct: it restores what was live before.

/** Does this flow move money (and so need a review when the project asks for one)? */
export function handlesPayments(flow: Pick<StoredFlow, 'kind' | 'draft'>) {
  return flow.kind === 'system' || (flow.draft as FlowDefinition).trigger.kind === 'stripe_webhook';
}

export function reviewRequired(
  project: Pick<Project, 'reviewPaymentPublish'>,
  flow: Pick<StoredFlow, 'kind' | 'draft'>,
) {
  return project.reviewPaymentPublish && handlesPayments(flow);
}

export const REVIEW_NEEDED =
  'This project asks a second member to approve a payment automation before it goes live: press “Request review”.';

/** Turns the rule on or off (owners). */
export async function setPublishReview(db: Executor, projectId: number, on: boolean) {
  const [row] = await db
    .update(projects)
    .set({ reviewPaymentPublish: on, updatedAt: new Date() })
    .where(eq(projects.id, projectId))
    .returning({ reviewPaymentPublish: projects.reviewPaymentPublish });
  return row;
}

async function lockedPending(db: Executor, projectId: number, reviewId: number) {
  const [review] = await db
    .select()
    .from(flowReviews)
    .where(and(eq(flowReviews.id, reviewId), eq(flowReviews.projectId, projectId)))
    .for('update');
  if (!review) throw new TillflowError('NOT_FOUND', 'That review request no longer exists.');
  if (review.status !== 'pending')
    throw new TillflowError('PRECONDITION_FAILED', `That review request was already ${review.status}.`);
  return review;
}

/** The flow's open review request, if any, with who asked, and whether the draft changed since. */
export async function pendingReview(db: Executor, projectId: number, flowId: string, youId: string) {
  const flow = await getProjectFlow(db, projectId, flowId);
  const [row] = await db
    .select({ review: flowReviews, name: authUser.name })
    .from(flowReviews)
    .leftJoin(authUser, eq(authUser.id, flowReviews.requestedBy))
    .where(and(eq(flowReviews.flowId, flow.id), eq(flowReviews.status, 'pending')))
    .orderBy(desc(flowReviews.id))
    .limit(1);
  return row
    ? {
        id: row.review.id,
        note: row.review.note,
        requestedAt: row.review.requestedAt,
        requestedBy: row.name ?? 'A former member',
        yours: row.review.requestedBy === youId,
        stale: row.review.draftRevision !== flow.draftRevision,
      }
    : null;
}

/** Asks for a review of the saved draft (it must be valid); an older open request for the flow is withdrawn. */
export async function requestReview(
  db: Executor,
  projectId: number,
  input: { flowId: string; note?: string },
  user: Builder,
) {
  const flow = await getProjectFlow(db, projectId, input.flowId);
  const { issues } = await flowIssues(db, flow);
  if (issues.length) throw new FlowValidationError(issues);
  await db
    .update(flowReviews)
    .set({ status: 'withdrawn', decidedBy: user.id, decidedAt: new Date() })
    .where(and(eq(flowReviews.flowId, flow.id), eq(flowReviews.status, 'pending')));
  const [review] = await db
    .insert(flowReviews)
    .values({
      projectId,
      flowId: flow.id,
      draftRevision: flow.draftRevision,
      note: input.note?.trim() ?? '',
      requestedBy: user.id,
    })
    .returning();
  return { reviewId: review.id, flowName: flowTitle(flow.name, flow.systemKind) };
}

/**
 * Approves a request and publishes the draft it was asked for. Refused to the member who asked, and when the
 * draft changed since. The new version's author is the member who asked; the approval is in the audit trail.
 */
export async function approveReview(
  services: PaymentServices,
  projectId: number,
  input: { reviewId: number; note?: string },
  user: Builder,
) {
  const db = services.database.db;
  const review = await lockedPending(db, projectId, input.reviewId);
  if (review.requestedBy === user.id)
    throw new TillflowError(
      'FORBIDDEN',
      'You asked for this review: another member who can build (an owner or an editor) approves it.',
    );
  const flow = await getProjectFlow(db, projectId, review.flowId);
  if (flow.draftRevision !== review.draftRevision)
    throw new TillflowError(
      'PRECONDITION_FAILED',
      `${flowTitle(flow.name, flow.systemKind)} was changed after the review was asked for. Ask for a new review of the latest draft.`,
    );
  const published = await publishProjectFlow(services, projectId, flow.id, review.requestedBy);
  await db
    .update(flowReviews)
    .set({ status: 'approved', decidedBy: user.id, decidedAt: new Date(), decisionNote: input.note?.trim() ?? '' })
    .where(eq(flowReviews.id, review.id));
  const [asker] = review.requestedBy
    ? await db.select({ name: authUser.name }).from(authUser).where(eq(authUser.id, review.requestedBy))
    : [];
  return {
    ...published,
    flowName: flowTitle(flow.name, flow.systemKind),
    requestedBy: asker?.name ?? 'a former member',
  };
}

/** Turns a request down (or, by the member who asked, withdraws it); nothing is published. */
export async function rejectReview(
  db: Executor,
  projectId: number,
  input: { reviewId: number; note?: string },
  user: Builder,
) {
  const review = await lockedPending(db, projectId, input.reviewId);
  const status = review.requestedBy === user.id ? 'withdrawn' : 'rejected';
  await db
    .update(flowReviews)
    .set({ status, decidedBy: user.id, decidedAt: new Date(), decisionNote: input.note?.trim() ?? '' })
    .where(eq(flowReviews.id, review.id));
  const flow = await getProjectFlow(db, projectId, review.flowId);
  return { status, flowName: flowTitle(flow.name, flow.systemKind) };
}

/** The publish guard: refuses a direct publish of a payment flow when the project asks for reviews. */
export async function refuseUnreviewedPublish(handle: DbHandle, project: Project, flowId: string) {
  const flow = await getProjectFlow(handle.db, project.id, flowId);
  if (reviewRequired(project, flow)) throw new TillflowError('FORBIDDEN', REVIEW_NEEDED);
}
