import { BINDING_KEYS } from './bindings';
import { getNodeType } from './catalog';
import { TRIGGER_NODE_TYPE } from './graph';
import type { FlowDefinition, FlowNode, ValidationIssue } from './types';

export const isLockedNode = (node: FlowNode) => node.locked === true;

/** What of a locked node's config is fixed: all but its bindings' ids and the keys its type leaves editable. */
function fixedConfig(node: FlowNode): Record<string, unknown> {
  const open = new Set<string>([...BINDING_KEYS, ...(getNodeType(node.type)?.editableWhenLocked ?? [])]);
  return Object.fromEntries(Object.entries(node.config ?? {}).filter(([k]) => !open.has(k)));
}

/** Stable JSON for comparing configs regardless of key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

/**
 * Locked (system) nodes keep their type, config and incoming connections; moving them on the canvas is fine.
 * Editable nodes after them can be changed or removed freely.
 */
export function lockedChangeIssues(next: FlowDefinition, previous: FlowDefinition): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const nextById = new Map(next.graph.nodes.map((n) => [n.id, n]));
  const lockedBefore = previous.graph.nodes.filter(isLockedNode);
  const lockedIds = new Set(lockedBefore.map((n) => n.id));
  for (const old of lockedBefore) {
    const label = old.label ?? getNodeType(old.type)?.label ?? old.id;
    const now = nextById.get(old.id);
    if (!now) {
      issues.push({
        code: 'locked_node_deleted',
        message: `'${label}' is a built-in step and cannot be deleted.`,
        nodeId: old.id,
      });
      continue;
    }
    if (
      now.type !== old.type ||
      canonicalJson(fixedConfig(now)) !== canonicalJson(fixedConfig(old)) ||
      !isLockedNode(now)
    )
      issues.push({
        code: 'locked_node_edited',
        message: `'${label}' is a built-in step and cannot be changed.`,
        nodeId: old.id,
      });
    if (old.type === TRIGGER_NODE_TYPE && canonicalJson(next.trigger) !== canonicalJson(previous.trigger))
      issues.push({
        code: 'locked_trigger_edited',
        message: 'The events that start this system flow cannot be changed.',
        nodeId: old.id,
        field: 'trigger',
      });
  }
  const key = (e: { source: string; target: string; branch?: string }) =>
    `${e.source}→${e.target}#${e.branch ?? 'next'}`;
  const nextEdges = new Set(next.graph.edges.map(key));
  for (const e of previous.graph.edges) {
    if (!lockedIds.has(e.target) || nextEdges.has(key(e)) || !nextById.has(e.target)) continue;
    issues.push({
      code: 'locked_node_disconnected',
      message: `The connection into the built-in step '${e.target}' cannot be removed or rewired.`,
      edgeId: e.id,
      nodeId: e.target,
    });
  }
  return issues;
}
