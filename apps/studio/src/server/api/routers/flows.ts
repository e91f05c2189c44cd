import { customFlowTemplates, flowDefinitionSchema, sampleStripeEvent } from '@tillflow/flow-model';
import { deleteProjectFlow, publishProjectFlow, rollbackProjectFlow } from '@tillflow/payments';
import {
  createCustomFlow,
  type FlowDefinition,
  flowIssues,
  getProjectFlow,
  listFlowSummaries,
  listFlowVersionSummaries,
  saveProjectFlowDraft,
  storedEventPayload,
  testRunFlow,
} from '@tillflow/runtime';
import { z } from 'zod';
import { servicesFor } from '../../services';
import { builderNames } from '../../teams/members';
import { heartbeat, leave, present } from '../../teams/presence';
import {
  approveReview,
  pendingReview,
  refuseUnreviewedPublish,
  rejectReview,
  requestReview,
  reviewRequired,
} from '../../teams/reviews';
import { createTRPCRouter, projectProcedure } from '../trpc';
import { flowRunsProcedures } from './flow-runs';

// Thin: input shapes here; the rules live in @tillflow/runtime (project-flows.ts) and, where a flow's
// Stripe endpoint follows it, in @tillflow/payments (flow-publishing.ts).

const flowInput = z.object({ flowId: z.string().uuid() });

export const flowsRouter = createTRPCRouter({
  /** Who has this flow open on the canvas now (names; the caller is marked `you`). */
  present: projectProcedure
    .input(flowInput)
    .query(({ ctx, input }) => present(ctx.db.db, ctx.project.id, input.flowId, ctx.user.id)),

  /** Heartbeat from an open canvas, every few seconds and when the selection changes (node ids, shown to others). */
  presence: projectProcedure
    .input(flowInput.extend({ selection: z.array(z.string().max(100)).max(500).optional() }))
    .mutation(async ({ ctx, input }) => {
      await getProjectFlow(ctx.db.db, ctx.project.id, input.flowId);
      // Presence rows belong to a browser session; a caller without one (a server-side caller) has none to show.
      const sessionId = ctx.user.sessionId;
      if (!sessionId) return { ok: false };
      await heartbeat(ctx.db.db, {
        projectId: ctx.project.id,
        flowId: input.flowId,
        sessionId,
        userId: ctx.user.id,
        selection: input.selection,
      });
      return { ok: true };
    }),

  /** The canvas was closed: stop showing this session at once. */
  leaveCanvas: projectProcedure.input(flowInput).mutation(async ({ ctx, input }) => {
    const sessionId = ctx.user.sessionId;
    if (sessionId) await leave(ctx.db.db, { projectId: ctx.project.id, flowId: input.flowId, sessionId });
    return { ok: Boolean(sessionId) };
  }),

  /** Every flow of the project with its trigger, status, last run and failure count. */
  list: projectProcedure.query(({ ctx }) => listFlowSummaries(ctx.db.db, ctx.project.id)),

  /** One flow: its draft (with revision), the published definition, the validator's issues and the tables for pickers. */
  get: projectProcedure.input(flowInput).query(async ({ ctx, input }) => {
    const flow = await getProjectFlow(ctx.db.db, ctx.project.id, input.flowId);
    const { issues, tables, draft, published } = await flowIssues(ctx.db.db, flow);
    return {
      id: flow.id,
      name: flow.name,
      kind: flow.kind,
      systemKind: flow.systemKind,
      draft,
      revision: flow.draftRevision,
      published: published ?? null,
      tables,
      issues,
    };
  }),

  /** Autosave: refused with CONFLICT when someone saved since `expectedRevision`, never silently overwritten. */
  saveDraft: projectProcedure
    .input(flowInput.extend({ definition: flowDefinitionSchema, expectedRevision: z.number().int() }))
    .mutation(({ ctx, input }) => saveProjectFlowDraft(ctx.db.db, ctx.project.id, input)),

  /**
   * Publishes the saved draft if the validator finds nothing; else refuses with the list of problems. A payment
   * flow of a project that asks for reviews goes live only through approveReview.
   */
  publish: projectProcedure.input(flowInput).mutation(async ({ ctx, input }) => {
    await refuseUnreviewedPublish(ctx.db, ctx.project, input.flowId);
    return publishProjectFlow(ctx.services, ctx.project.id, input.flowId, ctx.user.id);
  }),

  /** Review before publish (server/teams/reviews.ts): whether this flow needs one, and its open request. */
  review: projectProcedure.input(flowInput).query(async ({ ctx, input }) => {
    const flow = await getProjectFlow(ctx.db.db, ctx.project.id, input.flowId);
    return {
      required: reviewRequired(ctx.project, flow),
      pending: await pendingReview(ctx.db.db, ctx.project.id, input.flowId, ctx.user.id),
    };
  }),

  /** Asks another member to approve publishing the saved draft. */
  requestReview: projectProcedure
    .input(flowInput.extend({ note: z.string().max(500).optional() }))
    .mutation(({ ctx, input }) => requestReview(ctx.db.db, ctx.project.id, input, ctx.user)),

  /** Approves a review request and publishes the draft it was asked for (never by the member who asked). */
  approveReview: projectProcedure
    .input(z.object({ reviewId: z.number().int().positive(), note: z.string().max(500).optional() }))
    .mutation(({ ctx, input }) => approveReview(ctx.services, ctx.project.id, input, ctx.user)),

  /** Turns a review request down (the member who asked withdraws it). */
  rejectReview: projectProcedure
    .input(z.object({ reviewId: z.number().int().positive(), note: z.string().max(500).optional() }))
    .mutation(({ ctx, input }) => rejectReview(ctx.db.db, ctx.project.id, input, ctx.user)),

  /** Published versions, newest first, each with what changed from the one before and who published it. */
  versions: projectProcedure.input(flowInput).query(async ({ ctx, input }) => {
    const flow = await getProjectFlow(ctx.db.db, ctx.project.id, input.flowId);
    const versions = await listFlowVersionSummaries(ctx.db.db, flow);
    const names = await builderNames(
      ctx.db.db,
      versions.map((v) => v.createdBy),
    );
    return versions.map((v) => ({ ...v, author: v.createdBy ? (names.get(v.createdBy) ?? 'A former member') : null }));
  }),

  /** Makes an older version the draft and publishes it again as the newest version. */
  rollback: projectProcedure
    .input(flowInput.extend({ versionId: z.string().uuid(), expectedRevision: z.number().int() }))
    .mutation(({ ctx, input }) => rollbackProjectFlow(ctx.services, ctx.project.id, input, ctx.user.id)),

  templates: projectProcedure.query(() =>
    customFlowTemplates.map((t) => ({ id: t.id, name: t.name, description: t.description })),
  ),

  /** A custom flow from a blank canvas (optionally listening to some Stripe events) or from a template. */
  create: projectProcedure
    .input(
      z.object({
        name: z.string().trim().min(1, 'Name the flow.').max(80),
        template: z.string().optional(),
        events: z.array(z.string().min(1)).default([]),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const flow = await createCustomFlow(ctx.db.db, { ...input, projectId: ctx.project.id, createdBy: ctx.user.id });
      return { id: flow.id };
    }),

  delete: projectProcedure
    .input(flowInput)
    .mutation(({ ctx, input }) => deleteProjectFlow(ctx.services, ctx.project.id, input.flowId)),

  /** A realistic event for one of the trigger's types, to start a test run from. */
  sampleEvent: projectProcedure
    .input(flowInput.extend({ eventType: z.string().optional() }))
    .query(async ({ ctx, input }) => {
      const flow = await getProjectFlow(ctx.db.db, ctx.project.id, input.flowId);
      const trigger = (flow.draft as FlowDefinition).trigger;
      const type = input.eventType ?? (trigger.kind === 'stripe_webhook' ? trigger.events[0] : undefined);
      return type ? sampleStripeEvent(type) : {};
    }),

  /** Runs the draft now with a sample, hand-written or logged event; `rollback` undoes its database effects. */
  testRun: projectProcedure
    .input(
      flowInput.extend({
        definition: flowDefinitionSchema.optional(),
        source: z.discriminatedUnion('kind', [
          z.object({ kind: z.literal('sample'), eventType: z.string().min(1) }),
          z.object({ kind: z.literal('json'), event: z.record(z.string(), z.unknown()) }),
          z.object({ kind: z.literal('event'), eventRowId: z.string().uuid() }),
        ]),
        rollback: z.boolean().default(true),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const flow = await getProjectFlow(ctx.db.db, ctx.project.id, input.flowId);
      const { source } = input;
      const event =
        source.kind === 'sample'
          ? sampleStripeEvent(source.eventType)
          : source.kind === 'json'
            ? source.event
            : await storedEventPayload(ctx.db.db, ctx.project.id, source.eventRowId);
      const result = await testRunFlow(servicesFor(ctx.db), {
        flowId: flow.id,
        definition: input.definition,
        event,
        rollback: input.rollback,
      });
      return { ...result, event };
    }),

  ...flowRunsProcedures,
});
