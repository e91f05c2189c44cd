'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FlowDefinition } from '@tillflow/flow-model';
import { useEffect, useRef, useState } from 'react';
import { eventTitle, runStatusWords } from '~/lib/flow-words';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { type Overlay, toOverlay } from './run-overlay';
import { StepList } from './step-list';

/** Run history: open a run to paint its path and each step's data on the canvas; retry failed runs. */
export function RunsPanel({
  projectId,
  flowId,
  onShow,
  initialRunId,
  definition,
}: {
  definition?: FlowDefinition;
  projectId: number;
  flowId: string;
  onShow: (o: Overlay) => void;
  initialRunId?: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const runs = useQuery({ ...trpc.flows.runs.queryOptions({ projectId, flowId }), refetchInterval: 5000 });
  const [openId, setOpenId] = useState<string | null>(initialRunId ?? null);
  const detail = useQuery({
    ...trpc.flows.run.queryOptions({ projectId, runId: openId ?? '' }),
    enabled: Boolean(openId),
  });
  const retry = useMutation(
    trpc.flows.retryRun.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.flows.runs.queryKey() }),
    }),
  );
  const mayRetry = useCan()('flows.retryRun');
  const shown = useRef<string | null>(null);
  useEffect(() => {
    const run = detail.data;
    if (!run || shown.current === run.id) return;
    shown.current = run.id;
    onShow(toOverlay(`run of ${new Date(run.createdAt).toLocaleString()} (${runStatusWords(run.status)})`, run.steps));
  }, [detail.data, onShow]);
  return (
    <section aria-label="Run history" className="space-y-3">
      <h2 className="font-semibold">Runs</h2>
      {runs.error && <p role="alert">{errorMessage(runs.error)}</p>}
      {runs.data?.length === 0 && <p className="text-sm text-slate-500">No runs yet.</p>}
      {retry.error && (
        <p role="alert" className="field-error">
          {errorMessage(retry.error)}
        </p>
      )}
      <table className="w-full text-left text-xs" aria-label="Runs">
        <thead className="text-slate-500">
          <tr>
            <th className="py-1">When</th>
            <th>What happened</th>
            <th>Status</th>
            <th>Time</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {runs.data?.map((r) => (
            <tr key={r.id} className={`border-t border-slate-100 ${openId === r.id ? 'bg-indigo-50' : ''}`}>
              <td className="py-1">
                <button
                  type="button"
                  className="text-indigo-700 underline"
                  onClick={() => {
                    shown.current = null;
                    if (r.id === openId && detail.data)
                      onShow(
                        toOverlay(
                          `run of ${new Date(detail.data.createdAt).toLocaleString()} (${runStatusWords(detail.data.status)})`,
                          detail.data.steps,
                        ),
                      );
                    setOpenId(r.id);
                  }}
                  aria-label={`Show run of ${new Date(r.createdAt).toLocaleString()}`}
                >
                  {new Date(r.createdAt).toLocaleTimeString()}
                </button>
              </td>
              <td title={r.eventType ?? undefined}>
                {r.testRun ? 'Test run' : r.eventType ? eventTitle(r.eventType) : '—'}
              </td>
              <td className={r.status === 'failed' ? 'text-red-700' : r.status === 'succeeded' ? 'text-green-700' : ''}>
                {runStatusWords(r.status)}
              </td>
              <td>{r.durationMs != null ? `${r.durationMs} ms` : '—'}</td>
              <td>
                {r.status === 'failed' && !r.testRun && mayRetry && (
                  <button
                    type="button"
                    className="btn-secondary px-2 py-0.5 text-xs"
                    onClick={() => retry.mutate({ projectId, runId: r.id })}
                  >
                    Retry
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {detail.data && (
        <div>
          <p className="text-sm font-medium">
            Run {runStatusWords(detail.data.status).toLowerCase()}
            {detail.data.error ? `: ${detail.data.error}` : ''}
          </p>
          <StepList steps={detail.data.steps} definition={definition} />
        </div>
      )}
    </section>
  );
}
