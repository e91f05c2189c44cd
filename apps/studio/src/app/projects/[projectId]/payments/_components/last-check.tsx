'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCan } from '~/lib/project-role';
import { statusLabel } from '~/lib/status-labels';
import { errorMessage } from '~/lib/trpc-errors';
import { type RouterOutputs, useTRPC } from '~/trpc/react';

type CheckReport = NonNullable<RouterOutputs['payments']['lastCheck']>;
type Difference = CheckReport['fixed'][number];

const ROW_WORDS: Record<Difference['table'], string> = {
  payment: 'Payment',
  refund: 'Refund',
  recurring_payment: 'Subscription',
};

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** What the last "Check against Stripe" found, in sentences: when, how many compared, fixed and still differing. */
export function LastCheckReport({ report }: { report: CheckReport }) {
  const rows = [
    ...report.fixed.map((d) => ({ ...d, fixed: true })),
    ...report.stillDiffering.map((d) => ({ ...d, fixed: false })),
  ];
  return (
    <section className="text-sm" aria-label="Last check against Stripe">
      <p>
        Last checked {new Date(report.ranAt).toLocaleString()}:{' '}
        {plural(report.events.recovered, 'missed event', 'missed events')} recovered;{' '}
        {plural(report.checked, 'payment, refund or subscription', 'payments, refunds and subscriptions')} compared;{' '}
        {report.fixed.length} fixed; {report.stillDiffering.length} still{' '}
        {report.stillDiffering.length === 1 ? 'differs' : 'differ'}.
      </p>
      {rows.length > 0 && (
        <ul className="list-disc pl-5 text-slate-600">
          {rows.map((d) => (
            <li key={`${d.table}-${d.id}`}>
              {d.fixed ? 'Fixed' : 'Still differs'}: {ROW_WORDS[d.table] ?? 'Row'} #{d.id} was {statusLabel(d.ours)},
              Stripe says {d.stripe === 'unknown' ? 'nothing' : statusLabel(d.stripe)} ({d.why}).
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Runs "Check against Stripe" now; every view of the payments (the last check among them) refreshes after it. */
export function useCheckAgainstStripe() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return useMutation(
    trpc.payments.reconcile.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.payments.pathKey() }),
    }),
  );
}

/** The one "Check against Stripe" button (dashboard and the addresses card). */
export function CheckAgainstStripeButton({
  projectId,
  check,
}: {
  projectId: number;
  check: ReturnType<typeof useCheckAgainstStripe>;
}) {
  return (
    <button
      type="button"
      className="btn-secondary"
      onClick={() => check.mutate({ projectId })}
      disabled={check.isPending}
    >
      {check.isPending ? 'Checking…' : 'Check against Stripe'}
    </button>
  );
}

/** The dashboard's view of the last check (the maintenance loop runs it too), with the button for who may run it. */
export function LastCheckSection({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const can = useCan();
  const lastCheck = useQuery(trpc.payments.lastCheck.queryOptions({ projectId }));
  const reconcile = useCheckAgainstStripe();
  const report = reconcile.data ?? lastCheck.data ?? null;
  return (
    <section className="card space-y-2" aria-labelledby="last-check-heading">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="last-check-heading" className="font-semibold">
          In step with Stripe?
        </h2>
        {can('payments.reconcile') && <CheckAgainstStripeButton projectId={projectId} check={reconcile} />}
      </div>
      {report ? (
        <LastCheckReport report={report} />
      ) : (
        lastCheck.isSuccess && (
          <p className="text-sm text-slate-600">
            Not checked yet. Tillflow checks on its own regularly; Check against Stripe does it now.
          </p>
        )
      )}
      {reconcile.error && (
        <p role="alert" className="field-error">
          {errorMessage(reconcile.error)}
        </p>
      )}
      {lastCheck.error && <p role="alert">{errorMessage(lastCheck.error)}</p>}
    </section>
  );
}
