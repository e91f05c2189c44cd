import { randomUUID } from 'node:crypto';
import { TillflowError } from '@tillflow/core';
import { type Executor, executeRows, flows } from '@tillflow/db';
import {
  type AppCallPayload,
  type AppCallTrigger,
  type AppIoField,
  appCallOutputs,
  type FlowTrigger,
  isAppCallTrigger,
  parseAppCallInputs,
} from '@tillflow/flow-model';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { extendLeases, processRun } from './run-queue';
import type { RunServices } from './services';

/** A published flow the app may call: its declared inputs, outputs and the roles that may call it. */
export interface AppCallableFlow {
  id: string;
  name: string;
  inputs: AppIoField[];
  outputs: AppIoField[];
  roles: string[];
}

/** The project's published flows with an app_call trigger (a page's "Run actionflow" picks from these). */
export async function listAppCallableFlows(db: Executor, projectId: number): Promise<AppCallableFlow[]> {
  const rows = await db
    .select({ id: flows.id, name: flows.name, trigger: flows.trigger })
    .from(flows)
    .where(and(eq(flows.projectId, projectId), isNotNull(flows.publishedVersionId)))
    .orderBy(flows.name);
  return rows.flatMap((row) => {
    const trigger = row.trigger as FlowTrigger;
    return isAppCallTrigger(trigger)
      ? [{ id: row.id, name: row.name, inputs: trigger.inputs, outputs: trigger.outputs, roles: trigger.roles }]
      : [];
  });
}

/** Whether a role may call the flow (no roles listed: any signed-in end user). */
export const mayCallFlow = (trigger: Pick<AppCallTrigger, 'roles'>, role: string) =>
  trigger.roles.length === 0 || trigger.roles.includes(role);

export interface AppCallInput {
  projectId: number;
  flowId: string;
  /** What the caller sends for the declared inputs (checked against their types here). */
  inputs: Record<string, unknown>;
  caller: AppCallPayload['caller'];
}

export interface AppCallResult {
  runId: string;
  outputs: Record<string, string | number | boolean | null>;
}

/** How long an app call holds its run before another worker may take it over (renewed while it runs). */
const LEASE_MS = 30_000;
/** A call that fails for a reason that may pass (a network error) is tried again this many times in all. */
const MAX_ATTEMPTS = 3;

/**
 * Runs a published app-callable flow for a signed-in end user and returns its declared outputs. The run is an
 * ordinary `flow_run` (in the run history, steps recorded, database steps exactly once): it is inserted already
 * held by this call (a lease renewed while it runs) and executed here at once, so the page gets its answer
 * without waiting for a worker; if this process dies mid-run, the lease runs out and a worker finishes it like
 * any other run. The run's data nodes act as the caller (their role's permissions and row scope apply). Refused
 * with a plain message: a flow that is not callable, a role it does not list, inputs missing or of the wrong type.
 */
export async function callAppFlow(services: RunServices, input: AppCallInput): Promise<AppCallResult> {
  const handle = services.database;
  const [flow] = await handle.db
    .select({ name: flows.name, trigger: flows.trigger, versionId: flows.publishedVersionId })
    .from(flows)
    .where(and(eq(flows.id, input.flowId), eq(flows.projectId, input.projectId)));
  const trigger = flow?.trigger as FlowTrigger | undefined;
  if (!flow?.versionId || !isAppCallTrigger(trigger))
    throw new TillflowError('NOT_FOUND', 'This actionflow is not published for the app any more.');
  if (!mayCallFlow(trigger, input.caller.role))
    throw new TillflowError('FORBIDDEN', `Your role may not run "${flow.name}".`);
  const parsed = parseAppCallInputs(trigger, input.inputs);
  if (!parsed.ok) throw new TillflowError('VALIDATION', `${flow.name}: ${parsed.message}`);
  const payload: AppCallPayload = { inputs: parsed.inputs, caller: input.caller };

  const holder = `app-call:${randomUUID().slice(0, 8)}`;
  const [run] = await executeRows<{ id: string }>(
    handle.db,
    sql`insert into flow_run (project_id, flow_id, flow_version_id, trigger_payload, status, attempt, max_attempts,
          locked_by, lease_until, started_at)
        values (${input.projectId}, ${input.flowId}, ${flow.versionId}, ${JSON.stringify(payload)}::jsonb, 'running', 1,
          ${MAX_ATTEMPTS}, ${holder}, now() + make_interval(secs => ${LEASE_MS / 1000}), now())
        returning id`,
  );
  const renew = setInterval(() => {
    extendLeases(handle, holder, [run.id], LEASE_MS).catch(() => {});
  }, LEASE_MS / 3);
  let outcome: Awaited<ReturnType<typeof processRun>>;
  try {
    outcome = await processRun(
      services,
      holder,
      {
        id: run.id,
        project_id: input.projectId,
        flow_id: input.flowId,
        flow_version_id: flow.versionId,
        trigger_payload: payload,
        attempt: 1,
        max_attempts: MAX_ATTEMPTS,
      },
      { backoffBaseMs: 1000, backoffMaxMs: 30_000 },
      undefined,
      { logger: services.logger },
    );
  } finally {
    clearInterval(renew);
  }
  if (outcome?.status !== 'succeeded') {
    const failed = outcome?.steps.find((s) => s.status === 'failed');
    const reason = failed?.error ?? outcome?.error ?? 'it stopped';
    if (outcome && !outcome.permanent)
      throw new TillflowError('UNAVAILABLE', `"${flow.name}" did not finish yet (${reason}); it will be tried again.`);
    throw new TillflowError('NODE_FAILED', `"${flow.name}" failed: ${reason}`);
  }
  const returned = [...outcome.steps].reverse().find((s) => s.nodeType === 'app_return' && s.status === 'succeeded');
  return { runId: run.id, outputs: appCallOutputs(trigger, returned?.output as Record<string, unknown> | null) };
}
