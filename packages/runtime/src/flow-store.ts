import { TillflowError } from '@tillflow/core';
import { listTables } from '@tillflow/data-model';
import { type Executor, flows, flowVersions } from '@tillflow/db';
import {
  publishIssueFieldErrors,
  publishRefusedMessage,
  type ValidationIssue,
  validateFlow,
} from '@tillflow/flow-model';
import { and, desc, eq, sql } from 'drizzle-orm';
import { stampStoredBindings } from './bindings';
import type { FlowDefinition, FlowTrigger } from './graph';
import { invalidateRoutingCache } from './routing-cache';

/** A publish the validator refused; the message lists every problem, fieldErrors mark the nodes. */
export class FlowValidationError extends TillflowError {
  constructor(readonly issues: ValidationIssue[]) {
    super('PRECONDITION_FAILED', publishRefusedMessage(issues), { fieldErrors: publishIssueFieldErrors(issues) });
    this.name = 'FlowValidationError';
  }
}

/** A save based on an older revision than the stored draft. */
export class FlowConflictError extends TillflowError {
  constructor(readonly currentRevision: number) {
    super(
      'CONFLICT',
      'Someone else saved this flow since you opened it. Reload to see their changes; your last edit was not saved.',
    );
    this.name = 'FlowConflictError';
  }
}

export interface CreateFlowInput {
  projectId: number;
  name: string;
  kind: 'system' | 'custom';
  systemKind?: string | null;
  definition: FlowDefinition;
  /** Publish the definition as version 1 right away (system flows). */
  publish?: boolean;
  /** Publish without the flow model's validation (node types registered outside the catalog, e.g. tests). */
  skipValidation?: boolean;
  createdBy?: string | null;
}

export async function createFlow(db: Executor, input: CreateFlowInput) {
  return db.transaction(async (tx) => {
    const definition = await stampStoredBindings(tx, input.projectId, input.definition);
    const [flow] = await tx
      .insert(flows)
      .values({
        projectId: input.projectId,
        name: input.name,
        kind: input.kind,
        systemKind: input.systemKind ?? null,
        trigger: definition.trigger,
        draft: definition,
      })
      .returning();
    if (!input.publish) return flow;
    const version = await publishFlow(tx, flow.id, input.createdBy ?? null, { skipValidation: input.skipValidation });
    return { ...flow, publishedVersionId: version.id };
  });
}

export async function getFlow(db: Executor, flowId: string) {
  const [flow] = await db.select().from(flows).where(eq(flows.id, flowId));
  return flow ?? null;
}

export async function listFlows(db: Executor, projectId: number) {
  return db.select().from(flows).where(eq(flows.projectId, projectId)).orderBy(flows.createdAt);
}

/** Save the draft if nobody saved since `expectedRevision`; returns the new revision. */
export async function saveFlowDraft(
  db: Executor,
  flowId: string,
  definition: FlowDefinition,
  expectedRevision: number,
): Promise<number> {
  const [owner] = await db.select({ projectId: flows.projectId }).from(flows).where(eq(flows.id, flowId));
  if (!owner) throw new TillflowError('NOT_FOUND', 'Flow not found.');
  const draft = await stampStoredBindings(db, owner.projectId, definition);
  const [row] = await db
    .update(flows)
    .set({ draft, draftRevision: sql`${flows.draftRevision} + 1`, updatedAt: new Date() })
    .where(and(eq(flows.id, flowId), eq(flows.draftRevision, expectedRevision)))
    .returning({ revision: flows.draftRevision });
  if (row) return row.revision;
  const current = await getFlow(db, flowId);
  if (!current) throw new TillflowError('NOT_FOUND', 'Flow not found.');
  throw new FlowConflictError(current.draftRevision);
}

/** Freeze the current draft as the next version and route new events to it. */
export async function publishFlow(
  db: Executor,
  flowId: string,
  createdBy: string | null = null,
  options: { skipValidation?: boolean } = {},
) {
  const version = await db.transaction(async (tx) => {
    const [flow] = await tx.select().from(flows).where(eq(flows.id, flowId)).for('update');
    if (!flow) throw new TillflowError('NOT_FOUND', 'Flow not found.');
    const [last] = await tx
      .select({ version: flowVersions.version, definition: flowVersions.definition })
      .from(flowVersions)
      .where(eq(flowVersions.flowId, flowId))
      .orderBy(desc(flowVersions.version))
      .limit(1);
    // Bound by id: a table or column renamed since the draft was saved is published under its new name.
    const definition = await stampStoredBindings(tx, flow.projectId, flow.draft as FlowDefinition);
    if (!options.skipValidation) {
      // The same checks the editor shows, against the project's tables as they are now; locked nodes
      // (system callbacks) must match the last published version.
      const issues = validateFlow(definition, {
        tables: await listTables(tx, flow.projectId),
        previous: last?.definition as FlowDefinition | undefined,
      });
      if (issues.length > 0) throw new FlowValidationError(issues);
    }
    const [version] = await tx
      .insert(flowVersions)
      .values({ flowId, version: (last?.version ?? 0) + 1, definition, createdBy })
      .returning();
    await tx
      .update(flows)
      .set({
        publishedVersionId: version.id,
        trigger: definition.trigger as FlowTrigger,
        updatedAt: new Date(),
      })
      .where(eq(flows.id, flowId));
    return version;
  });
  invalidateRoutingCache();
  return version;
}

export async function listFlowVersions(db: Executor, flowId: string) {
  return db.select().from(flowVersions).where(eq(flowVersions.flowId, flowId)).orderBy(desc(flowVersions.version));
}

export async function deleteFlow(db: Executor, projectId: number, flowId: string): Promise<void> {
  await db.delete(flows).where(and(eq(flows.id, flowId), eq(flows.projectId, projectId)));
  invalidateRoutingCache();
}

/**
 * A system flow created by an older release handles fewer events than today's template: the missing
 * events are added to its trigger (draft and a new published version copied from the last one, so a
 * builder's unpublished edits stay unpublished). Returns the events added; none when already complete.
 */
export async function addTriggerEvents(db: Executor, flowId: string, events: string[]): Promise<string[]> {
  const added = await db.transaction(async (tx) => {
    const [flow] = await tx.select().from(flows).where(eq(flows.id, flowId)).for('update');
    if (!flow) throw new TillflowError('NOT_FOUND', 'Flow not found.');
    const trigger = flow.trigger as FlowTrigger;
    if (trigger.kind !== 'stripe_webhook') return [];
    const have = trigger.events ?? [];
    const missing = events.filter((e) => !have.includes(e));
    if (have.length === 0 || have.includes('*') || missing.length === 0) return [];
    const withEvents = (d: FlowDefinition): FlowDefinition => {
      if (d.trigger.kind !== 'stripe_webhook') return d;
      const own = d.trigger.events ?? [];
      return { ...d, trigger: { ...d.trigger, events: [...own, ...missing.filter((e) => !own.includes(e))] } };
    };
    const draft = withEvents(flow.draft as FlowDefinition);
    await tx
      .update(flows)
      .set({ draft, trigger: draft.trigger as FlowTrigger, updatedAt: new Date() })
      .where(eq(flows.id, flowId));
    if (!flow.publishedVersionId) return missing;
    const [published] = await tx.select().from(flowVersions).where(eq(flowVersions.id, flow.publishedVersionId));
    const [last] = await tx
      .select({ version: flowVersions.version })
      .from(flowVersions)
      .where(eq(flowVersions.flowId, flowId))
      .orderBy(desc(flowVersions.version))
      .limit(1);
    const [version] = await tx
      .insert(flowVersions)
      .values({
        flowId,
        version: (last?.version ?? 0) + 1,
        definition: withEvents(published.definition as FlowDefinition),
        createdBy: null,
      })
      .returning();
    await tx.update(flows).set({ publishedVersionId: version.id }).where(eq(flows.id, flowId));
    return missing;
  });
  if (added.length > 0) invalidateRoutingCache();
  return added;
}
