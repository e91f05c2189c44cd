// @tillflow/core: the facts every other package shares, declared once (settings, the error base,
// the secret box, the egress guard, logging). It imports nothing from the other workspaces.
export const CORE_PACKAGE = '@tillflow/core';
export {
  API_BODY_LIMIT_BYTES,
  type CappedBody,
  declaredLength,
  readBodyCapped,
  readNodeBodyCapped,
  WEBHOOK_BODY_LIMIT_BYTES,
} from './bounded-body';
export { passesLuhn } from './card-number';
export { CoalescedCall } from './coalesced-call';
export * from './egress';
export * from './errors';
export {
  type CreateLoggerOptions,
  createLogger,
  currentLogContext,
  type Logger,
  type LogLevel,
  type LogSettings,
  newRequestId,
  REDACTED,
  scrubSecrets,
  scrubString,
  withLogContext,
} from './logger';
export { dataDir, findRepoRoot } from './paths';
export { SANDBOX_TOKEN_HEADER, sameToken, sandboxControlToken } from './sandbox-token';
export {
  isLegacySealed,
  maskSecret,
  openSecret,
  resealSecret,
  resetSecretKeyCache,
  SecretBoxError,
  type SecretOwner,
  type SecretPurpose,
  sealSecret,
} from './secret-box';
export * from './settings';
