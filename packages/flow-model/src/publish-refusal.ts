import type { ValidationIssue } from './types';

/** The one wording of a refused publish: the editor, the tRPC error and the runtime all show this. */
export function publishRefusedMessage(issues: ValidationIssue[]): string {
  return `The flow cannot be published: ${issues.length} problem${issues.length === 1 ? '' : 's'}. ${issues
    .map((i) => i.message)
    .join(' ')}`;
}

/** A refused publish's problems as per-node field errors (`nodeId:field:n`), for the canvas to mark. */
export function publishIssueFieldErrors(issues: ValidationIssue[]): Record<string, string> {
  return Object.fromEntries(
    issues.map((i, n) => [`${i.nodeId ?? i.edgeId ?? 'flow'}:${i.field ?? ''}:${n}`, i.message]),
  );
}
