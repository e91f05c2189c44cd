import { type EgressGuard, NonRetriableError, retryAfterMs } from '@tillflow/core';
import { type Actor, announceChanges, BACKEND, canAnnounceChanges, pinMetadata } from '@tillflow/data-model';
import { type DbHandle, type Executor, executeRows } from '@tillflow/db';
import {
  configForEvaluation,
  evaluateTemplate as evaluateBindings,
  isNodeTypeId,
  parseRunConfig,
  upgradeStoredConfig,
} from '@tillflow/flow-model';
import { type SQL, sql } from 'drizzle-orm';
import { carriesIds, resolveStoredBindings } from './bindings';
import { stepCommitted } from './crash-points';
import { type FlowDefinition, type GraphNode, graphOf, type RunnableGraph, topologicalOrder } from './graph';
import { isPermanentError, type NodeContext, type NodeExecutor } from './registry';
import { executorFor, type RunServices } from './services';
import {
  type CompletedStep,
  claimStep,
  completedSteps,
  completeStep,
  flushPending,
  type Outcome,
  type Pending,
  pendingInsert,
  recordFailedStep,
  recordSegment,
  type StepOwner,
  type StepRecords,
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
  /**
   * The run's final "succeeded" status, written in the flow's last transaction by the same statement as its
   * last step records: the worker's fenced `update flow_run … returning id` (no row: this worker no longer
   * holds the run, and the transaction rolls back). Absent: the caller writes the status afterwards.
   */
  finishInTransaction?: SQL;
  /** Internal: the transaction shared by consecutive database nodes (see executeFlow). */
  shared?: SharedTransaction;
}

export interface FlowOutcome {
  status: 'succeeded' | 'failed';
  error: string | null;
  permanent: boolean;
  /** A node's RetryAfterError asked for this wait before the next attempt (instead of the backoff). */
  retryAfterMs?: number | null;
  steps: StepResult[];
  /** The final status committed with the flow's last transaction (finishInTransaction ran and committed). */
  statusCommitted?: boolean;
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
 *
 * Commit boundaries of a run (persisted, not rolled back): consecutive database nodes, the pure nodes between
 * them, their step records and (when the flow ends there) the run's final status commit in ONE transaction.
 * The transaction is committed before an external node (HTTP, Stripe: its step row is claimed and completed
 * around the call, as before) and before a code node (which may run for seconds), and a new one opens at the
 * next database node. A worker dying inside it leaves nothing: the run is taken over and the segment runs again.
 * When a node fails (or another worker recorded a step first) while a shared transaction is open, that
 * transaction is rolled back and the attempt goes on node by node (each database node in its own transaction,
 * completed steps reused), so a failure is recorded exactly as it always was.
 */
export async function executeFlow(options: ExecuteFlowOptions): Promise<FlowOutcome> {
  if (!options.persist || options.rollbackDatabaseEffects || options.shared) return executeSteps(options);
  const shared = new SharedTransaction(options.services.database, options.projectId);
  try {
    return await executeSteps({ ...options, shared });
  } catch (error) {
    if (!(error instanceof SegmentFailed)) {
      await shared.rollback();
      throw error;
    }
    await shared.rollback();
    const completed = await completedSteps(options.services.database.db, options.runId);
    return executeSteps({ ...options, finishInTransaction: undefined, completed });
  }
}

/** A failure inside the open shared transaction: roll it back and run the attempt node by node. */
class SegmentFailed extends Error {}

/** The transaction consecutive database nodes share; begun at the first of them, committed at a boundary. */
class SharedTransaction {
  private current: {
    tx: Executor;
    finish: (commit: boolean) => void;
    done: Promise<void>;
    announce: boolean;
  } | null = null;
  private readonly db: Executor;
  constructor(
    private readonly handle: DbHandle,
    private readonly projectId: number,
  ) {
    this.db = handle.db;
  }

  get open(): boolean {
    return this.current !== null;
  }

  async tx(): Promise<Executor> {
    if (this.current) return this.current.tx;
    let finish: (commit: boolean) => void = () => {};
    const decided = new Promise<boolean>((resolve) => {
      finish = resolve;
    });
    let opened: (tx: Executor) => void = () => {};
    const ready = new Promise<Executor>((resolve) => {
      opened = resolve;
    });
    const done = this.db.transaction(async (tx) => {
      opened(tx);
      if (!(await decided)) throw new RollBack();
    });
    done.catch(() => {}); // awaited by commit/rollback; a lost connection must not be an unhandled rejection
    const endedEarly = done.then(() => {
      throw new Error('The transaction ended before it began.');
    });
    endedEarly.catch(() => {});
    const tx = await Promise.race([ready, endedEarly]);
    // A run's transaction does no DDL: its database nodes check the table metadata's version once.
    // Rows this transaction writes are announced to realtime hubs after the commit, not by a NOTIFY inside it.
    const announce = canAnnounceChanges(this.handle);
    pinMetadata(tx, { deferChangeNotices: announce });
    this.current = { tx, finish, done, announce };
    return tx;
  }

  /**
   * Ends a segment: one statement records its pending steps (checking none was recorded by another worker first)
   * and, at the end of the run, its status; then the transaction commits. With no transaction open (only pure
   * steps since the last boundary) that statement commits on its own, atomically. True: committed.
   */
  async endSegment(owner: StepOwner, pending: Pending, finish?: SQL): Promise<boolean> {
    await recordSegment(this.open ? await this.tx() : this.db, [{ owner, steps: pending.steps }], finish);
    pending.steps = [];
    await this.commit();
    return true;
  }

  async commit(): Promise<void> {
    const current = this.current;
    if (!current) return;
    this.current = null;
    current.finish(true);
    await current.done;
    if (current.announce) announceChanges(this.handle, this.projectId);
  }

  async rollback(): Promise<void> {
    const current = this.current;
    if (!current) return;
    this.current = null;
    current.finish(false);
    await current.done.catch(() => {});
  }
}

/**
 * A group of runs executed one after another in one transaction (a worker's database-only first attempts of one
 * project, see run-queue.ts › processRunGroup): each run's steps are kept when it ends, and `commitAll` records
 * them all with every run's status in one statement before the one commit. A run of the group failing (or any
 * error) throws out of executeFlow: the caller rolls the group back and runs each of its runs on its own.
 */
export class RunGroup extends SharedTransaction {
  private readonly records: StepRecords[] = [];

  override async endSegment(owner: StepOwner, pending: Pending): Promise<boolean> {
    this.records.push({ owner: { runId: owner.runId, attempt: owner.attempt }, steps: pending.steps });
    pending.steps = [];
    return false;
  }

  /** `finish`: the fenced status update of every run of the group (`update flow_run … returning id`). */
  async commitAll(finish: SQL): Promise<void> {
    await recordSegment(await this.tx(), this.records, finish, this.records.length);
    await this.commit();
    stepCommitted();
  }
}

/** Any failure while a segment ends sends the attempt node by node. */
async function commitSegment(shared: SharedTransaction, owner: StepOwner, pending: Pending, finish?: SQL) {
  let committed: boolean;
  try {
    committed = await shared.endSegment(owner, pending, finish);
  } catch (error) {
    throw new SegmentFailed(errorMessage(error), { cause: error });
  }
  if (committed) stepCommitted();
}

/** Code nodes may run for seconds: no transaction is held open across them. */
const holdsNoTransaction = (node: GraphNode, executor: NodeExecutor | undefined) =>
  executor?.effect === 'external' || node.type === 'code';

/** A flow whose every node is pure or database work: a whole run fits in one transaction (see RunGroup). */
export function databaseOnly(services: RunServices, definition: FlowDefinition): boolean {
  return planOf(definition).graph.nodes.every((node) => {
    const executor = executorFor(services, node.type);
    return executor !== undefined && !holdsNoTransaction(node, executor);
  });
}

async function executeSteps(options: ExecuteFlowOptions): Promise<FlowOutcome> {
  const shared = options.shared;
  const base = options.services.database.db;
  // Tables and columns are bound by id: a flow published before a rename runs with today's names. When the
  // run's first effect is a database node, its transaction opens here, so the metadata check is shared.
  const firstEffect = planOf(options.definition).order.find(
    (n) => n.type === 'code' || executorFor(options.services, n.type)?.effect !== 'pure',
  );
  const opensWithDatabase =
    shared &&
    carriesIds(options.definition) &&
    firstEffect &&
    !holdsNoTransaction(firstEffect, executorFor(options.services, firstEffect.type));
  const definition = await resolveStoredBindings(
    opensWithDatabase ? await shared.tx() : base,
    options.projectId,
    options.definition,
  );
  const { graph, order, roots } = planOf(definition);
  const active = new Set(roots);
  const outputs: Record<string, unknown> = {};
  const vars: Record<string, unknown> = {};
  const steps: StepResult[] = [];
  const pending: Pending = { steps: [] };
  for (const node of order) {
    if (!active.has(node.id)) {
      steps.push(skippedStep(node));
      continue;
    }
    if (shared?.open && holdsNoTransaction(node, executorFor(options.services, node.type))) {
      // A boundary: what the segment did commits before the call (with the decisions that led to it).
      await commitSegment(shared, options, pending);
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
  if (shared && (shared.open || pending.steps.length > 0)) {
    // The end: the last segment, the pure steps after it and the run's status commit together.
    await commitSegment(shared, options, pending, options.finishInTransaction);
    return {
      status: 'succeeded',
      error: null,
      permanent: false,
      steps,
      statusCommitted: !!options.finishInTransaction,
    };
  }
  if (options.persist && pending.steps.length > 0) {
    await flushPending(options.services.database.db, options, pending);
    stepCommitted();
  }
  return { status: 'succeeded', error: null, permanent: false, steps };
}

/** A definition's graph, its nodes in order and its roots: the same for every run of it (definitions are not changed). */
const plans = new WeakMap<FlowDefinition, { graph: RunnableGraph; order: GraphNode[]; roots: string[] }>();
function planOf(definition: FlowDefinition) {
  let plan = plans.get(definition);
  if (!plan) {
    const graph = graphOf(definition);
    const order = topologicalOrder(graph);
    const hasIncoming = new Set(graph.edges.map((e) => e.target));
    plan = { graph, order, roots: order.filter((n) => !hasIncoming.has(n.id)).map((n) => n.id) };
    plans.set(definition, plan);
  }
  return plan;
}

/** A node's stored config brought up to date, and the same with its expression fields as bindings: per node, not per run. */
const nodeConfigs = new WeakMap<
  GraphNode,
  { stored: Record<string, unknown>; forEvaluation: Record<string, unknown> }
>();
function nodeConfigOf(node: GraphNode) {
  let config = nodeConfigs.get(node);
  if (!config) {
    const stored = upgradeStoredConfig(node.type, node.config ?? {});
    config = { stored, forEvaluation: configForEvaluation(node.type, stored) };
    nodeConfigs.set(node, config);
  }
  return config;
}

const permanentFlags = new WeakMap<StepResult, boolean>();
const permanentOf = (step: StepResult) => permanentFlags.get(step) === true;
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

/** An app-called run acts as its caller (the end user in its payload); every other run as the backend. */
function runActor(options: ExecuteFlowOptions): Actor {
  if (options.definition.trigger.kind !== 'app_call') return BACKEND;
  const caller = (options.trigger as { caller?: { userId?: unknown; role?: unknown } } | null)?.caller;
  if (typeof caller?.userId !== 'number' || typeof caller.role !== 'string') {
    if (options.testRun) return BACKEND; // a builder's test run (rolled back) without a chosen caller
    throw new NonRetriableError('This flow is called from the app, and this run has no signed-in caller.');
  }
  return { kind: 'endUser', userId: caller.userId, role: caller.role };
}

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
    const { stored, forEvaluation } = nodeConfigOf(node);
    const evaluated = jsonSafe(
      evaluateBindings(forEvaluation, { trigger: options.trigger, nodes: outputs, vars }),
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
      actor: runActor(options),
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
    const shared = options.shared;
    const result = await (executor.effect === 'external'
      ? (async () => {
          if (options.persist) await flushPending(base, options, pending);
          pending.steps = [];
          return runExternal(options, node, executor, base, context, startedAt, input, control);
        })()
      : shared
        ? (async () => {
            // Consecutive database nodes share one transaction (committed at the next boundary or the end);
            // this step's record joins the pending ones, written by the segment's last statement.
            const outcome = await runTransactional(
              options,
              node,
              executor,
              await shared.tx(),
              context,
              startedAt,
              input,
              control,
              pending,
              true,
            );
            stepCommitted(); // (test crash point: effect written, not yet committed)
            return outcome;
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
    // Inside an open shared transaction nothing can be recorded: roll it back and go node by node.
    if (options.shared?.open) throw new SegmentFailed(errorMessage(error), { cause: error });
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

/** Runs the node's executor: its output (JSON-safe), the branch or stop it chose, and how long it took. */
async function succeed(
  executor: NodeExecutor,
  ctx: NodeContext,
  control: () => { branch: string | null; stopped: boolean },
  startedAt: Date,
): Promise<Outcome> {
  const output = jsonSafe(await executor.execute(ctx));
  return { status: 'succeeded', output, error: null, ...control(), durationMs: Date.now() - startedAt.getTime() };
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
  /** In a shared transaction: add the record to `pending` (checked and written before the commit). */
  deferRecord = false,
): Promise<Outcome> {
  const outcome = await succeed(executor, context(tx), control, startedAt);
  if (options.persist) {
    const mine: StepResult = {
      ...outcome,
      nodeId: node.id,
      nodeType: node.type,
      input,
      startedAt,
      status: 'succeeded',
    };
    if (deferRecord) {
      pending.steps.push(mine);
      return outcome;
    }
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
  const outcome = await succeed(executor, context(base), control, startedAt);
  if (options.persist) {
    await completeStep(base, options, node, input, outcome);
    stepCommitted();
  }
  return outcome;
}
