import { TillflowError } from '@tillflow/core';
import { listTables } from '@tillflow/data-model';
import { type Executor, executeRows, flowVersions, stripeEvents } from '@tillflow/db';
import {
  canonicalJson,
  customFlowTemplates,
  diffFlows,
  lockedChangeIssues,
  resolveBindings,
  summarizeDiff,
  type TableInfo,
  type ValidationIssue,
  validateFlow,
} from '@tillflow/flow-model';
import { and, eq, sql } from 'drizzle-orm';
import { createFlow, getFlow, listFlowVersions, saveFlowDraft } from './flow-store';
import type { FlowDefinition } from './graph';

// The studio's questions about one project's flows, answered with that project's rows only: another
// project's flow, version or event reads as not found.

type StoredFlow = NonNullable<Awaited<ReturnType<typeof getFlow>>>;

/** The project's tables as the flow model sees them (names, columns and their types). */
export async function flowTables(db: Executor, projectId: number): Promise<TableInfo[]> {
  const tables = await listTables(db, projectId);
  return tables.map((t) => ({
    id: t.id,
    name: t.name,
    columns: t.columns.map((c) => ({ id: c.id, name: c.name, type: c.type, enumOptions: c.enumOptions })),
  }));
}

/** A flow of this project, or NOT_FOUND. */
export async function getProjectFlow(db: Executor, projectId: number, flowId: string): Promise<StoredFlow> {
  const flow = await getFlow(db, flowId);
  if (!flow || flow.projectId !== projectId) throw new TillflowError('NOT_FOUND', 'Flow not found.');
  return flow;
}

async function publishedDefinition(db: Executor, flow: StoredFlow): Promise<FlowDefinition | undefined> {
  if (!flow.publishedVersionId) return undefined;
  const [v] = await db.select().from(flowVersions).where(eq(flowVersions.id, flow.publishedVersionId));
  return v?.definition as FlowDefinition | undefined;
}

/**
 * What the validator says about `definition` (default: the saved draft) against the tables and the live
 * version; the draft and live version come back under today's table and column names (bound by id), as
 * the canvas shows them.
 */
export async function flowIssues(
  db: Executor,
  flow: StoredFlow,
  definition: FlowDefinition = flow.draft as FlowDefinition,
): Promise<{
  issues: ValidationIssue[];
  tables: TableInfo[];
  draft: FlowDefinition;
  published: FlowDefinition | undefined;
}> {
  const tables = await flowTables(db, flow.projectId);
  const stored = await publishedDefinition(db, flow);
  const published = stored && (resolveBindings(stored, tables) as FlowDefinition);
  const draft = resolveBindings(definition, tables) as FlowDefinition;
  return { issues: validateFlow(draft, { tables, previous: published }), tables, draft, published };
}

export type FlowStatus = 'draft' | 'published' | 'changed';

/** Never published, live as drafted, or live with unpublished changes. */
export function flowStatus(draft: FlowDefinition, published: FlowDefinition | null): FlowStatus {
  if (!published) return 'draft';
  return canonicalJson(published) === canonicalJson(draft) ? 'published' : 'changed';
}

/** Every flow of the project with its trigger, status, last run and failure count (test runs not counted). */
export async function listFlowSummaries(db: Executor, projectId: number) {
  const rows = await executeRows<{
    id: string;
    name: string;
    kind: 'system' | 'custom';
    system_kind: string | null;
    draft: FlowDefinition;
    published: FlowDefinition | null;
    published_version: number | null;
    last_run_at: string | Date | null;
    last_run_status: string | null;
    failures: number;
    runs: number;
  }>(
    db,
    sql`select f.id, f.name, f.kind, f.system_kind, f.draft,
          v.definition as published, v.version as published_version,
          r.created_at as last_run_at, r.status as last_run_status,
          (select count(*)::int from flow_run x where x.flow_id = f.id and x.test_run = false and x.status = 'failed') as failures,
          (select count(*)::int from flow_run x where x.flow_id = f.id and x.test_run = false) as runs
        from flow f
        left join flow_version v on v.id = f.published_version_id
        left join lateral (select created_at, status from flow_run x where x.flow_id = f.id and x.test_run = false
                           order by created_at desc limit 1) r on true
        where f.project_id = ${projectId}
        order by f.kind desc, f.created_at`,
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    system: r.kind === 'system',
    systemKind: r.system_kind,
    trigger: r.draft.trigger,
    status: flowStatus(r.draft, r.published),
    publishedVersion: r.published_version,
    nodeCount: r.draft.graph.nodes.length,
    lastRun: r.last_run_at ? { at: new Date(r.last_run_at), status: r.last_run_status } : null,
    runCount: Number(r.runs),
    failureCount: Number(r.failures),
  }));
}

/**
 * Autosave: a draft that changes a locked node (a system callback) of the live version is refused;
 * one based on an older revision is refused with CONFLICT, never silently overwritten.
 */
export async function saveProjectFlowDraft(
  db: Executor,
  projectId: number,
  input: { flowId: string; definition: FlowDefinition; expectedRevision: number },
) {
  const flow = await getProjectFlow(db, projectId, input.flowId);
  const tables = await flowTables(db, projectId);
  // The live version under today's names (bound by id), as the editor shows and sends them.
  const stored = await publishedDefinition(db, flow);
  const published = stored && (resolveBindings(stored, tables) as FlowDefinition);
  const locked = published ? lockedChangeIssues(input.definition, published) : [];
  if (locked.length) throw new TillflowError('FORBIDDEN', locked[0].message);
  const revision = await saveFlowDraft(db, flow.id, input.definition, input.expectedRevision);
  return { revision, issues: validateFlow(input.definition, { tables, previous: published }) };
}

/** Published versions, newest first, each with what changed from the one before. */
export async function listFlowVersionSummaries(db: Executor, flow: StoredFlow) {
  const versions = await listFlowVersions(db, flow.id);
  return versions.map((v, i) => {
    const before = versions[i + 1]?.definition as FlowDefinition | undefined;
    return {
      id: v.id,
      version: v.version,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
      live: v.id === flow.publishedVersionId,
      summary: before ? summarizeDiff(diffFlows(before, v.definition as FlowDefinition)) : 'First version',
    };
  });
}

/** One published version of this flow, or NOT_FOUND. */
export async function getFlowVersion(db: Executor, flowId: string, versionId: string) {
  const [version] = await db
    .select()
    .from(flowVersions)
    .where(and(eq(flowVersions.id, versionId), eq(flowVersions.flowId, flowId)));
  if (!version) throw new TillflowError('NOT_FOUND', 'Version not found.');
  return { ...version, definition: version.definition as FlowDefinition };
}

/** A blank canvas: a Stripe webhook trigger when events are chosen, else a manual one. */
export function blankFlow(events: string[]): FlowDefinition {
  return {
    trigger: events.length ? { kind: 'stripe_webhook', events } : { kind: 'manual' },
    graph: {
      nodes: [{ id: 'trigger', type: 'trigger', label: 'Trigger', config: {}, position: { x: 0, y: 0 } }],
      edges: [],
    },
  };
}

/** A custom flow from a blank canvas (optionally listening to some Stripe events) or from a template. */
export async function createCustomFlow(
  db: Executor,
  input: { projectId: number; name: string; template?: string; events: string[]; createdBy: string | null },
) {
  const template = input.template ? customFlowTemplates.find((t) => t.id === input.template) : undefined;
  if (input.template && !template) throw new TillflowError('VALIDATION', `There is no template '${input.template}'.`);
  return createFlow(db, {
    projectId: input.projectId,
    name: input.name,
    kind: 'custom',
    definition: template ? template.build() : blankFlow(input.events),
    createdBy: input.createdBy,
  });
}

/** The payload of an event this project received (to test-run a flow with it), or NOT_FOUND. */
export async function storedEventPayload(db: Executor, projectId: number, eventRowId: string): Promise<unknown> {
  const [row] = await db
    .select({ payload: stripeEvents.payload })
    .from(stripeEvents)
    .where(and(eq(stripeEvents.id, eventRowId), eq(stripeEvents.projectId, projectId)));
  if (!row) throw new TillflowError('NOT_FOUND', 'Event not found.');
  return row.payload;
}
