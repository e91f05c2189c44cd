'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useLiveTables, useSlug } from '../_components/hooks';
import { useAppTRPC } from '../_components/trpc';
import { ErrorText, formatDate, formatMoney, LiveIndicator, StatusBadge } from '../_components/ui';
import { PlanChange } from './plan-change';

const ENDED = new Set(['CANCELED', 'INCOMPLETE_EXPIRED']);

export default function SubscriptionsPage() {
  const slug = useSlug();
  const trpc = useAppTRPC();
  const queryClient = useQueryClient();
  const live = useLiveTables(['recurring_payment']);
  const subs = useQuery(trpc.app.mySubscriptions.queryOptions({ projectSlug: slug }));
  const cancel = useMutation(
    trpc.app.cancelSubscription.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.app.mySubscriptions.queryKey() }),
    }),
  );
  return (
    <section aria-labelledby="subs-title" className="flex flex-col gap-4">
      <div className="flex items-center justify-between gap-2">
        <h1 id="subs-title" className="text-2xl font-semibold">
          My subscriptions
        </h1>
        <LiveIndicator status={live} />
      </div>
      <ErrorText error={subs.error ?? cancel.error} />
      {subs.data?.length === 0 ? <p className="text-sm text-gray-600">No subscriptions yet.</p> : null}
      <ul className="flex flex-col gap-3">
        {subs.data?.map((s) => (
          <li key={s.id} className="rounded-lg border bg-white p-4 text-sm" aria-label={`Subscription ${s.id}`}>
            <div className="flex flex-wrap items-center gap-2">
              <h2 className="font-medium">Subscription #{s.id}</h2>
              <StatusBadge status={s.status} />
              {s.plan_amount != null ? (
                <span>
                  {formatMoney(Number(s.plan_amount), String(s.currency ?? 'usd'))} / {String(s.plan_interval)}
                </span>
              ) : s.initial_amount ? (
                <span>{formatMoney(Number(s.initial_amount), String(s.currency ?? 'usd'))}</span>
              ) : null}
            </div>
            <p className="mt-1 text-gray-600">
              Current period: {formatDate(s.current_period_start)} – {formatDate(s.current_period_end)}
            </p>
            {s.cancel_at_period_end && !ENDED.has(String(s.status)) ? (
              <p className="mt-1 text-amber-800">Cancels at the end of the current period.</p>
            ) : null}
            {s.status === 'INCOMPLETE' && s.checkout_url ? (
              <a href={String(s.checkout_url)} className="mt-1 inline-block underline">
                Continue to payment
              </a>
            ) : null}
            {!ENDED.has(String(s.status)) && s.stripe_subscription_id ? (
              <div className="mt-3 flex flex-wrap gap-2">
                {!s.cancel_at_period_end ? (
                  <button
                    type="button"
                    disabled={cancel.isPending}
                    onClick={() => cancel.mutate({ projectSlug: slug, recurringPaymentId: s.id, atPeriodEnd: true })}
                    className="rounded border px-3 py-2 disabled:opacity-50"
                  >
                    Cancel at period end
                  </button>
                ) : null}
                <button
                  type="button"
                  disabled={cancel.isPending}
                  onClick={() => {
                    if (window.confirm('Cancel this subscription now?'))
                      cancel.mutate({ projectSlug: slug, recurringPaymentId: s.id, atPeriodEnd: false });
                  }}
                  className="rounded border border-red-300 px-3 py-2 text-red-700 disabled:opacity-50"
                >
                  Cancel now
                </button>
              </div>
            ) : null}
            {!ENDED.has(String(s.status)) && s.stripe_subscription_id ? (
              <PlanChange recurringPaymentId={s.id} currentPriceId={String(s.stripe_price_id)} />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
