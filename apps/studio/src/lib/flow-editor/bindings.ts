import { formatMoney } from '@tillflow/core/money';
import {
  describeType,
  listBindableOutputs,
  sampleStripeEvent,
  stepLabelWords,
  type ValueType,
} from '@tillflow/flow-model';
import type { FlowDefinition, TableInfo } from '@tillflow/flow-model/types';
import { fieldWords } from '../flow-words';
import { statusLabel } from '../status-labels';

export interface BindingOption {
  /** The technical name, e.g. `callback.orderId` or `trigger.data.object.amount` (shown small, for the editor). */
  name: string;
  /** The expression path inserted between `{{ }}`, e.g. `nodes.callback.orderId`. */
  path: string;
  type: string;
  /** What a person reads: `nodes.callback.paymentStatus` → "payment status", `trigger.data.object.amount` → "amount". */
  label: string;
  /**
   * What it holds, as an example: a value from a sample Stripe event ("e.g. jane@example.com", money in major
   * units "e.g. $49.99"), the choices of a status ("Paid, Failed or Pending") or the kind of value ("a number").
   */
  sample: string;
}

/** What each step gave back in the flow's last run, by node id (the trigger's output is Stripe's message). */
export interface LastRunValues {
  nodes: Record<string, unknown>;
}

export interface BindingGroup {
  /** 'Trigger', a node's label, or 'Variables'. */
  title: string;
  options: BindingOption[];
}

/** What a binding picker says and which `{{ }}` names its chips read (the canvas's, or the page editor's). */
export interface BindingPickerWords {
  /** The picker button's tooltip. */
  offers: string;
  /** The search box's placeholder. */
  search: string;
  /** When nothing matches the search. */
  none: string;
  /** The names a reference starts with (`nodes`, `trigger`, `vars` on the canvas; `item`, `page`, … on a page). */
  roots?: readonly string[];
}

/** A binding as a chip a person reads: its label, where it comes from and an example of what it holds. */
export interface BindingChip {
  path: string;
  label: string;
  /** The step (or "Stripe's message", "Variables") it comes from; empty when it is not upstream. */
  source: string;
  sample: string;
}

const KIND_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'yes or no',
  date: 'a date',
  null: 'nothing',
  any: 'any value',
  object: 'a group of values',
  array: 'a list',
};

function joinOr(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} or ${parts[parts.length - 1]}`;
}

/** The value at `a.b[0].c` in a sample, or undefined. */
function valueAt(root: unknown, path: string): unknown {
  let here: unknown = root;
  for (const part of path.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== '')) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string, unknown>)[part];
  }
  return here;
}

/** A value the last run saw, as a person reads it: money in major units, a status as its label. */
function lastRunWords(path: string, lastRun: LastRunValues | undefined): string | null {
  if (!lastRun) return null;
  const [head, id, ...rest] = path.split('.');
  const nodeId = head === 'trigger' ? 'trigger' : head === 'nodes' ? id : null;
  if (!nodeId || !(nodeId in lastRun.nodes)) return null;
  const field = head === 'trigger' ? [id, ...rest].filter(Boolean).join('.') : rest.join('.');
  const output = lastRun.nodes[nodeId];
  const value = field ? valueAt(output, field) : output;
  const parentPath = field.includes('.') ? field.slice(0, field.lastIndexOf('.')) : '';
  const parent = parentPath ? valueAt(output, parentPath) : output;
  const currency = (parent as { currency?: unknown } | null)?.currency;
  if (typeof value === 'number' && /amount|total|price/i.test(field) && typeof currency === 'string')
    return `last run: ${formatMoney(value, currency)}`;
  if (typeof value === 'string' && value !== '')
    return `last run: ${/^[A-Z][A-Z_]+$/.test(value) ? statusLabel(value) : value.length > 40 ? `${value.slice(0, 40)}…` : value}`;
  if (typeof value === 'number') return `last run: ${String(value)}`;
  if (typeof value === 'boolean') return `last run: ${value ? 'yes' : 'no'}`;
  return null;
}

function sampleWords(
  path: string,
  type: ValueType,
  event: Record<string, unknown> | null,
  lastRun?: LastRunValues,
): string {
  const seen = lastRunWords(path, lastRun);
  if (seen) return seen;
  if (type.kind === 'enum') return typeWords(type);
  if (event && path.startsWith('trigger.')) {
    const value = valueAt(event, path.slice('trigger.'.length));
    const object = (event.data as { object?: Record<string, unknown> } | undefined)?.object;
    if (typeof value === 'number' && /amount/.test(path) && typeof object?.currency === 'string')
      return `e.g. ${formatMoney(value, object.currency)}`;
    if (typeof value === 'string' && value !== '') return `e.g. ${value}`;
    if (typeof value === 'number' || typeof value === 'boolean') return `e.g. ${String(value)}`;
  }
  return typeWords(type);
}

/** What kind of value a binding holds, in words: "a number", "yes or no", "Paid, Failed or Pending". */
export function typeWords(type: ValueType): string {
  if (type.kind === 'enum') return joinOr([...new Set(type.values.map((v) => statusLabel(v)))]);
  return KIND_WORDS[type.kind] ?? type.kind;
}

/** The part of a path a person names: the node's field (`paymentStatus`), or the event object's field. */
function labelOf(path: string): string {
  const rest = path.startsWith('nodes.')
    ? path.split('.').slice(2).join('.')
    : path.startsWith('trigger.data.object.')
      ? path.slice('trigger.data.object.'.length)
      : path.startsWith('trigger.data.object')
        ? 'the Stripe object'
        : path.replace(/^(trigger|vars)\.?/, '');
  if (rest === '') return path.startsWith('nodes.') ? 'all its output' : "Stripe's whole message";
  return fieldWords(rest);
}

/** The binding picker's listing for one node: trigger fields, upstream outputs and variables, grouped by source. */
export function bindingGroups(
  definition: FlowDefinition,
  nodeId: string,
  tables?: TableInfo[],
  filter = '',
  lastRun?: LastRunValues,
): BindingGroup[] {
  const labels = new Map(definition.graph.nodes.map((n) => [n.id, stepLabelWords(n.label ?? n.id)]));
  const needle = filter.trim().toLowerCase();
  const groups = new Map<string, BindingGroup>();
  const trigger = definition.trigger;
  const firstEvent = trigger.kind === 'stripe_webhook' ? trigger.events[0] : undefined;
  const event = firstEvent ? sampleStripeEvent(firstEvent) : null;
  for (const out of listBindableOutputs(definition, nodeId, { tables })) {
    const name = out.path.startsWith('nodes.') ? out.path.slice('nodes.'.length) : out.path;
    const label = labelOf(out.path);
    if (needle && !name.toLowerCase().includes(needle) && !label.includes(needle)) continue;
    const [head, second] = out.path.split('.');
    const key = head === 'nodes' ? `nodes.${second?.replace(/\[.*$/, '')}` : head;
    const title =
      head === 'trigger' ? 'Trigger' : head === 'vars' ? 'Variables' : (labels.get(key.slice(6)) ?? key.slice(6));
    const group = groups.get(key) ?? { title, options: [] };
    group.options.push({
      name,
      path: out.path,
      type: describeType(out.type),
      label,
      sample: sampleWords(out.path, out.type, event, lastRun),
    });
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** A path deeper than the picker lists still names its source; one that is not upstream says so. */
function unlisted(path: string, label: string, groups: BindingGroup[]): BindingChip {
  const prefix = path.startsWith('nodes.') ? path.split('.').slice(0, 2).join('.') : (path.split(/[.[]/)[0] ?? path);
  const source = groups.find((g) => g.options.some((o) => o.path === prefix || o.path.startsWith(`${prefix}.`)));
  if (!source) return { path, label, source: '', sample: 'not available at this step' };
  return { path, label, source: source.title === 'Trigger' ? "Stripe's message" : source.title, sample: '' };
}

const REFERENCE = /\b(?:nodes\.[A-Za-z0-9_-]+|trigger|vars)(?:\.[A-Za-z0-9_]+|\[\d+\])*/g;
/** A reference to one of `roots` (a page's `item`, `page`, `results`, …) and the fields after it. */
const referenceTo = (roots: readonly string[]) =>
  new RegExp(`(?<![\\w.])(?:${roots.join('|')})(?![\\w])(?:\\.[A-Za-z0-9_]+|\\[\\d+\\])*`, 'g');

/**
 * The bindings a field's text reads, once each, as chips: `Order {{ nodes.callback.orderId }}` →
 * [{ label: 'order id', source: 'Payment callback', sample: 'a number' }]. Only text inside `{{ }}` counts.
 */
export function bindingChips(text: string, groups: BindingGroup[], roots?: readonly string[]): BindingChip[] {
  const reference = roots?.length ? referenceTo(roots) : REFERENCE;
  const options = new Map(groups.flatMap((g) => g.options.map((o) => [o.path, { option: o, source: g.title }])));
  const chips = new Map<string, BindingChip>();
  for (const [, inside] of text.matchAll(/\{\{([\s\S]*?)\}\}/g))
    for (const [path] of (inside ?? '').replace(/'[^']*'|"[^"]*"/g, '').matchAll(reference)) {
      if (chips.has(path)) continue;
      const found = options.get(path);
      chips.set(
        path,
        found
          ? {
              path,
              label: found.option.label,
              source: found.source === 'Trigger' ? "Stripe's message" : found.source,
              sample: found.option.sample,
            }
          : unlisted(path, labelOf(path), groups),
      );
    }
  return [...chips.values()];
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
