import { diffFlows, type FlowDefinition, getNodeType, stepLabelWords } from '@tillflow/flow-model';

const stepName = (node: { type: string; label?: string }) =>
  `“${stepLabelWords(node.label ?? getNodeType(node.type)?.label ?? 'a step')}”`;

/**
 * What publishing the draft changes for live events, in sentences for the confirmation dialog:
 * steps added, removed or changed, connections, and the trigger. Moving a step is not a change.
 */
export function publishChanges(published: FlowDefinition | null, draft: FlowDefinition): string[] {
  if (!published) return ['This is its first version: from now on it runs on every event it listens to.'];
  const diff = diffFlows(published, draft);
  const lines: string[] = [];
  if (diff.triggerChanged) lines.push('Changes which events start it.');
  for (const node of diff.addedNodes) lines.push(`Adds the step ${stepName(node)}.`);
  for (const node of diff.removedNodes) lines.push(`Removes the step ${stepName(node)}.`);
  for (const { after, fields } of diff.changedNodes)
    lines.push(
      fields.includes('config')
        ? `Changes the settings of ${stepName(after)}.`
        : `Renames a step to ${stepName(after)}.`,
    );
  const rewired = diff.addedEdges.length + diff.removedEdges.length;
  if (rewired > 0 && diff.addedNodes.length === 0 && diff.removedNodes.length === 0)
    lines.push('Connects its steps differently.');
  if (lines.length === 0) lines.push('Nothing that runs changes (only positions on the canvas).');
  return lines;
}
