'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FlowDefinition, type FlowTrigger, knownStripeEventTypes, sampleStripeEvent } from '@tillflow/flow-model';
import { type RefObject, useEffect, useRef, useState } from 'react';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import type { StepOverlay } from './canvas-types';

type Overlay = { title: string; steps: Map<string, StepOverlay> } | null;

interface StepLike {
  nodeId: string;
  status: string;
  input?: unknown;
  output?: unknown;
  error?: string | null;
  durationMs?: number | null;
  branch?: string | null;
}

const toOverlay = (title: string, steps: StepLike[]): Overlay => ({
  title,
  steps: new Map(steps.filter((s) => s.status !== 'skipped').map((s) => [s.nodeId, s])),
});

/** The trigger: which Stripe events start the flow (fixed for system flows). */
export function TriggerPanel({
  definition,
  locked,
  onChange,
}: {
  definition: FlowDefinition;
  locked: boolean;
  onChange: (trigger: FlowTrigger) => void;
}) {
  const trigger = definition.trigger;
  const events = trigger.kind === 'stripe_webhook' ? trigger.events : [];
  return (
    <section aria-label="Trigger settings" className="space-y-3">
      <h2 className="font-semibold">⚡ Trigger</h2>
      {locked && (
        <p className="rounded bg-amber-50 p-2 text-sm text-amber-800">🔒 The events of a system flow are fixed.</p>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input
          type="checkbox"
          checked={trigger.kind === 'manual'}
          disabled={locked}
          onChange={(e) => onChange(e.target.checked ? { kind: 'manual' } : { kind: 'stripe_webhook', events: [] })}
        />
        Manual only (test runs), no webhook
      </label>
      {trigger.kind === 'stripe_webhook' && (
        <fieldset className="max-h-96 space-y-1 overflow-y-auto" disabled={locked}>
          <legend className="label">Stripe events that start this flow</legend>
          {knownStripeEventTypes.map((type) => (
            <label key={type} className="flex items-center gap-2 font-mono text-xs">
              <input
                type="checkbox"
                checked={events.includes(type)}
                onChange={(e) =>
                  onChange({
                    kind: 'stripe_webhook',
                    events: e.target.checked ? [...events, type] : events.filter((x) => x !== type),
                  })
                }
              />
              {type}
            </label>
          ))}
        </fieldset>
      )}
    </section>
  );
}

/** Runs the current draft with a sample, hand-edited or logged event; each node's result is painted on the canvas. */
export function TestPanel({
  projectId,
  flowId,
  definition,
  onResult,
}: {
  projectId: number;
  flowId: string;
  definition: FlowDefinition;
  onResult: (overlay: Overlay) => void;
}) {
  const trpc = useTRPC();
  const types =
    definition.trigger.kind === 'stripe_webhook' && definition.trigger.events.length
      ? definition.trigger.events
      : knownStripeEventTypes;
  const [source, setSource] = useState<'sample' | 'event'>('sample');
  const [eventType, setEventType] = useState(types[0] ?? '');
  const [json, setJson] = useState(() => JSON.stringify(sampleStripeEvent(types[0] ?? 'charge.succeeded'), null, 2));
  const [eventRowId, setEventRowId] = useState('');
  const [rollback, setRollback] = useState(true);
  const [jsonError, setJsonError] = useState('');
  const events = useQuery({ ...trpc.events.list.queryOptions({ projectId, limit: 50 }), enabled: source === 'event' });
  const run = useMutation(trpc.flows.testRun.mutationOptions());
  const start = () => {
    let input: Parameters<typeof run.mutate>[0]['source'];
    if (source === 'event') input = { kind: 'event', eventRowId };
    else {
      try {
        input = { kind: 'json', event: JSON.parse(json) };
        setJsonError('');
      } catch {
        setJsonError('The event is not valid JSON.');
        return;
      }
    }
    run.mutate(
      { projectId, flowId, definition, source: input, rollback },
      { onSuccess: (r) => onResult(toOverlay(`test run (${r.status}${rollback ? ', rolled back' : ''})`, r.steps)) },
    );
  };
  return (
    <section aria-label="Test run" className="space-y-3">
      <h2 className="font-semibold">Test run</h2>
      <fieldset className="flex gap-3 text-sm">
        <legend className="sr-only">Event source</legend>
        <label className="flex items-center gap-1">
          <input type="radio" name="source" checked={source === 'sample'} onChange={() => setSource('sample')} />
          Sample event
        </label>
        <label className="flex items-center gap-1">
          <input type="radio" name="source" checked={source === 'event'} onChange={() => setSource('event')} />
          From the event log
        </label>
      </fieldset>
      {source === 'sample' ? (
        <>
          <div>
            <label className="label" htmlFor="test-event-type">
              Event type
            </label>
            <select
              id="test-event-type"
              className="input"
              value={eventType}
              onChange={(e) => {
                setEventType(e.target.value);
                setJson(JSON.stringify(sampleStripeEvent(e.target.value), null, 2));
              }}
            >
              {types.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </div>
          <div>
            <label className="label" htmlFor="test-event-json">
              Event JSON
            </label>
            <textarea
              id="test-event-json"
              className="input font-mono text-xs"
              rows={12}
              value={json}
              onChange={(e) => setJson(e.target.value)}
            />
            {jsonError && <p className="field-error">{jsonError}</p>}
          </div>
        </>
      ) : (
        <div>
          <label className="label" htmlFor="test-event-log">
            Received event
          </label>
          <select
            id="test-event-log"
            className="input"
            value={eventRowId}
            onChange={(e) => setEventRowId(e.target.value)}
          >
            <option value="">Choose an event…</option>
            {events.data?.map((e) => (
              <option key={e.id} value={e.id}>
                {e.type} · {e.eventId} · {new Date(e.receivedAt).toLocaleString()}
              </option>
            ))}
          </select>
        </div>
      )}
      <label className="flex items-center gap-2 text-sm">
        <input type="checkbox" checked={rollback} onChange={(e) => setRollback(e.target.checked)} />
        Roll back database changes after the run
      </label>
      <button
        type="button"
        className="btn"
        onClick={start}
        disabled={run.isPending || (source === 'event' && !eventRowId)}
      >
        {run.isPending ? 'Running…' : 'Run test'}
      </button>
      {run.error && (
        <p role="alert" className="field-error">
          {errorMessage(run.error)}
        </p>
      )}
      {run.data && (
        <section className="space-y-2" aria-label="Test run result">
          <p className={`text-sm font-medium ${run.data.status === 'failed' ? 'text-red-700' : 'text-green-700'}`}>
            Test run {run.data.status}
            {run.data.error ? `: ${run.data.error}` : ''}
          </p>
          <StepList steps={run.data.steps} />
        </section>
      )}
    </section>
  );
}

function StepList({ steps }: { steps: StepLike[] }) {
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

/** Run history: open a run to paint its path and each step's data on the canvas; retry failed runs. */
export function RunsPanel({
  projectId,
  flowId,
  onShow,
  initialRunId,
}: {
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
  const shown = useRef<string | null>(null);
  useEffect(() => {
    const run = detail.data;
    if (!run || shown.current === run.id) return;
    shown.current = run.id;
    onShow(toOverlay(`run of ${new Date(run.createdAt).toLocaleString()} (${run.status})`, run.steps));
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
            <th>Event</th>
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
                          `run of ${new Date(detail.data.createdAt).toLocaleString()} (${detail.data.status})`,
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
              <td className="font-mono">{r.testRun ? 'test' : (r.eventType ?? '—')}</td>
              <td className={r.status === 'failed' ? 'text-red-700' : r.status === 'succeeded' ? 'text-green-700' : ''}>
                {r.status}
              </td>
              <td>{r.durationMs != null ? `${r.durationMs} ms` : '—'}</td>
              <td>
                {r.status === 'failed' && !r.testRun && (
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
            Run {detail.data.status}
            {detail.data.error ? `: ${detail.data.error}` : ''}
          </p>
          <StepList steps={detail.data.steps} />
        </div>
      )}
    </section>
  );
}

/** Published versions with what changed; rolling back publishes an older version again. */
export function VersionsPanel({
  projectId,
  flowId,
  revision,
}: {
  projectId: number;
  flowId: string;
  revision: RefObject<number>;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const versions = useQuery(trpc.flows.versions.queryOptions({ projectId, flowId }));
  const rollback = useMutation(
    trpc.flows.rollback.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.flows.get.queryKey({ projectId, flowId }) });
        await queryClient.invalidateQueries({ queryKey: trpc.flows.versions.queryKey({ projectId, flowId }) });
      },
    }),
  );
  return (
    <section aria-label="Versions" className="space-y-3">
      <h2 className="font-semibold">Versions</h2>
      {rollback.error && (
        <p role="alert" className="field-error">
          {errorMessage(rollback.error)}
        </p>
      )}
      {versions.data?.length === 0 && <p className="text-sm text-slate-500">Not published yet.</p>}
      <ol className="space-y-2">
        {versions.data?.map((v) => (
          <li key={v.id} className="rounded border border-slate-200 p-2 text-sm">
            <p className="font-medium">
              Version {v.version}{' '}
              {v.live && <span className="ml-1 rounded bg-green-100 px-1.5 text-xs text-green-800">live</span>}
            </p>
            <p className="text-xs text-slate-500">{new Date(v.createdAt).toLocaleString()}</p>
            <p className="text-xs">{v.summary}</p>
            {!v.live && (
              <button
                type="button"
                className="btn-secondary mt-1 px-2 py-0.5 text-xs"
                disabled={rollback.isPending}
                onClick={() =>
                  rollback.mutate({ projectId, flowId, versionId: v.id, expectedRevision: revision.current })
                }
              >
                Roll back to version {v.version}
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
