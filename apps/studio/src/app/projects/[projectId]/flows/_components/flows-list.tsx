'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { DataTable } from '~/components/ui/data-table';
import { flowTitle } from '~/lib/flow-title';
import { runStatusWords, triggerWords } from '~/lib/flow-words';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

const STATUS_LABEL = { draft: 'Draft', published: 'Published', changed: 'Published, draft has changes' } as const;

/** Studio → Automations (actionflows): system flows (badge, not deletable) and custom flows, with status and run health. */
export function FlowsList({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const flows = useQuery(trpc.flows.list.queryOptions({ projectId }));
  const templates = useQuery(trpc.flows.templates.queryOptions({ projectId }));
  const [name, setName] = useState('');
  const [template, setTemplate] = useState('');
  const can = useCan();
  const create = useMutation(
    trpc.flows.create.mutationOptions({ onSuccess: (f) => router.push(`/projects/${projectId}/flows/${f.id}`) }),
  );
  const remove = useMutation(
    trpc.flows.delete.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.flows.list.queryKey() }),
    }),
  );
  return (
    <div className="max-w-5xl space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Automations</h1>
        <p className="text-sm text-slate-600">
          What happens by itself when something happens at Stripe: an order marked paid, a receipt emailed. The five
          system automations come with payments; add your own below.
        </p>
      </div>
      {flows.error && <p role="alert">{errorMessage(flows.error)}</p>}
      {remove.error && (
        <p role="alert" className="field-error">
          {errorMessage(remove.error)}
        </p>
      )}
      <DataTable
        label="Flows"
        columns={['Automation', 'Runs when', 'Status', 'Last run', 'Failures', '']}
        empty={
          flows.data?.length === 0 &&
          'No automations yet. Turning on payments adds the five system automations; or create your own below.'
        }
      >
        {flows.data?.map((f) => (
          <tr key={f.id} className="border-t border-slate-100 align-top">
            <td className="py-1.5 pr-3">
              <Link
                className="font-medium text-indigo-700 hover:underline"
                href={`/projects/${projectId}/flows/${f.id}`}
              >
                {flowTitle(f.name, f.systemKind)}
              </Link>
              {f.system && (
                <span className="ml-2 rounded-full bg-slate-800 px-2 py-0.5 text-xs text-white">System</span>
              )}
            </td>
            <td className="py-1.5 pr-3 text-xs text-slate-600">{triggerWords(f.trigger, f.systemKind)}</td>
            <td className="py-1.5 pr-3">
              {STATUS_LABEL[f.status]}
              {f.publishedVersion ? ` (v${f.publishedVersion})` : ''}
            </td>
            <td className="py-1.5 pr-3">
              {f.lastRun ? `${new Date(f.lastRun.at).toLocaleString()} · ${runStatusWords(f.lastRun.status)}` : 'Never'}
            </td>
            <td className={`py-1.5 pr-3 ${f.failureCount ? 'text-red-700' : ''}`}>{f.failureCount}</td>
            <td className="py-1.5">
              {!f.system && can('flows.delete') && (
                <button
                  type="button"
                  className="btn-secondary px-2 py-0.5 text-xs"
                  aria-label={`Delete ${flowTitle(f.name)}`}
                  onClick={() => {
                    if (window.confirm(`Delete the automation ${flowTitle(f.name)}? Its runs are deleted too.`))
                      remove.mutate({ projectId, flowId: f.id });
                  }}
                >
                  Delete
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {can('flows.create') && (
        <form
          className="card max-w-xl space-y-3"
          aria-labelledby="new-flow-heading"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate({ projectId, name, template: template || undefined });
          }}
        >
          <h2 id="new-flow-heading" className="font-semibold">
            New automation
          </h2>
          <div>
            <label className="label" htmlFor="new-flow-name">
              Automation name
            </label>
            <input id="new-flow-name" className="input" value={name} onChange={(e) => setName(e.target.value)} />
          </div>
          <div>
            <label className="label" htmlFor="new-flow-template">
              Start from
            </label>
            <select
              id="new-flow-template"
              className="input"
              value={template}
              onChange={(e) => setTemplate(e.target.value)}
            >
              <option value="">A blank canvas</option>
              {templates.data?.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
            {template && (
              <p className="mt-1 text-xs text-slate-500">
                {templates.data?.find((t) => t.id === template)?.description}
              </p>
            )}
          </div>
          {create.error && (
            <p role="alert" className="field-error">
              {errorMessage(create.error)}
            </p>
          )}
          <button type="submit" className="btn" disabled={create.isPending}>
            Create automation
          </button>
        </form>
      )}
    </div>
  );
}
