'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { DataTable } from '~/components/ui/data-table';
import { flowTitle } from '~/lib/flow-title';
import { eventTitle } from '~/lib/flow-words';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

function ago(date: Date | string): string {
  const s = Math.max(0, Math.round((Date.now() - new Date(date).getTime()) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

/** A length of time in words: "45 seconds", "1 minute", "3 hours", "2 days". */
function durationWords(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (s < 60) return unit(s, 'second');
  if (s < 3600) return unit(Math.floor(s / 60), 'minute');
  if (s < 86_400) return unit(Math.floor(s / 3600), 'hour');
  return unit(Math.floor(s / 86_400), 'day');
}

const TITLES = {
  dead_letter: 'Automation runs failed for good',
  queue_age: 'Automation runs are waiting for a worker',
} as const;

/** Studio → Events → Operations: open incidents, runs that failed for good (retry), the queue. */
export function OperationsPanel({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const can = useCan();
  const queryClient = useQueryClient();
  const ops = useQuery({ ...trpc.events.operations.queryOptions({ projectId }), refetchInterval: 5000 });
  const [notice, setNotice] = useState<string | null>(null);
  const retry = useMutation(
    trpc.flows.retryRun.mutationOptions({
      onSuccess: () => {
        setNotice('Queued again: its completed steps are reused, not repeated.');
        return queryClient.invalidateQueries({ queryKey: trpc.events.operations.queryKey() });
      },
    }),
  );
  const data = ops.data;
  const open = data?.alerts.filter((a) => !a.resolvedAt) ?? [];
  const closed = data?.alerts.filter((a) => a.resolvedAt) ?? [];
  return (
    <section className="space-y-3" aria-labelledby="operations-heading">
      <h2 id="operations-heading" className="text-lg font-semibold">
        Operations
      </h2>
      {ops.error && <p role="alert">{errorMessage(ops.error)}</p>}
      {data && (
        <p className="text-sm text-slate-600">
          {data.queue.waiting === 0
            ? 'No automation run is waiting.'
            : `${data.queue.waiting} automation run(s) waiting; the oldest for ${durationWords(data.queue.oldestWaitingS ?? 0)}.`}
        </p>
      )}
      {data && (
        <p className="text-sm text-slate-600">
          {data.workers.alive === 0
            ? 'No worker is running: automation runs wait until the studio or a worker process starts.'
            : `${data.workers.alive} worker process(es) running, ${data.workers.activeRuns} automation run(s) in progress` +
              (data.workers.restarts > 0 ? `; restarted ${data.workers.restarts} time(s) after failures.` : '.')}
        </p>
      )}
      {open.map((a) => (
        <div key={a.id} role="status" aria-label={TITLES[a.kind]} className="card border-amber-300 bg-amber-50 text-sm">
          <p className="font-medium">{TITLES[a.kind]}</p>
          <p>
            Since {ago(a.openedAt)} · {a.kind === 'dead_letter' ? `${a.runs} run(s)` : `${a.runs} waiting`} · {a.detail}
          </p>
          <p className="text-xs text-slate-600">
            {a.emailed
              ? 'The project owner was emailed once for this incident.'
              : data?.alertSettings.email === false
                ? 'Alert emails are off for this project.'
                : 'No owner address to email.'}
          </p>
        </div>
      ))}
      {closed.length > 0 && (
        <details className="text-sm">
          <summary className="cursor-pointer text-slate-600">Earlier incidents ({closed.length})</summary>
          <ul className="mt-1 space-y-1">
            {closed.map((a) => (
              <li key={a.id}>
                {TITLES[a.kind]}: {a.detail} ({ago(a.openedAt)}, over {ago(a.resolvedAt as Date)})
              </li>
            ))}
          </ul>
        </details>
      )}
      {notice && (
        <p role="status" className="text-sm text-green-700">
          {notice}
        </p>
      )}
      {retry.error && (
        <p role="alert" className="field-error">
          {errorMessage(retry.error)}
        </p>
      )}
      {data && data.waiting.length > 0 && (
        <DataTable label="Runs waiting" columns={['Automation', 'What happened', 'Waiting for', 'State']}>
          {data.waiting.map((r) => (
            <tr key={r.id} className="border-t border-slate-100 align-top">
              <RunCells projectId={projectId} run={r} />
              <td className="py-1.5 pr-3">{r.retryInS > 0 ? '—' : durationWords(r.waitingS)}</td>
              <td className="py-1.5 pr-3 text-xs">
                {r.retryInS > 0
                  ? `Tries again in ${durationWords(r.retryInS)} (attempt ${r.attempt} failed)`
                  : data.workers.alive === 0
                    ? 'Stuck: no worker is running to take it'
                    : 'Next in line for a worker'}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <DataTable
        label="Runs that failed for good"
        columns={['Failed', 'Automation', 'What happened', 'Attempts', 'What went wrong', '']}
        empty={data?.deadLetters.length === 0 && 'No run has failed for good.'}
      >
        {data?.deadLetters.map((r) => (
          <tr key={r.id} className="border-t border-slate-100 align-top">
            <td className="py-1.5 pr-3 text-xs">{r.finishedAt ? new Date(r.finishedAt).toLocaleString() : ''}</td>
            <RunCells projectId={projectId} run={r} />
            <td className="py-1.5 pr-3">{r.attempts}</td>
            <td className="py-1.5 pr-3 text-xs text-red-700">
              {r.step && <span className="font-medium">At the step “{r.step}”: </span>}
              {r.error}
            </td>
            <td className="py-1.5">
              {can('flows.retryRun') && (
                <button
                  type="button"
                  className="btn-secondary px-2 py-0.5 text-xs"
                  aria-label={`Retry the ${flowTitle(r.flowName)} run`}
                  disabled={retry.isPending}
                  onClick={() => retry.mutate({ projectId, runId: r.id })}
                >
                  Retry
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {data && can('events.saveAlertSettings') && (
        <AlertSettingsForm projectId={projectId} settings={data.alertSettings} />
      )}
    </section>
  );
}

/** Whether incidents are emailed to the owner, and how long a run may wait before one opens. */
function AlertSettingsForm({
  projectId,
  settings,
}: {
  projectId: number;
  settings: { email: boolean; queueAgeS: number; customQueueAge: boolean };
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState(settings.email);
  const [minutes, setMinutes] = useState(String(Math.max(1, Math.round(settings.queueAgeS / 60))));
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.events.saveAlertSettings.mutationOptions({
      onSuccess: () => {
        setSaved(true);
        return queryClient.invalidateQueries({ queryKey: trpc.events.operations.queryKey() });
      },
    }),
  );
  const value = Number(minutes);
  const invalid = !Number.isInteger(value) || value < 1 || value > 1440;
  return (
    <form
      className="card space-y-2 text-sm"
      aria-labelledby="alert-settings-heading"
      onSubmit={(e) => {
        e.preventDefault();
        if (invalid) return;
        setSaved(false);
        save.mutate({ projectId, email, queueAgeMinutes: value });
      }}
    >
      <h3 id="alert-settings-heading" className="font-medium">
        Alert settings
      </h3>
      <label className="flex items-center gap-2">
        <input
          type="checkbox"
          checked={email}
          onChange={(e) => {
            setEmail(e.target.checked);
            setSaved(false);
          }}
        />
        Email the project owner when runs fail for good or wait too long
      </label>
      <label className="flex items-center gap-2">
        Alert when an automation run waits longer than
        <input
          type="number"
          min={1}
          max={1440}
          className="input w-20"
          value={minutes}
          aria-invalid={invalid}
          onChange={(e) => {
            setMinutes(e.target.value);
            setSaved(false);
          }}
        />
        minutes
      </label>
      {invalid && <p className="field-error">Enter a whole number of minutes from 1 to 1440.</p>}
      {save.error && (
        <p role="alert" className="field-error">
          {errorMessage(save.error)}
        </p>
      )}
      <div className="flex items-center gap-3">
        <button type="submit" className="btn-secondary px-2 py-0.5" disabled={save.isPending || invalid}>
          Save alert settings
        </button>
        {saved && (
          <span role="status" className="text-green-700">
            Alert settings saved.
          </span>
        )}
      </div>
    </form>
  );
}

/** A run's automation (linking to the run on its canvas) and what it was about: the first cells of both run tables. */
function RunCells({
  projectId,
  run,
}: {
  projectId: number;
  run: { id: string; flowId: string; flowName: string; eventType: string | null };
}) {
  return (
    <>
      <td className="py-1.5 pr-3">
        <Link
          className="text-indigo-700 hover:underline"
          href={`/projects/${projectId}/flows/${run.flowId}?run=${run.id}`}
        >
          {flowTitle(run.flowName)}
        </Link>
      </td>
      <td className="py-1.5 pr-3 text-xs">{run.eventType ? eventTitle(run.eventType) : '—'}</td>
    </>
  );
}
