'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useState } from 'react';
import { DataTable } from '~/components/ui/data-table';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { OperationsPanel } from './operations-panel';

/** Studio → Events: webhook events received, their deliveries and duplicates, the runs they started; replay. */
export function EventsPage({ projectId, objectIds }: { projectId: number; objectIds?: string[] }) {
  const trpc = useTRPC();
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
          r.runIds.length ? `Replayed: ${r.runIds.length} new run(s) queued.` : 'No flow listens to this event now.',
        );
        return queryClient.invalidateQueries({ queryKey: trpc.events.list.queryKey() });
      },
    }),
  );
  return (
    <div className="max-w-6xl space-y-4">
      <h1 className="text-2xl font-semibold">Events</h1>
      <p className="text-sm text-slate-600">
        Every Stripe webhook event received, once: repeated deliveries are counted as duplicates and never run a flow
        twice.
      </p>
      {objectIds?.length ? (
        <p className="text-sm" role="status">
          Showing the events about <span className="font-mono text-xs">{objectIds.join(', ')}</span> and the runs they
          started.{' '}
          <Link className="text-indigo-700 underline" href={`/projects/${projectId}/events`}>
            Show all events
          </Link>
        </p>
      ) : null}
      {objectIds?.length ? null : <OperationsPanel projectId={projectId} />}
      <h2 className="text-lg font-semibold">Webhook events</h2>
      <div className="max-w-xs">
        <label className="label" htmlFor="event-type-filter">
          Event type
        </label>
        <input
          id="event-type-filter"
          className="input"
          placeholder="e.g. checkout.session.completed"
          value={type}
          onChange={(e) => setType(e.target.value.trim())}
        />
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
        label="Webhook events"
        columns={['Received', 'Type', 'Event', 'Deliveries', 'Duplicates', 'Runs started', '']}
        empty={events.data?.length === 0 && 'No events received yet.'}
      >
        {events.data?.map((e) => (
          <tr key={e.id} className="border-t border-slate-100 align-top">
            <td className="py-1.5 pr-3 text-xs">{new Date(e.receivedAt).toLocaleString()}</td>
            <td className="py-1.5 pr-3 font-mono text-xs">{e.type}</td>
            <td className="py-1.5 pr-3 font-mono text-xs">{e.eventId}</td>
            <td className="py-1.5 pr-3">{e.deliveries}</td>
            <td className="py-1.5 pr-3">{e.duplicates}</td>
            <td className="py-1.5 pr-3 text-xs">
              {e.runs.length === 0
                ? 'none'
                : e.runs.map((r) => (
                    <Link
                      key={r.id}
                      className="mr-2 block text-indigo-700 hover:underline"
                      href={`/projects/${projectId}/flows/${r.flowId}?run=${r.id}`}
                    >
                      {r.flowName}: {r.status}
                    </Link>
                  ))}
            </td>
            <td className="py-1.5">
              <button
                type="button"
                className="btn-secondary px-2 py-0.5 text-xs"
                aria-label={`Replay ${e.type} ${e.eventId}`}
                disabled={replay.isPending}
                onClick={() => replay.mutate({ projectId, eventId: e.id })}
              >
                Replay
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
    </div>
  );
}
