import type { FlowDefinition } from '@tillflow/flow-model';
import { getNodeType } from '@tillflow/flow-model';
import { stepLabelWords } from '~/lib/flow-title';
import { runStatusWords } from '~/lib/flow-words';
import type { StepLike } from './run-overlay';

const BRANCH_WORDS: Record<string, string> = { true: 'yes', false: 'no', next: 'next' };

/** Each step of a run: its name, status in words, branch, time, and its input and output to unfold. */
export function StepList({ steps, definition }: { steps: StepLike[]; definition?: FlowDefinition }) {
  const name = (id: string) => {
    const node = definition?.graph.nodes.find((n) => n.id === id);
    return stepLabelWords(node?.label ?? (node ? getNodeType(node.type)?.label : undefined) ?? id);
  };
  return (
    <ol className="space-y-1 text-xs">
      {steps.map((s) => (
        <li key={s.nodeId} className="rounded border border-slate-200 p-1.5">
          <details>
            <summary>
              <span className="font-medium">{name(s.nodeId)}</span>: {runStatusWords(s.status)}
              {s.branch ? ` → ${BRANCH_WORDS[s.branch] ?? s.branch}` : ''}
              {s.durationMs != null ? ` (${s.durationMs} ms)` : ''}
            </summary>
            {s.error && <p className="text-red-700">{s.error}</p>}
            <p className="mt-1 font-semibold">Input</p>
            <pre className="max-h-40 overflow-auto bg-slate-50">{JSON.stringify(s.input, null, 2)}</pre>
            <p className="mt-1 font-semibold">Output</p>
            <pre className="max-h-40 overflow-auto bg-slate-50">{JSON.stringify(s.output, null, 2)}</pre>
          </details>
        </li>
      ))}
    </ol>
  );
}
