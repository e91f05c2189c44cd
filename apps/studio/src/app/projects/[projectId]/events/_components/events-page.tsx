'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { DataTable } from '~/components/ui/data-table';
import { flowTitle } from '~/lib/flow-title';
import { eventTitle, KNOWN_EVENT_TYPES, runStatusWords } from '~/lib/flow-words';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { OperationsPanel } from './operations-panel';

/** Studio → Events: webhook events received, their deliveries and duplicates, the runs they started; replay. */
export function EventsPage({ projectId, objectIds }: { projectId: number; objectIds?: string[] }) {
  const trpc = useTRPC();
  const can = useCan();
  const queryClient = useQueryClient();
  const [type, setType] = useState('');
  const events = useQuery({
    ...trpc.events.list.queryOptions({ projectId, type: type || undefined, objectIds }),
    refetchInterval: 5000,
  });
  const [replayed, setReplayed] = useState<string | null>(null);
  const replay = useMutation(
    trpc.events.replay.mutationOptions({
      onSuccess: (r) => {
        setReplayed(
          r.runIds.length
            ? `Replayed: ${r.runIds.length} new run(s) queued.`
            : 'No automation listens to this event now.',
        );
        return queryClient.invalidateQueries({ queryKey: trpc.events.list.queryKey() });
      },
    }),
  );
  return (
    <div className="max-w-6xl space-y-4">
      <h1 className="text-2xl font-semibold">Events</h1>
      <p className="text-sm text-slate-600">
        Everything Stripe told your shop, each message once: when Stripe sends the same message again it is counted, and
        never runs an automation twice.
      </p>
      {objectIds?.length ? (
        <p className="text-sm" role="status" title={objectIds.join(', ')}>
          Showing what Stripe said about this payment and the automation runs it started.{' '}
          <Link className="text-indigo-700 underline" href={`/projects/${projectId}/events`}>
            Show all events
          </Link>
        </p>
      ) : null}
      {objectIds?.length ? null : <OperationsPanel projectId={projectId} />}
      <h2 className="text-lg font-semibold">Messages from Stripe</h2>
      <div className="max-w-xs">
        <label className="label" htmlFor="event-type-filter">
          What happened
        </label>
        <select id="event-type-filter" className="input" value={type} onChange={(e) => setType(e.target.value)}>
          <option value="">Anything</option>
          {KNOWN_EVENT_TYPES.map((t) => (
            <option key={t} value={t}>
              {eventTitle(t)}
            </option>
          ))}
        </select>
      </div>
      {events.error && <p role="alert">{errorMessage(events.error)}</p>}
      {replay.error && (
        <p role="alert" className="field-error">
          {errorMessage(replay.error)}
        </p>
      )}
      {replayed && (
        <p role="status" className="text-sm text-green-700">
          {replayed}
        </p>
      )}
      <DataTable
        label="Messages from Stripe"
        columns={['Received', 'What happened', 'Times sent', 'Repeats ignored', 'Automation runs', '']}
        empty={events.data?.length === 0 && 'No events received yet.'}
      >
        {events.data?.map((e) => (
          <tr key={e.id} className="border-t border-slate-100 align-top">
            <td className="py-1.5 pr-3 text-xs">{new Date(e.receivedAt).toLocaleString()}</td>
            {/* Stripe's own names stay at hand (a hover) for someone comparing with the Stripe Dashboard. */}
            <td className="py-1.5 pr-3" title={`${e.type} · ${e.eventId}`}>
              {eventTitle(e.type)}
            </td>
            <td className="py-1.5 pr-3">{e.deliveries}</td>
            <td className="py-1.5 pr-3">{e.duplicates}</td>
            <td className="py-1.5 pr-3 text-xs">
              {e.runs.length === 0
                ? 'None'
                : e.runs.map((r) => (
                    <Link
                      key={r.id}
                      className="mr-2 block text-indigo-700 hover:underline"
                      href={`/projects/${projectId}/flows/${r.flowId}?run=${r.id}`}
                    >
                      {flowTitle(r.flowName)}: {runStatusWords(r.status)}
                    </Link>
                  ))}
            </td>
            <td className="py-1.5">
              {can('events.replay') && (
                <button
                  type="button"
                  className="btn-secondary px-2 py-0.5 text-xs"
                  aria-label={`Replay: ${eventTitle(e.type)}, received ${new Date(e.receivedAt).toLocaleString()}`}
                  disabled={replay.isPending}
                  onClick={() => replay.mutate({ projectId, eventId: e.id })}
                >
                  Replay
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
