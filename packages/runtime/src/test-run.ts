import { type EgressGuard, TillflowError } from '@tillflow/core';
import { flowRuns, flowSteps, flows } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import { executeFlow, type StepResult } from './engine';
import type { FlowDefinition } from './graph';
import type { RunServices } from './services';

export interface TestRunInput {
  flowId: string;
  /** The draft to try (defaults to the flow's saved draft). */
  definition?: FlowDefinition;
  /** The trigger payload, e.g. a sample Stripe event. */
  event: unknown;
  /**
   * Leave no database effects: each database node runs in its own transaction that is rolled back after
   * its output is shown (so a later node does not see an earlier node's rows). HTTP, email and code nodes
   * run outside any transaction; their effects are real.
   */
  rollback: boolean;
  /** The guard for the run's outbound calls; the services' by default. */
  egress?: EgressGuard;
}

export interface TestRunResult {
  runId: string;
  status: 'succeeded' | 'failed';
  error: string | null;
  steps: StepResult[];
}

/** Execute a flow now, in this request, and report each node's input, output, error and duration. */
export async function testRunFlow(services: RunServices, input: TestRunInput): Promise<TestRunResult> {
  const handle = services.database;
  const [flow] = await handle.db.select().from(flows).where(eq(flows.id, input.flowId));
  if (!flow) throw new TillflowError('NOT_FOUND', 'Flow not found.');
  const definition = input.definition ?? (flow.draft as FlowDefinition);
  const [run] = await handle.db
    .insert(flowRuns)
    .values({
      projectId: flow.projectId,
      flowId: flow.id,
      triggerPayload: input.event ?? {},
      status: 'running',
      attempt: 1,
      testRun: true,
      startedAt: new Date(),
    })
    .returning({ id: flowRuns.id });
  const base = {
    services,
    runId: run.id,
    projectId: flow.projectId,
    definition,
    trigger: input.event,
    attempt: 1,
    testRun: true,
    egress: input.egress,
  };
  let outcome: Awaited<ReturnType<typeof executeFlow>>;
  if (input.rollback) {
    // Each database node in a short transaction that is rolled back; nothing is held open across the
    // HTTP, email and code nodes in between.
    outcome = await executeFlow({ ...base, persist: false, rollbackDatabaseEffects: true });
    const recorded = outcome.steps.filter((s) => s.status !== 'skipped');
    if (recorded.length > 0)
      await handle.db.insert(flowSteps).values(
        recorded.map((s) => ({
          runId: run.id,
          nodeId: s.nodeId,
          nodeType: s.nodeType,
          status: s.status,
          input: s.input,
          output: s.output,
          error: s.error,
          branch: s.branch,
          stopped: s.stopped,
          startedAt: s.startedAt,
          durationMs: s.durationMs,
        })),
      );
  } else {
    outcome = await executeFlow({ ...base, persist: true });
  }
  await handle.db
    .update(flowRuns)
    .set({ status: outcome.status, error: outcome.error, finishedAt: new Date() })
    .where(eq(flowRuns.id, run.id));
  return { runId: run.id, status: outcome.status, error: outcome.error, steps: outcome.steps };
}
