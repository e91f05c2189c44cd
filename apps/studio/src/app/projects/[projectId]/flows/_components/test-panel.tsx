'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { type FlowDefinition, sampleStripeEvent, stripeEventTypes } from '@tillflow/flow-model';
import { useState } from 'react';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { type Overlay, toOverlay } from './run-overlay';
import { StepList } from './step-list';

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
  // A test run writes to the project's data (unless rolled back): build work, like saving the flow.
  const mayRun = useCan()('flows.testRun');
  const types =
    definition.trigger.kind === 'stripe_webhook' && definition.trigger.events.length
      ? definition.trigger.events
      : stripeEventTypes;
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
      {mayRun ? (
        <button
          type="button"
          className="btn"
          onClick={start}
          disabled={run.isPending || (source === 'event' && !eventRowId)}
        >
          {run.isPending ? 'Running…' : 'Run test'}
        </button>
      ) : (
        <p className="text-sm text-slate-600">Test runs are for the project’s owners and editors.</p>
      )}
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
          <StepList steps={run.data.steps} definition={definition} />
        </section>
      )}
    </section>
  );
}
