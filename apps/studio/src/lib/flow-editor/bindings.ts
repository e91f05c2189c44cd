import { describeType, listBindableOutputs } from '@tillflow/flow-model';
import type { FlowDefinition, TableInfo } from '@tillflow/flow-model/types';

export interface BindingOption {
  /** What the picker shows, e.g. `callback.orderId` or `trigger.data.object.amount`. */
  name: string;
  /** The expression path inserted between `{{ }}`, e.g. `nodes.callback.orderId`. */
  path: string;
  type: string;
}

export interface BindingGroup {
  /** 'Trigger', a node's label, or 'Variables'. */
  title: string;
  options: BindingOption[];
}

/** The binding picker's listing for one node: trigger fields, upstream outputs and variables, grouped by source. */
export function bindingGroups(
  definition: FlowDefinition,
  nodeId: string,
  tables?: TableInfo[],
  filter = '',
): BindingGroup[] {
  const labels = new Map(definition.graph.nodes.map((n) => [n.id, n.label ?? n.id]));
  const needle = filter.trim().toLowerCase();
  const groups = new Map<string, BindingGroup>();
  for (const out of listBindableOutputs(definition, nodeId, { tables })) {
    const name = out.path.startsWith('nodes.') ? out.path.slice('nodes.'.length) : out.path;
    if (needle && !name.toLowerCase().includes(needle)) continue;
    const [head, second] = out.path.split('.');
    const key = head === 'nodes' ? `nodes.${second?.replace(/\[.*$/, '')}` : head;
    const title =
      head === 'trigger' ? 'Trigger' : head === 'vars' ? 'Variables' : (labels.get(key.slice(6)) ?? key.slice(6));
    const group = groups.get(key) ?? { title, options: [] };
    group.options.push({ name, path: out.path, type: describeType(out.type) });
    groups.set(key, group);
  }
  return [...groups.values()];
}

/**
 * Inserts `{{ path }}` into a field's text at the cursor (or at the end); inside an open
 * `{{ … }}` expression only the bare path goes in, so `{{ a == }}` becomes `{{ a == nodes.x }}`.
 */
export function insertBinding(value: string, path: string, cursor?: number): { value: string; cursor: number } {
  const at = cursor === undefined || cursor < 0 || cursor > value.length ? value.length : cursor;
  const before = value.slice(0, at);
  const insideExpression = before.lastIndexOf('{{') > before.lastIndexOf('}}') && value.indexOf('}}', at) >= 0;
  const token = insideExpression ? path : `{{ ${path} }}`;
  return { value: value.slice(0, at) + token + value.slice(at), cursor: at + token.length };
}
