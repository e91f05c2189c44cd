// @tillflow/core: the facts every other package shares, declared once (settings, the error base,
// the secret box, the egress guard, logging). It imports nothing from the other workspaces.
export const CORE_PACKAGE = '@tillflow/core';
export * from './egress';
