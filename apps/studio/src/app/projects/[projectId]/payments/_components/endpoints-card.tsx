'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { flowTitle } from '~/lib/flow-title';
import { triggerWords } from '~/lib/flow-words';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { CheckAgainstStripeButton, LastCheckReport, useCheckAgainstStripe } from './last-check';

export function EndpointsCard({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const endpoints = useQuery({ ...trpc.payments.endpoints.queryOptions({ projectId }), refetchInterval: 10_000 });
  const can = useCan();
  const repair = useMutation(
    trpc.payments.repairEndpoints.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.payments.endpoints.queryKey() }),
    }),
  );
  const lastCheck = useQuery(trpc.payments.lastCheck.queryOptions({ projectId }));
  const reconcile = useCheckAgainstStripe();
  const report = reconcile.data ?? lastCheck.data ?? null;
  return (
    <section className="card space-y-3" aria-labelledby="endpoints-heading">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="endpoints-heading" className="font-semibold">
          How Stripe tells your shop what happened
        </h2>
        {can('payments.reconcile') && (
          <div className="flex flex-wrap gap-2">
            <CheckAgainstStripeButton projectId={projectId} check={reconcile} />
            <button
              type="button"
              className="btn-secondary"
              onClick={() => repair.mutate({ projectId })}
              disabled={repair.isPending}
            >
              {repair.isPending ? 'Reconnecting…' : 'Reconnect missing addresses'}
            </button>
          </div>
        )}
      </div>
      <p className="text-sm text-slate-600">
        Stripe calls your shop at one address per payment automation, with only the news that automation handles.
        Tillflow keeps them in step; do not change them in Stripe. If one was deleted in Stripe, Reconnect missing
        addresses puts it back at the same address.
      </p>
      {report && <LastCheckReport report={report} />}
      {reconcile.error && (
        <p role="alert" className="field-error">
          {errorMessage(reconcile.error)}
        </p>
      )}
      {repair.error && (
        <p role="alert" className="field-error">
          {errorMessage(repair.error)}
        </p>
      )}
      {endpoints.error && <p role="alert">{errorMessage(endpoints.error)}</p>}
      <div className="relative overflow-x-auto">
        <table className="w-full text-left text-sm" aria-label="Addresses Stripe calls">
          <thead className="text-slate-500">
            <tr>
              <th className="py-1 pr-3">Automation</th>
              <th className="py-1 pr-3">Listens for</th>
              <th className="py-1 pr-3">Last delivery</th>
              <th className="py-1 pr-3">Failures</th>
              <th className="py-1 pr-3">Health</th>
            </tr>
          </thead>
          <tbody>
            {endpoints.data?.map((e) => (
              <tr key={e.id} className="border-t border-slate-100 align-top">
                <td className="py-1.5 pr-3 font-medium">
                  {e.purpose === 'custom' ? 'One of your automations' : flowTitle(e.purpose)}
                </td>
                <td className="py-1.5 pr-3 text-xs text-slate-600" title={e.enabledEvents.join(', ')}>
                  {triggerWords({ kind: 'stripe_webhook', events: e.enabledEvents }, e.purpose)}
                </td>
                <td className="py-1.5 pr-3">
                  {e.lastDeliveryAt ? new Date(e.lastDeliveryAt).toLocaleString() : 'Never'}
                </td>
                <td className="py-1.5 pr-3">{e.failureCount}</td>
                <td className="py-1.5 pr-3">
                  {e.registered === false ? (
                    <span className="text-red-700">Missing in Stripe: press Reconnect missing addresses</span>
                  ) : e.healthy ? (
                    <span className="text-green-700">Healthy</span>
                  ) : (
                    <span className="text-amber-700">Failures</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
