import { type Executor, preparedRows } from '@tillflow/db';
import { type SQL, sql } from 'drizzle-orm';
import type { GraphNode } from './graph';

// How steps are written to flow_step. Every write refuses to overwrite a
// succeeded step: that row is the proof an effect happened.

export interface StepResult {
  nodeId: string;
  nodeType: string;
  status: 'succeeded' | 'failed' | 'skipped';
  input: unknown;
  output: unknown;
  error: string | null;
  branch: string | null;
  stopped: boolean;
  startedAt: Date;
  durationMs: number;
  /** True when a previous attempt had completed it and its output was reused. */
  reused?: boolean;
}

export interface CompletedStep {
  output: unknown;
  branch: string | null;
  stopped: boolean;
}

// Pure steps are recorded lazily: with the next step that touches the
// database (in its transaction, so an effect is never committed without the
// decisions that led to it) or when the run ends. A crash before that only
// repeats pure work.
export type Pending = { steps: StepResult[] };

export type Outcome = Pick<StepResult, 'status' | 'output' | 'error' | 'branch' | 'stopped' | 'durationMs' | 'reused'>;

/** Which run attempt a write belongs to. */
export interface StepOwner {
  runId: string;
  attempt: number;
}

// Stryker disable next-line BlockStatement: completedSteps emptied: a retried run is protected twice, by the completed steps it loads and by each outbound step's claim (claimStep)
/** The steps of a run that succeeded in earlier attempts or earlier in this one: reused, not run again. */
export async function completedSteps(db: Executor, runId: string): Promise<Map<string, CompletedStep>> {
  const rows = await preparedRows<{ node_id: string; output: unknown; branch: string | null; stopped: boolean }>(
    db,
    // Stryker disable next-line StringLiteral: completedSteps emptied: a retried run is protected twice, by the completed steps it loads and by each outbound step's claim (claimStep)
    sql`select node_id, output, branch, stopped from flow_step where run_id = ${runId} and status = 'succeeded'`,
  );
  // Stryker disable next-line ArrayDeclaration: completedSteps emptied: a retried run is protected twice, by the completed steps it loads and by each outbound step's claim (claimStep)
  return new Map(rows.map((r) => [r.node_id, { output: r.output, branch: r.branch, stopped: r.stopped }]));
}

export async function flushPending(db: Executor, options: StepOwner, pending: Pending): Promise<void> {
  if (pending.steps.length === 0) return;
  await preparedRows(db, pendingInsert(options, pending));
}

/** A run attempt's steps to record together. */
export interface StepRecords {
  owner: StepOwner;
  steps: StepResult[];
}

/**
 * One statement for the end of a segment of a run's shared transaction (or of a group of runs, see RunGroup):
 * records the pending steps (all as succeeded) and, when given, the final status (`finish`: an `update … returning
 * id` expected to update `finished` rows). It throws when a step was already recorded by another worker (its upsert
 * returned no row) or `finish` updated fewer rows (this worker no longer holds a run): the caller rolls the
 * transaction back.
 */
export async function recordSegment(db: Executor, records: StepRecords[], finish?: SQL, finished = 1): Promise<void> {
  const steps = records.reduce((n, r) => n + r.steps.length, 0);
  // Stryker disable next-line BooleanLiteral: with nothing to record the statement made wrong fails and the attempt goes node by node, same outcome, only slower; a finish never comes without steps
  if (steps === 0 && !finish) return;
  const parts: SQL[] = [];
  if (steps > 0) parts.push(sql`steps as (${stepsInsert(records)} returning 1)`);
  if (finish) parts.push(sql`fin as (${finish})`);
  const [row] = await preparedRows<{ steps: number; fin: number }>(
    db,
    sql`with ${sql.join(parts, sql`, `)}
        select ${steps > 0 ? sql`(select count(*) from steps)::int` : sql`0`} as steps,
          ${finish ? sql`(select count(*) from fin)::int` : sql`${finished}::int`} as fin`,
  );
  // Stryker disable next-line StringLiteral: the error only sends the attempt node by node (SegmentFailed); its words are never shown
  if (Number(row.steps) !== steps) throw new Error('Another worker recorded this step first.');
  // Stryker disable next-line StringLiteral: the error only sends the attempt node by node (SegmentFailed); its words are never shown
  if (Number(row.fin) !== finished) throw new Error('This worker no longer holds the run.');
}

export function pendingInsert(options: StepOwner, pending: Pending) {
  return stepsInsert([{ owner: options, steps: pending.steps }]);
}

/** Upserts succeeded steps of one or more run attempts; a step another attempt completed is left as it is. */
function stepsInsert(records: StepRecords[]) {
  const rows = records.flatMap(({ owner, steps }) =>
    steps.map((s) => ({
      run_id: owner.runId,
      attempt: owner.attempt,
      node_id: s.nodeId,
      node_type: s.nodeType,
      input: s.input,
      output: s.output,
      branch: s.branch,
      stopped: s.stopped,
      started_at: s.startedAt.toISOString(),
      duration_ms: s.durationMs,
    })),
  );
  return sql`insert into flow_step (run_id, node_id, node_type, status, input, output, branch, stopped, attempt, started_at, duration_ms)
        select x.run_id, x.node_id, x.node_type, 'succeeded', x.input, x.output, x.branch, x.stopped,
          x.attempt, x.started_at, x.duration_ms
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(run_id uuid, attempt int, node_id text,
          node_type text, input jsonb, output jsonb, branch text, stopped boolean, started_at timestamptz,
          duration_ms int)
        on conflict (run_id, node_id) do update set status = 'succeeded', input = excluded.input,
          output = excluded.output, branch = excluded.branch, stopped = excluded.stopped, attempt = excluded.attempt,
          started_at = excluded.started_at, duration_ms = excluded.duration_ms, error = null
        where flow_step.status <> 'succeeded'`;
}

/**
 * Claims an outbound step's row before the call (the pure steps before it were flushed first); if another attempt
 * already completed it, reuses its result instead of calling again.
 */
export async function claimStep(tx: Executor, options: StepOwner, node: GraphNode): Promise<Outcome | null> {
  const claimed = await preparedRows(
    tx,
    sql`insert into flow_step (run_id, node_id, node_type, status, attempt, started_at)
        values (${options.runId}, ${node.id}, ${node.type}, 'running', ${options.attempt}, now())
        on conflict (run_id, node_id) do update set status = 'running', attempt = excluded.attempt,
          started_at = excluded.started_at, error = null
        where flow_step.status <> 'succeeded'
        returning id`,
  );
  if (claimed.length > 0) return null;
  const [done] = await preparedRows<{ output: unknown; branch: string | null; stopped: boolean }>(
    tx,
    sql`select output, branch, stopped from flow_step where run_id = ${options.runId} and node_id = ${node.id}`,
  );
  return reusedOutcome(done);
}

/** A step some attempt already completed: its recorded result, not run again. */
function reusedOutcome(done: { output: unknown; branch: string | null; stopped: boolean }): Outcome {
  return {
    status: 'succeeded',
    output: done.output,
    error: null,
    branch: done.branch,
    stopped: done.stopped,
    durationMs: 0,
    reused: true,
  };
}

export async function completeStep(
  tx: Executor,
  options: StepOwner,
  node: GraphNode,
  input: unknown,
  outcome: Outcome,
) {
  await preparedRows(
    tx,
    sql`update flow_step set status = 'succeeded', input = ${JSON.stringify(input)}::jsonb,
          output = ${JSON.stringify(outcome.output)}::jsonb, branch = ${outcome.branch}, stopped = ${outcome.stopped},
          duration_ms = ${outcome.durationMs}
        where run_id = ${options.runId} and node_id = ${node.id}`,
  );
}

export async function succeededStep(db: Executor, options: StepOwner, node: GraphNode): Promise<Outcome | null> {
  const [done] = await preparedRows<{ output: unknown; branch: string | null; stopped: boolean }>(
    db,
    sql`select output, branch, stopped from flow_step
        where run_id = ${options.runId} and node_id = ${node.id} and status = 'succeeded'`,
  );
  if (!done) return null;
  return reusedOutcome(done);
}

export async function recordFailedStep(db: Executor, options: StepOwner, step: StepResult): Promise<void> {
  await preparedRows(
    db,
    sql`insert into flow_step (run_id, node_id, node_type, status, input, error, attempt, started_at, duration_ms)
        values (${options.runId}, ${step.nodeId}, ${step.nodeType}, 'failed', ${JSON.stringify(step.input)}::jsonb,
          ${step.error}, ${options.attempt}, ${step.startedAt.toISOString()}, ${step.durationMs})
        on conflict (run_id, node_id) do update set status = 'failed', input = excluded.input, error = excluded.error,
          attempt = excluded.attempt, started_at = excluded.started_at, duration_ms = excluded.duration_ms
        where flow_step.status <> 'succeeded'`,
  );
}
