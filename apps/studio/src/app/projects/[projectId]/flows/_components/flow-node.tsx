'use client';

import { getNodeType, nodeOutputs } from '@tillflow/flow-model';
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { Lock } from 'lucide-react';
import { memo } from 'react';
import { NodeIcon } from '~/components/ui/node-icon';
import { stepLabelWords } from '~/lib/flow-title';
import { expressionWords, runStatusWords } from '~/lib/flow-words';
import { statusLabel } from '~/lib/status-labels';
import type { CanvasNode } from './canvas-types';
import { branchWords } from './flow-edge';

/** The step's one-line summary in words: bindings read as «field» chips, never as `nodes.x.y` paths. */
export function stepSummary(type: string, config: Record<string, unknown>): string {
  const def = getNodeType(type);
  if (!def) return 'A step this version does not know';
  const parsed = def.configSchema.safeParse(config);
  if (!parsed.success) return 'Needs configuration';
  try {
    let text = def.summary(parsed.data as never);
    // "set status" says to what: `set status to "Paid"`.
    const values = (parsed.data as { values?: Record<string, unknown> }).values;
    if (type === 'update_rows' && values && typeof values === 'object') {
      const set = Object.entries(values)
        .map(([k, v]) => `${k} to ${typeof v === 'string' && k.endsWith('status') ? `"${statusLabel(v)}"` : String(v)}`)
        .join(', ');
      text = text.replace(/ set [^ ]+( where|$)/, ` set ${set}$1`);
    }
    return expressionWords(text);
  } catch {
    return def.description;
  }
}

const preview = (value: unknown) => {
  const text = JSON.stringify(value, null, 1) ?? 'null';
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
};

/** Older projects' system flows name their trigger and callbacks after the mechanism; the card says what they are. */
export function nodeLabelWords(label: string): string {
  return stepLabelWords(label);
}

/** A node card: icon, label, one-line summary, lock, live validation errors and the painted run step. */
export const FlowNodeCard = memo(function FlowNodeCard({ data, selected }: NodeProps<CanvasNode>) {
  const { node, issues, step, dimmed, peers } = data;
  const def = getNodeType(node.type);
  const label = nodeLabelWords(node.label ?? def?.label ?? node.id);
  const ports = nodeOutputs(node.type, node.config);
  const status = step?.status;
  const border = issues.length
    ? 'border-red-500'
    : status === 'failed'
      ? 'border-red-500'
      : status === 'succeeded'
        ? 'border-green-600'
        : selected
          ? 'border-indigo-500'
          : 'border-slate-300';
  return (
    <article
      aria-label={`Step ${label}`}
      data-node-id={node.id}
      className={`relative w-60 rounded-lg border-2 bg-white text-left shadow-sm ${border} ${selected ? 'ring-2 ring-indigo-300' : ''} ${dimmed ? 'opacity-50' : ''}`}
      // Someone else has this node selected: an outline in their colour (the first one's, if several).
      style={peers?.length ? { outline: `3px solid ${peers[0].color}`, outlineOffset: '3px' } : undefined}
    >
      {peers && peers.length > 0 && (
        <ul
          aria-label={`Selected by ${peers.map((p) => p.name).join(', ')}`}
          className="absolute -top-3 right-2 flex gap-1"
        >
          {peers.map((p) => (
            <li
              key={p.userId}
              title={`${p.name} has this step selected`}
              className="rounded px-1.5 text-[10px] font-semibold leading-4 text-white"
              style={{ backgroundColor: p.color }}
            >
              {p.initials} {p.name.split(/\s+/)[0]}
            </li>
          ))}
        </ul>
      )}
      {node.type !== 'trigger' && <Handle type="target" position={Position.Top} id="in" />}
      <header className="flex items-center gap-2 px-3 pt-2">
        <NodeIcon type={node.type} className="h-5 w-5 text-indigo-700" />
        <span className="min-w-0 flex-1 truncate text-sm font-semibold">{label}</span>
        {node.locked && (
          <span
            role="img"
            aria-label="Built-in step, locked"
            title="Built-in step of payments: it cannot be deleted, disconnected or edited"
          >
            <Lock aria-hidden="true" className="h-4 w-4 text-slate-500" />
          </span>
        )}
        {status && (
          <span
            className={`rounded px-1.5 text-xs font-medium ${status === 'failed' ? 'bg-red-100 text-red-800' : status === 'succeeded' ? 'bg-green-100 text-green-800' : 'bg-slate-100 text-slate-700'}`}
          >
            {runStatusWords(status)}
            {step?.durationMs != null ? ` · ${step.durationMs} ms` : ''}
          </span>
        )}
      </header>
      <p className="truncate px-3 pb-2 text-xs text-slate-600" title={stepSummary(node.type, node.config)}>
        {stepSummary(node.type, node.config)}
      </p>
      {issues.length > 0 && (
        <ul
          aria-label={`Problems in ${label}`}
          className="border-t border-red-200 bg-red-50 px-3 py-1 text-xs text-red-700"
        >
          {issues.slice(0, 3).map((i) => (
            <li key={`${i.code}-${i.field ?? ''}-${i.message}`}>{i.message}</li>
          ))}
          {issues.length > 3 && <li>…and {issues.length - 3} more</li>}
        </ul>
      )}
      {step && (step.output !== undefined || step.error) && (
        <div className="nodrag nowheel border-t border-slate-200 px-3 py-1">
          {step.error ? (
            <p role="note" className="text-xs text-red-700" aria-label={`Error of ${label}`}>
              {step.error}
            </p>
          ) : (
            <pre
              role="log"
              aria-label={`Output of ${label}`}
              className="max-h-24 overflow-auto text-[10px] leading-tight text-slate-700"
            >
              {preview(step.output)}
            </pre>
          )}
        </div>
      )}
      {ports.map((port, i) => (
        <Handle
          key={port}
          type="source"
          position={Position.Bottom}
          id={port}
          aria-label={
            port === 'next' ? `${label}: connect the next step` : `${label}: connect the way out “${branchWords(port)}”`
          }
          style={{ left: `${((i + 1) / (ports.length + 1)) * 100}%` }}
        />
      ))}
    </article>
  );
});
