import type { StepLike } from './run-overlay';

/** Each step of a run: status, branch, time, and its input and output to unfold. */
export function StepList({ steps }: { steps: StepLike[] }) {
  return (
    <ol className="space-y-1 text-xs">
      {steps.map((s) => (
        <li key={s.nodeId} className="rounded border border-slate-200 p-1.5">
          <details>
            <summary>
              <span className="font-mono">{s.nodeId}</span> — {s.status}
              {s.branch ? ` → ${s.branch}` : ''}
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
