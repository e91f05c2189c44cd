export {
  type AppCallableFlow,
  type AppCallInput,
  type AppCallResult,
  callAppFlow,
  listAppCallableFlows,
  mayCallFlow,
} from './app-call';
export { bindingTables, resolveStoredBindings, stampExistingFlowBindings } from './bindings';
export { type CodeJob, type CodeJobOutcome, CodePool, codeWorkerFile } from './code-pool';
export { CodeNodeError, type CodeRunner, type CodeSettings, createCodeRunner } from './code-sandbox';
export { mailLeft } from './crash-points';
export {
  acceptedSecrets,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  generateWebhookSecret,
  listWebhookEndpoints,
  publicEndpoint,
  rotateWebhookEndpointSecret,
  webhookSecretOwner,
} from './endpoints';
export { executeFlow, type FlowOutcome, type StepResult } from './engine';
export {
  addTriggerEvents,
  createFlow,
  deleteFlow,
  FlowConflictError,
  FlowValidationError,
  getFlow,
  listFlows,
  listFlowVersions,
  publishFlow,
  saveFlowDraft,
} from './flow-store';
export { type FlowDefinition, type FlowTrigger, type GraphEdge, type GraphNode, triggerAccepts } from './graph';
export { DEFAULT_HEARTBEAT_MS } from './heartbeat';
export {
  countRejections,
  type FailureInWords,
  failureInWords,
  failuresInWords,
  getRun,
  listEvents,
  listRuns,
  purgeOldRuns,
  replayEvent,
  retryRun,
} from './history';
export { type LingerLimits, startWebhookServer } from './http-server';
export {
  findWebhookEndpoint,
  type IncomingDelivery,
  type IngestRequest,
  type IngestResponse,
  ingestStripeWebhook,
  MAX_WEBHOOK_BODY_BYTES,
  receiveStripeWebhook,
} from './ingest';
export { metrics } from './metrics';
export { BUILTIN_NODE_EXECUTORS, emailMessageId } from './nodes';
export {
  hasNewerEventForObject,
  type StripeObjectVersion,
  shouldApplyStripeObjectUpdate,
  stripeObjectVersionOf,
} from './ordering';
export {
  blankFlow,
  createCustomFlow,
  type FlowStatus,
  flowIssues,
  flowStatus,
  flowTables,
  getFlowVersion,
  getProjectFlow,
  listFlowSummaries,
  listFlowVersionSummaries,
  saveProjectFlowDraft,
  storedEventPayload,
} from './project-flows';
export {
  projectQueueWait,
  projectWaitingRuns,
  type QueueStatus,
  queueStatus,
  registerQueueGauges,
  type WaitingRun,
  type WorkerStatus,
} from './queue-status';
export {
  type BuiltinExecutors,
  type CallbackExecutors,
  type ExecutorOf,
  type Executors,
  isPermanentError,
  type NodeContext,
  type NodeEffect,
  type NodeExecutor,
} from './registry';
export { unknownEndpointRejections } from './rejections';
export { resealLegacySecrets } from './reseal-secrets';
export { invalidateRoutingCache } from './routing-cache';
export {
  createRunServices,
  executorFor,
  type FlowMail,
  type FlowMailer,
  type Logger,
  type RunServiceParts,
  type RunServices,
  type StripeClientFactory,
} from './services';
export {
  type SignatureCheck,
  signStripePayload,
  stripeSignatureHeader,
  verifyStripeSignature,
} from './stripe-signature';
export { type SupervisedWorkers, type SuperviseOptions, superviseWorkers } from './supervisor';
export { flowTableDependents } from './table-dependencies';
export { type TestRunInput, type TestRunResult, testRunFlow } from './test-run';
export { startWorkers, type WorkerOptions, type Workers } from './worker';
