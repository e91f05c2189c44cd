import {
  createLogger,
  defaultEgressGuard,
  type EgressGuard,
  type Logger,
  loadSettings,
  NonRetriableError,
  type Settings,
  setting,
} from '@tillflow/core';
import type { DbHandle, Executor } from '@tillflow/db';
import { callbackNodeTypeIds } from '@tillflow/flow-model';
import type Stripe from 'stripe';
import { type CodeRunner, createCodeRunner } from './code-sandbox';
import { BUILTIN_NODE_EXECUTORS } from './nodes';
import type { CallbackExecutors, Executors, NodeExecutor } from './registry';

/** One email a flow sends (the send-email node's config, bindings filled in, with a Message-ID stable across retries). */
export interface FlowMail {
  to: string | string[];
  subject: string;
  text?: string;
  html?: string;
  from?: string;
  messageId: string;
}
/**
 * Writes a flow's email in the step's transaction (the mail package's outbox: delivered by its dispatcher
 * over the project's SMTP, or kept in the studio's mailbox), so a retried run never records a second one.
 */
export type FlowMailer = (tx: Executor, projectId: number, message: FlowMail) => Promise<{ messageId: string | null }>;

/** The Stripe client for a project (its own keys or its sandbox account); the payments module builds it. */
export type StripeClientFactory = (db: Executor, projectId: number) => Promise<Stripe>;

/**
 * Where the process writes what it does: the process's pino logger (`createLogger(settings)` in core:
 * JSON lines, request/run context, secrets masked). Built from the environment when none is passed in.
 */
export type { Logger } from '@tillflow/core';

/**
 * What a flow run needs from outside: handed to workers, test runs and (through the node context) to every
 * executor, never set globally. `createServices` in the payments package builds the whole set for `npm start`,
 * `npm run worker`, tests and benches; `createRunServices` builds the runtime's part with the given pieces.
 */
export interface RunServices {
  database: DbHandle;
  /** One executor per catalog node type (payments supplies the callback handlers). */
  executors: Executors;
  mailer: FlowMailer;
  stripe: StripeClientFactory;
  /** The builder-code sandbox (worker threads sized by TILLFLOW_CODE_WORKERS / _NICE). */
  code: CodeRunner;
  /** The guard every outbound call a builder points somewhere goes through. */
  egress: EgressGuard;
  logger: Logger;
}

const needsPayments = (type: string): NodeExecutor => ({
  effect: 'pure',
  execute: () => {
    throw new NonRetriableError(`The "${type}" node needs the payments module, which this process did not load.`);
  },
});

export interface RunServiceParts extends Partial<Omit<RunServices, 'database' | 'executors'>> {
  database: DbHandle;
  /** Executors over the built-in ones (the payment callbacks; tests add doubles for types of their own). */
  executors?: Partial<Executors> & Record<string, NodeExecutor>;
  /** Settings for the parts built here (the code pool); the environment's when omitted. */
  settings?: Pick<Settings, 'TILLFLOW_CODE_WORKERS' | 'TILLFLOW_CODE_NICE'>;
}

/** The runtime's services from the pieces given; missing ones refuse clearly when a node needs them. */
export function createRunServices(parts: RunServiceParts): RunServices {
  const callbacks = Object.fromEntries(callbackNodeTypeIds.map((t) => [t, needsPayments(t)])) as CallbackExecutors;
  return {
    database: parts.database,
    executors: { ...callbacks, ...BUILTIN_NODE_EXECUTORS, ...parts.executors } as Executors,
    mailer:
      parts.mailer ??
      (async () => {
        throw new NonRetriableError('Email is not set up in this process (the mail module is not loaded).');
      }),
    stripe:
      parts.stripe ??
      (async () => {
        throw new NonRetriableError('Stripe is not configured for flows (payments module not loaded).');
      }),
    code: parts.code ?? createCodeRunner(parts.settings ?? loadSettings()),
    egress: parts.egress ?? defaultEgressGuard(),
    logger: parts.logger ?? createLogger({ TILLFLOW_LOG_LEVEL: setting('TILLFLOW_LOG_LEVEL') }),
  };
}

/** The executor of a stored node's type (test doubles may add types the catalog does not declare). */
export function executorFor(services: RunServices, type: string): NodeExecutor | undefined {
  const executors = services.executors as unknown as Record<string, NodeExecutor>;
  return Object.hasOwn(executors, type) ? executors[type] : undefined;
}
