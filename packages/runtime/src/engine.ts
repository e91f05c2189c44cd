import { type DbHandle, type Executor, executeRows } from '@tillflow/db';
import { configForEvaluation, evaluateTemplate as evaluateBindings } from '@tillflow/flow-model';
import { sql } from 'drizzle-orm';
import { type FlowDefinition, type GraphNode, graphOf, topologicalOrder } from './graph';
import { getNodeExecutor, isPermanentError, type NodeContext, type NodeExecutor, PermanentNodeError } from './registry';

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

export interface ExecuteFlowOptions {
  handle: DbHandle;
  runId: string;
  projectId: number;
  definition: FlowDefinition;
  trigger: unknown;
  attempt: number;
  testRun?: boolean;
  /** Write flow_step rows (false for test runs rolled back: they are recorded afterwards). */
  persist: boolean;
  /** Run all database work on this executor instead of the handle (a test run's outer transaction). */
  executor?: Executor;
  /** Steps a previous attempt completed: skipped, their outputs reused. */
  completed?: Map<string, CompletedStep>;
}

// Pure steps are recorded lazily: with the next step that touches the
// database (in its transaction, so an effect is never committed without the
// decisions that led to it) or when the run ends. A crash before that only
// repeats pure work.
type Pending = { steps: StepResult[] };

export interface FlowOutcome {
  status: 'succeeded' | 'failed';
  error: string | null;
  permanent: boolean;
  steps: StepResult[];
}

const jsonSafe = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/**
 * Runs a flow graph from its roots. A node runs when one of its incoming edges
 * was taken (unlabelled edges always are; labelled ones when the source chose
 * that branch). The first failing node ends the run.
 */
export async function executeFlow(options: ExecuteFlowOptions): Promise<FlowOutcome> {
  const graph = graphOf(options.definition);
  const order = topologicalOrder(graph);
  const hasIncoming = new Set(graph.edges.map((e) => e.target));
  const active = new Set(order.filter((n) => !hasIncoming.has(n.id)).map((n) => n.id));
  const outputs: Record<string, unknown> = {};
  const vars: Record<string, unknown> = {};
  const steps: StepResult[] = [];
  const pending: Pending = { steps: [] };
  for (const node of order) {
    if (!active.has(node.id)) {
      steps.push(skippedStep(node));
      continue;
    }
    const step = await runStep(options, node, outputs, vars, pending);
    steps.push(step);
    if (step.status === 'failed')
      // (the failure itself was recorded with the pending steps)
      return { status: 'failed', error: `${node.id}: ${step.error}`, permanent: permanentOf(step), steps };
    outputs[node.id] = step.output;
    if (node.type === SET_VARIABLES && step.output && typeof step.output === 'object') Object.assign(vars, step.output);
    if (step.stopped) {
      for (const rest of order.slice(order.indexOf(node) + 1))
        if (!steps.some((s) => s.nodeId === rest.id)) steps.push(skippedStep(rest));
      break;
    }
    for (const edge of graph.edges)
      if (edge.source === node.id && (!edge.branch || edge.branch === 'next' || edge.branch === step.branch))
        active.add(edge.target);
  }
  if (options.persist) await flushPending(options.executor ?? options.handle.db, options, pending);
  return { status: 'succeeded', error: null, permanent: false, steps };
}

async function flushPending(db: Executor, options: ExecuteFlowOptions, pending: Pending): Promise<void> {
  if (pending.steps.length === 0) return;
  await db.execute(pendingInsert(options, pending));
}

function pendingInsert(options: ExecuteFlowOptions, pending: Pending) {
  const rows = pending.steps.map((s) => ({
    node_id: s.nodeId,
    node_type: s.nodeType,
    input: s.input,
    output: s.output,
    branch: s.branch,
    stopped: s.stopped,
    started_at: s.startedAt.toISOString(),
    duration_ms: s.durationMs,
  }));
  return sql`insert into flow_step (run_id, node_id, node_type, status, input, output, branch, stopped, attempt, started_at, duration_ms)
        select ${options.runId}, x.node_id, x.node_type, 'succeeded', x.input, x.output, x.branch, x.stopped,
          ${options.attempt}, x.started_at, x.duration_ms
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(node_id text, node_type text, input jsonb,
          output jsonb, branch text, stopped boolean, started_at timestamptz, duration_ms int)
        on conflict (run_id, node_id) do update set status = 'succeeded', input = excluded.input,
          output = excluded.output, branch = excluded.branch, stopped = excluded.stopped, attempt = excluded.attempt,
          started_at = excluded.started_at, duration_ms = excluded.duration_ms, error = null
        where flow_step.status <> 'succeeded'`;
}

const permanentFlags = new WeakMap<StepResult, boolean>();
const permanentOf = (step: StepResult) => permanentFlags.get(step) ?? false;

function skippedStep(node: GraphNode): StepResult {
  return {
    nodeId: node.id,
    nodeType: node.type,
    status: 'skipped',
    input: null,
    output: null,
    error: null,
    branch: null,
    stopped: false,
    startedAt: new Date(),
    durationMs: 0,
  };
}

const SET_VARIABLES = 'set_variables';

async function runStep(
  options: ExecuteFlowOptions,
  node: GraphNode,
  outputs: Record<string, unknown>,
  vars: Record<string, unknown>,
  pending: Pending,
): Promise<StepResult> {
  const startedAt = new Date();
  const prior = options.completed?.get(node.id);
  if (prior) return { ...skippedStep(node), status: 'succeeded', ...prior, startedAt, reused: true };
  const executor = getNodeExecutor(node.type);
  let input: unknown = null;
  let branch: string | null = null;
  let stopped = false;
  try {
    if (!executor) throw new PermanentNodeError(`No executor is registered for node type "${node.type}".`);
    const config = jsonSafe(
      evaluateBindings(configForEvaluation(node.type, node.config ?? {}), {
        trigger: options.trigger,
        nodes: outputs,
        vars,
      }),
    ) as Record<string, unknown>;
    input = config;
    const context = (tx: Executor): NodeContext => ({
      runId: options.runId,
      projectId: options.projectId,
      node,
      config,
      trigger: options.trigger,
      nodes: outputs,
      tx,
      handle: options.handle,
      idempotencyKey: `${options.runId}:${node.id}`,
      attempt: options.attempt,
      testRun: options.testRun ?? false,
      branch: (label) => {
        branch = label;
      },
      stop: () => {
        stopped = true;
      },
    });
    const base = options.executor ?? options.handle.db;
    const control = () => ({ branch, stopped });
    if (executor.effect === 'pure') {
      const output = jsonSafe(await executor.execute(context(base)));
      const step: StepResult = {
        nodeId: node.id,
        nodeType: node.type,
        status: 'succeeded',
        input,
        output,
        error: null,
        ...control(),
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
      };
      if (options.persist) pending.steps.push(step);
      return step;
    }
    const result = await (executor.effect === 'external'
      ? (async () => {
          if (options.persist) await flushPending(base, options, pending);
          pending.steps = [];
          return runExternal(options, node, executor, base, context, startedAt, input, control);
        })()
      : base
          .transaction((tx) =>
            runTransactional(options, node, executor, tx, context, startedAt, input, control, pending),
          )
          .then(
            (outcome) => {
              pending.steps = []; // committed with this step
              return outcome;
            },
            async (error) => {
              // Another worker (whose lease we took over while it was still alive) committed this step
              // first: our effect was rolled back, theirs stands; continue with their output.
              const done = options.persist ? await succeededStep(base, options, node) : null;
              if (done) return done;
              throw error;
            },
          ));
    return { ...result, nodeId: node.id, nodeType: node.type, input, startedAt };
  } catch (error) {
    const step: StepResult = {
      nodeId: node.id,
      nodeType: node.type,
      status: 'failed',
      input,
      output: null,
      error: errorMessage(error),
      branch: null,
      stopped: false,
      startedAt,
      durationMs: Date.now() - startedAt.getTime(),
    };
    permanentFlags.set(step, isPermanentError(error));
    if (options.persist) {
      // A rolled-back transaction took the flushed pending steps with it: keep them in the list until they land.
      await flushPending(options.executor ?? options.handle.db, options, pending);
      pending.steps = [];
      await recordFailedStep(options, step);
    }
    return step;
  }
}

type Outcome = Pick<StepResult, 'status' | 'output' | 'error' | 'branch' | 'stopped' | 'durationMs' | 'reused'>;

/** Claims the step row inside the transaction; if another attempt already committed it, reuses its result. */
async function claimStep(
  tx: Executor,
  options: ExecuteFlowOptions,
  node: GraphNode,
  pending?: Pending,
): Promise<Outcome | null> {
  // The pending pure steps ride along in the same statement (one round trip less per step).
  const before =
    pending && pending.steps.length > 0 ? sql`with pending as (${pendingInsert(options, pending)}) ` : sql``;
  const claimed = await executeRows(
    tx,
    sql`${before}insert into flow_step (run_id, node_id, node_type, status, attempt, started_at)
        values (${options.runId}, ${node.id}, ${node.type}, 'running', ${options.attempt}, now())
        on conflict (run_id, node_id) do update set status = 'running', attempt = excluded.attempt,
          started_at = excluded.started_at, error = null
        where flow_step.status <> 'succeeded'
        returning id`,
  );
  if (claimed.length > 0) return null;
  const [done] = await executeRows<{ output: unknown; branch: string | null; stopped: boolean }>(
    tx,
    sql`select output, branch, stopped from flow_step where run_id = ${options.runId} and node_id = ${node.id}`,
  );
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

async function completeStep(
  tx: Executor,
  options: ExecuteFlowOptions,
  node: GraphNode,
  input: unknown,
  outcome: Outcome,
) {
  await tx.execute(
    sql`update flow_step set status = 'succeeded', input = ${JSON.stringify(input)}::jsonb,
          output = ${JSON.stringify(outcome.output)}::jsonb, branch = ${outcome.branch}, stopped = ${outcome.stopped},
          duration_ms = ${outcome.durationMs}
        where run_id = ${options.runId} and node_id = ${node.id}`,
  );
}

class StepAlreadyRecorded extends Error {
  constructor() {
    super('Another worker recorded this step first.');
  }
}

/**
 * A database step: effect, then its record, in one transaction. The record is
 * an upsert that refuses to overwrite a succeeded step, so if two workers race
 * on one step only the first commit survives; the other rolls back.
 */
async function runTransactional(
  options: ExecuteFlowOptions,
  node: GraphNode,
  executor: NodeExecutor,
  tx: Executor,
  context: (tx: Executor) => NodeContext,
  startedAt: Date,
  input: unknown,
  control: () => { branch: string | null; stopped: boolean },
  pending: Pending,
): Promise<Outcome> {
  const output = jsonSafe(await executor.execute(context(tx)));
  const outcome: Outcome = {
    status: 'succeeded',
    output,
    error: null,
    ...control(),
    durationMs: Date.now() - startedAt.getTime(),
  };
  if (options.persist) {
    const mine: StepResult = {
      ...outcome,
      nodeId: node.id,
      nodeType: node.type,
      input,
      startedAt,
      status: 'succeeded',
    };
    const before = pending.steps.length > 0 ? sql`with pending as (${pendingInsert(options, pending)}) ` : sql``;
    const recorded = await executeRows(tx, sql`${before}${pendingInsert(options, { steps: [mine] })} returning id`);
    if (recorded.length === 0) throw new StepAlreadyRecorded();
  }
  return outcome;
}

async function succeededStep(db: Executor, options: ExecuteFlowOptions, node: GraphNode): Promise<Outcome | null> {
  const [done] = await executeRows<{ output: unknown; branch: string | null; stopped: boolean }>(
    db,
    sql`select output, branch, stopped from flow_step
        where run_id = ${options.runId} and node_id = ${node.id} and status = 'succeeded'`,
  );
  if (!done) return null;
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

async function runExternal(
  options: ExecuteFlowOptions,
  node: GraphNode,
  executor: NodeExecutor,
  base: Executor,
  context: (tx: Executor) => NodeContext,
  startedAt: Date,
  input: unknown,
  control: () => { branch: string | null; stopped: boolean },
): Promise<Outcome> {
  if (options.persist) {
    const reused = await claimStep(base, options, node);
    if (reused) return reused;
  }
  const output = jsonSafe(await executor.execute(context(base)));
  const outcome: Outcome = {
    status: 'succeeded',
    output,
    error: null,
    ...control(),
    durationMs: Date.now() - startedAt.getTime(),
  };
  if (options.persist) await completeStep(base, options, node, input, outcome);
  return outcome;
}

async function recordFailedStep(options: ExecuteFlowOptions, step: StepResult): Promise<void> {
  const db = options.executor ?? options.handle.db;
  await db.execute(
    sql`insert into flow_step (run_id, node_id, node_type, status, input, error, attempt, started_at, duration_ms)
        values (${options.runId}, ${step.nodeId}, ${step.nodeType}, 'failed', ${JSON.stringify(step.input)}::jsonb,
          ${step.error}, ${options.attempt}, ${step.startedAt.toISOString()}, ${step.durationMs})
        on conflict (run_id, node_id) do update set status = 'failed', input = excluded.input, error = excluded.error,
          attempt = excluded.attempt, started_at = excluded.started_at, duration_ms = excluded.duration_ms
        where flow_step.status <> 'succeeded'`,
  );
}
