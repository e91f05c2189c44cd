import { type EgressGuard, NonRetriableError, retryAfterMs } from '@tillflow/core';
import { type Executor, executeRows } from '@tillflow/db';
import {
  configForEvaluation,
  evaluateTemplate as evaluateBindings,
  isNodeTypeId,
  parseRunConfig,
  upgradeStoredConfig,
} from '@tillflow/flow-model';
import { sql } from 'drizzle-orm';
import { resolveStoredBindings } from './bindings';
import { stepCommitted } from './crash-points';
import { type FlowDefinition, type GraphNode, graphOf, topologicalOrder } from './graph';
import { isPermanentError, type NodeContext, type NodeExecutor } from './registry';
import { executorFor, type RunServices } from './services';
import {
  type CompletedStep,
  claimStep,
  completeStep,
  flushPending,
  type Outcome,
  type Pending,
  pendingInsert,
  recordFailedStep,
  type StepResult,
  succeededStep,
} from './step-records';

export type { CompletedStep, StepResult };

export interface ExecuteFlowOptions {
  /** The database, the executors and what they use (mailer, Stripe clients, code sandbox, egress guard). */
  services: RunServices;
  runId: string;
  projectId: number;
  definition: FlowDefinition;
  trigger: unknown;
  attempt: number;
  testRun?: boolean;
  /** Write flow_step rows (false for test runs rolled back: they are recorded afterwards). */
  persist: boolean;
  /**
   * A test run that leaves nothing behind: each database node runs in a short transaction of its own that is
   * rolled back once its output is captured (later nodes do not see its effect); no transaction is held open
   * across HTTP, email or code nodes, so a slow outbound call never blocks other writers.
   */
  rollbackDatabaseEffects?: boolean;
  /** Steps a previous attempt completed: skipped, their outputs reused. */
  completed?: Map<string, CompletedStep>;
  /** The guard for outbound calls when not the services' (tests open their loopback servers here). */
  egress?: EgressGuard;
}

export interface FlowOutcome {
  status: 'succeeded' | 'failed';
  error: string | null;
  permanent: boolean;
  /** A node's RetryAfterError asked for this wait before the next attempt (instead of the backoff). */
  retryAfterMs?: number | null;
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
  // Tables and columns are bound by id: a flow published before a rename runs with today's names.
  const definition = await resolveStoredBindings(options.services.database.db, options.projectId, options.definition);
  const graph = graphOf(definition);
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
      return {
        status: 'failed',
        error: `${node.id}: ${step.error}`,
        permanent: permanentOf(step),
        retryAfterMs: retryAfterOf.get(step) ?? null,
        steps,
      };
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
  if (options.persist && pending.steps.length > 0) {
    await flushPending(options.services.database.db, options, pending);
    stepCommitted();
  }
  return { status: 'succeeded', error: null, permanent: false, steps };
}

const permanentFlags = new WeakMap<StepResult, boolean>();
const permanentOf = (step: StepResult) => permanentFlags.get(step) ?? false;
const retryAfterOf = new WeakMap<StepResult, number>();

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
  const executor = executorFor(options.services, node.type);
  let input: unknown = null;
  let branch: string | null = null;
  let stopped = false;
  try {
    if (!executor) throw new NonRetriableError(`No executor is registered for node type "${node.type}".`);
    const stored = upgradeStoredConfig(node.type, node.config ?? {});
    const evaluated = jsonSafe(
      evaluateBindings(configForEvaluation(node.type, stored), { trigger: options.trigger, nodes: outputs, vars }),
    ) as Record<string, unknown>;
    input = evaluated;
    // The catalog's own schema decides what the executor gets (defaults applied); a config it refuses
    // will not heal on retry. (Only test doubles run types the catalog does not declare.)
    let config = evaluated;
    if (isNodeTypeId(node.type)) {
      const parsed = parseRunConfig(node.type, evaluated, stored);
      if (!parsed.success) throw new NonRetriableError(parsed.message);
      config = parsed.config as Record<string, unknown>;
    }
    const context = (tx: Executor): NodeContext => ({
      runId: options.runId,
      projectId: options.projectId,
      node,
      config,
      trigger: options.trigger,
      nodes: outputs,
      tx,
      handle: options.services.database,
      idempotencyKey: `${options.runId}:${node.id}`,
      attempt: options.attempt,
      testRun: options.testRun ?? false,
      egress: options.egress ?? options.services.egress,
      services: options.services,
      branch: (label) => {
        branch = label;
      },
      stop: () => {
        stopped = true;
      },
    });
    const base = options.services.database.db;
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
      : (options.rollbackDatabaseEffects ? rolledBack : committed)(base, (tx) =>
          runTransactional(options, node, executor, tx, context, startedAt, input, control, pending),
        ).then(
          (outcome) => {
            pending.steps = []; // committed with this step
            if (options.persist && !options.rollbackDatabaseEffects) stepCommitted();
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
    const wait = retryAfterMs(error);
    if (wait !== null) retryAfterOf.set(step, wait);
    if (options.persist) {
      // A rolled-back transaction took the flushed pending steps with it: keep them in the list until they land.
      await flushPending(options.services.database.db, options, pending);
      pending.steps = [];
      await recordFailedStep(options.services.database.db, options, step);
    }
    return step;
  }
}

const committed = <T>(db: Executor, work: (tx: Executor) => Promise<T>): Promise<T> => db.transaction(work);

class RollBack extends Error {}

/** Runs `work` in a transaction and rolls it back, returning what `work` returned. */
async function rolledBack<T>(db: Executor, work: (tx: Executor) => Promise<T>): Promise<T> {
  let result: { value: T } | null = null;
  try {
    await db.transaction(async (tx) => {
      result = { value: await work(tx) };
      throw new RollBack();
    });
  } catch (error) {
    if (!(error instanceof RollBack)) throw error;
  }
  return (result as unknown as { value: T }).value;
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
  if (options.persist) {
    await completeStep(base, options, node, input, outcome);
    stepCommitted();
  }
  return outcome;
}
