import { type EgressGuard, isRetryable } from '@tillflow/core';
import type { Actor } from '@tillflow/data-model';
import type { DbHandle, Executor } from '@tillflow/db';
import type { BuiltinNodeTypeId, CallbackNodeTypeId, NodeTypeId, OutputOf, RunConfigOf } from '@tillflow/flow-model';
import type { GraphNode } from './graph';
import type { RunServices } from './services';

/**
 * How a node's effect relates to its step record:
 * - 'database': runs inside a transaction that also writes its step, so the
 *   effect happens exactly once (ctx.tx is that transaction: use only it);
 * - 'external': HTTP, email, Stripe: at least once, with ctx.idempotencyKey;
 * - 'pure': no effect (conditions, variables, code); treated like 'database'.
 */
export type NodeEffect = 'database' | 'external' | 'pure';

export interface NodeContext<Config = Record<string, unknown>> {
  runId: string;
  projectId: number;
  node: GraphNode;
  /** The node's config, parsed by its catalog schema, with every `{{ }}` binding evaluated. */
  config: Config;
  /** The trigger payload (for Stripe webhooks: the event). */
  trigger: unknown;
  /** Outputs of the nodes that already ran, by node id. */
  nodes: Record<string, unknown>;
  /**
   * Who the run's data nodes act as: the backend (webhooks, test runs), or for a flow called from the app the
   * signed-in end user who called it (their role's permissions and row scope apply).
   */
  actor: Actor;
  /** Where database effects go: the step's transaction for 'database' nodes. */
  tx: Executor;
  handle: DbHandle;
  /** `${runId}:${nodeId}`: stable across retries (Stripe Idempotency-Key). */
  idempotencyKey: string;
  attempt: number;
  testRun: boolean;
  /** Every outbound call a builder points somewhere goes through this guard (HTTP request node). */
  egress: EgressGuard;
  /** What the node may use from outside (mailer, Stripe clients, code sandbox, logger): passed in, never global. */
  services: RunServices;
  /** Take the edges labelled `label` out of this node (condition, switch). */
  branch(label: string): void;
  /** End the run successfully after this node. */
  stop(): void;
}

/**
 * Runs one node type. `execute` is a property (not a method) so its parameter is checked strictly: an executor
 * written for another config shape than the catalog's is a compile error where it is placed in `Executors`.
 */
export interface NodeExecutor<Config = any, Output = unknown> {
  effect?: NodeEffect;
  execute: (ctx: NodeContext<Config>) => Promise<Output> | Output;
}

/** The executor of node type K, typed by its catalog entry (config schema and output shape). */
export type ExecutorOf<K extends NodeTypeId> = NodeExecutor<RunConfigOf<K>, OutputOf<K>>;
/** The runtime's executors: every catalog node type except the payment callbacks. */
export type BuiltinExecutors = { [K in BuiltinNodeTypeId]: ExecutorOf<K> };
/** The payments module's executors: the callback handlers. */
export type CallbackExecutors = { [K in CallbackNodeTypeId]: ExecutorOf<K> };
/** One executor per catalog node type. */
export type Executors = { [K in NodeTypeId]: ExecutorOf<K> };

/**
 * Whether a node's error ends the run at once. Executors steer it with core's
 * NonRetriableError (bad config, user code failing, a fail node) and
 * RetryAfterError; domain errors carry `retryable` (the data-access layer's
 * refusals do not heal on retry); anything else (network, driver) is retried.
 */
export function isPermanentError(error: unknown): boolean {
  return !isRetryable(error);
}
