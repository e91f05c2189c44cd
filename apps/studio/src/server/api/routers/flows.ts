import { listTables } from '@tillflow/data-model';
import { type DbHandle, executeRows, flowVersions, stripeEvents } from '@tillflow/db';
import {
  canonicalJson,
  customFlowTemplates,
  diffFlows,
  type FlowDefinition,
  flowDefinitionSchema,
  lockedChangeIssues,
  sampleStripeEvent,
  summarizeDiff,
  type TableInfo,
  validateFlow,
} from '@tillflow/flow-model';
import { ensureFlowEndpoint, removeFlowEndpoint } from '@tillflow/payments';
import {
  createFlow,
  deleteFlow,
  FlowValidationError,
  getFlow,
  listFlowVersions,
  publishFlow,
  saveFlowDraft,
  testRunFlow,
} from '@tillflow/runtime';
import { TRPCError } from '@trpc/server';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { createTRPCRouter, projectProcedure } from '../trpc';
import { flowRunsProcedures } from './flow-runs';

const flowInput = z.object({ flowId: z.string().uuid() });

/** The project's tables as the flow model sees them (names, columns and their types). */
export async function flowTables(handle: DbHandle, projectId: number): Promise<TableInfo[]> {
  const tables = await listTables(handle.db, projectId);
  return tables.map((t) => ({
    name: t.name,
    columns: t.columns.map((c) => ({ name: c.name, type: c.type, enumOptions: c.enumOptions })),
  }));
}

export async function loadProjectFlow(handle: DbHandle, projectId: number, flowId: string) {
  const flow = await getFlow(handle.db, flowId);
  if (!flow || flow.projectId !== projectId) throw new TRPCError({ code: 'NOT_FOUND', message: 'Flow not found.' });
  return flow;
}

async function publishedDefinition(handle: DbHandle, versionId: string | null): Promise<FlowDefinition | undefined> {
  if (!versionId) return undefined;
  const [v] = await handle.db.select().from(flowVersions).where(eq(flowVersions.id, versionId));
  return v?.definition as FlowDefinition | undefined;
}

function blankFlow(events: string[]): FlowDefinition {
  return {
    trigger: events.length ? { kind: 'stripe_webhook', events } : { kind: 'manual' },
    graph: {
      nodes: [{ id: 'trigger', type: 'trigger', label: 'Trigger', config: {}, position: { x: 0, y: 0 } }],
      edges: [],
    },
  };
}

export const flowsRouter = createTRPCRouter({
  /** Every flow of the project with its trigger, status, last run and failure count. */
  list: projectProcedure.query(async ({ ctx }) => {
    const rows = await executeRows<{
      id: string;
      name: string;
      kind: 'system' | 'custom';
      system_kind: string | null;
      draft: FlowDefinition;
      draft_revision: number;
      published: FlowDefinition | null;
      published_version: number | null;
      last_run_at: string | Date | null;
      last_run_status: string | null;
      failures: number;
      runs: number;
    }>(
      ctx.db.db,
      sql`select f.id, f.name, f.kind, f.system_kind, f.draft, f.draft_revision,
            v.definition as published, v.version as published_version,
            r.created_at as last_run_at, r.status as last_run_status,
            (select count(*)::int from flow_run x where x.flow_id = f.id and x.test_run = false and x.status = 'failed') as failures,
            (select count(*)::int from flow_run x where x.flow_id = f.id and x.test_run = false) as runs
          from flow f
          left join flow_version v on v.id = f.published_version_id
          left join lateral (select created_at, status from flow_run x where x.flow_id = f.id and x.test_run = false
                             order by created_at desc limit 1) r on true
          where f.project_id = ${ctx.project.id}
          order by f.kind desc, f.created_at`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      kind: r.kind,
      system: r.kind === 'system',
      systemKind: r.system_kind,
      trigger: r.draft.trigger,
      status: !r.published
        ? ('draft' as const)
        : canonicalJson(r.published) === canonicalJson(r.draft)
          ? ('published' as const)
          : ('changed' as const),
      publishedVersion: r.published_version,
      nodeCount: r.draft.graph.nodes.length,
      lastRun: r.last_run_at ? { at: new Date(r.last_run_at), status: r.last_run_status } : null,
      runCount: Number(r.runs),
      failureCount: Number(r.failures),
    }));
  }),

  /** One flow: its draft (with revision), the published definition, the validator's issues and the tables for pickers. */
  get: projectProcedure.input(flowInput).query(async ({ ctx, input }) => {
    const flow = await loadProjectFlow(ctx.db, ctx.project.id, input.flowId);
    const published = await publishedDefinition(ctx.db, flow.publishedVersionId);
    const tables = await flowTables(ctx.db, ctx.project.id);
    const draft = flow.draft as FlowDefinition;
    return {
      id: flow.id,
      name: flow.name,
      kind: flow.kind,
      systemKind: flow.systemKind,
      draft,
      revision: flow.draftRevision,
      published: published ?? null,
      tables,
      issues: validateFlow(draft, { tables, previous: published }),
    };
  }),

  /** Autosave: refused with CONFLICT when someone saved since `expectedRevision`, never silently overwritten. */
  saveDraft: projectProcedure
    .input(flowInput.extend({ definition: flowDefinitionSchema, expectedRevision: z.number().int() }))
    .mutation(async ({ ctx, input }) => {
      const flow = await loadProjectFlow(ctx.db, ctx.project.id, input.flowId);
      const published = await publishedDefinition(ctx.db, flow.publishedVersionId);
      if (published) {
        const locked = lockedChangeIssues(input.definition, published);
        if (locked.length) throw new TRPCError({ code: 'FORBIDDEN', message: locked[0].message });
      }
      const revision = await saveFlowDraft(ctx.db.db, flow.id, input.definition, input.expectedRevision);
      const tables = await flowTables(ctx.db, ctx.project.id);
      return { revision, issues: validateFlow(input.definition, { tables, previous: published }) };
    }),

  /** Publishes the saved draft if the validator finds nothing; else refuses with the list of problems. */
  publish: projectProcedure.input(flowInput).mutation(async ({ ctx, input }) => {
    const flow = await loadProjectFlow(ctx.db, ctx.project.id, input.flowId);
    const published = await publishedDefinition(ctx.db, flow.publishedVersionId);
    const tables = await flowTables(ctx.db, ctx.project.id);
    const issues = validateFlow(flow.draft as FlowDefinition, { tables, previous: published });
    if (issues.length) throw new FlowValidationError(issues);
    // A custom flow listening to Stripe gets its own endpoint with only its events, before it goes live.
    const trigger = (flow.draft as FlowDefinition).trigger;
    if (flow.kind === 'custom' && trigger.kind === 'stripe_webhook')
      await ensureFlowEndpoint(ctx.db, ctx.project.id, { id: flow.id, events: trigger.events });
    const version = await publishFlow(ctx.db.db, flow.id, ctx.user.id);
    return { versionId: version.id, version: version.version };
  }),

  /** Published versions, newest first, each with what changed from the one before. */
  versions: projectProcedure.input(flowInput).query(async ({ ctx, input }) => {
    const flow = await loadProjectFlow(ctx.db, ctx.project.id, input.flowId);
    const versions = await listFlowVersions(ctx.db.db, flow.id);
    return versions.map((v, i) => {
      const before = versions[i + 1]?.definition as FlowDefinition | undefined;
      const def = v.definition as FlowDefinition;
      return {
        id: v.id,
        version: v.version,
        createdAt: v.createdAt,
        createdBy: v.createdBy,
        live: v.id === flow.publishedVersionId,
        summary: before ? summarizeDiff(diffFlows(before, def)) : 'First version',
      };
    });
  }),

  /** Makes an older version the draft and publishes it again as the newest version. */
  rollback: projectProcedure
    .input(flowInput.extend({ versionId: z.string().uuid(), expectedRevision: z.number().int() }))
    .mutation(async ({ ctx, input }) => {
      const flow = await loadProjectFlow(ctx.db, ctx.project.id, input.flowId);
      const [target] = await ctx.db.db
        .select()
        .from(flowVersions)
        .where(and(eq(flowVersions.id, input.versionId), eq(flowVersions.flowId, flow.id)));
      if (!target) throw new TRPCError({ code: 'NOT_FOUND', message: 'Version not found.' });
      const definition = target.definition as FlowDefinition;
      const revision = await saveFlowDraft(ctx.db.db, flow.id, definition, input.expectedRevision);
      // The restored version may listen to other events: its endpoint follows, as on publish.
      if (flow.kind === 'custom' && definition.trigger.kind === 'stripe_webhook')
        await ensureFlowEndpoint(ctx.db, ctx.project.id, { id: flow.id, events: definition.trigger.events });
      const version = await publishFlow(ctx.db.db, flow.id, ctx.user.id);
      return { revision, version: version.version, restored: target.version };
    }),

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
      const template = input.template ? customFlowTemplates.find((t) => t.id === input.template) : undefined;
      if (input.template && !template)
        throw new TRPCError({ code: 'BAD_REQUEST', message: `There is no template '${input.template}'.` });
      const flow = await createFlow(ctx.db.db, {
        projectId: ctx.project.id,
        name: input.name,
        kind: 'custom',
        definition: template ? template.build() : blankFlow(input.events),
        createdBy: ctx.user.id,
      });
      return { id: flow.id };
    }),

  delete: projectProcedure.input(flowInput).mutation(async ({ ctx, input }) => {
    const flow = await loadProjectFlow(ctx.db, ctx.project.id, input.flowId);
    if (flow.kind === 'system')
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `${flow.name} is a system flow of the payment module and cannot be deleted.`,
      });
    await removeFlowEndpoint(ctx.db, ctx.project.id, flow.id);
    await deleteFlow(ctx.db.db, ctx.project.id, flow.id);
    return { deleted: true };
  }),

  /** A realistic event for one of the trigger's types, to start a test run from. */
  sampleEvent: projectProcedure
    .input(flowInput.extend({ eventType: z.string().optional() }))
    .query(async ({ ctx, input }) => {
      const flow = await loadProjectFlow(ctx.db, ctx.project.id, input.flowId);
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
      const flow = await loadProjectFlow(ctx.db, ctx.project.id, input.flowId);
      let event: unknown;
      if (input.source.kind === 'sample') event = sampleStripeEvent(input.source.eventType);
      else if (input.source.kind === 'json') event = input.source.event;
      else {
        const [row] = await ctx.db.db
          .select()
          .from(stripeEvents)
          .where(and(eq(stripeEvents.id, input.source.eventRowId), eq(stripeEvents.projectId, ctx.project.id)));
        if (!row) throw new TRPCError({ code: 'NOT_FOUND', message: 'Event not found.' });
        event = row.payload;
      }
      const result = await testRunFlow(ctx.db, {
        flowId: flow.id,
        definition: input.definition,
        event,
        rollback: input.rollback,
      });
      return { ...result, event };
    }),

  ...flowRunsProcedures,
});
