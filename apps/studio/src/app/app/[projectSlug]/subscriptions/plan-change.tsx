'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useSlug } from '../_components/hooks';
import { useAppTRPC } from '../_components/trpc';
import { ErrorText, formatMoney } from '../_components/ui';

type Plan = { key: string; name: string; amount: number; currency: string; recurring: { interval: string } | null };

const every = (plan: Plan) => `${formatMoney(plan.amount, plan.currency)} / ${plan.recurring?.interval ?? 'period'}`;

/**
 * A subscriber's own changes: switch to another plan the shop offers (what the switch charges now is shown
 * and must be confirmed) and "Manage subscription" (Stripe's customer portal).
 */
export function PlanChange({
  recurringPaymentId,
  currentPriceId,
}: {
  recurringPaymentId: number;
  currentPriceId: string;
}) {
  const slug = useSlug();
  const trpc = useAppTRPC();
  const catalog = useQuery(trpc.app.catalog.queryOptions({ projectSlug: slug }));
  const [chosen, setChosen] = useState<Plan | null>(null);
  const preview = useMutation(trpc.app.changePlan.mutationOptions());
  const confirm = useMutation(
    trpc.app.changePlan.mutationOptions({
      onSuccess: () => {
        setChosen(null);
        preview.reset();
      },
    }),
  );
  const portal = useMutation(
    trpc.app.manageSubscription.mutationOptions({
      onSuccess: ({ url }) => {
        window.location.href = url;
      },
    }),
  );
  const plans = (catalog.data ?? []).filter((p) => p.recurring && p.key !== `price:${currentPriceId}`) as Plan[];
  const ask = (plan: Plan) => {
    setChosen(plan);
    confirm.reset();
    preview.mutate({ projectSlug: slug, recurringPaymentId, plan: plan.key.slice('price:'.length) });
  };
  return (
    <div className="mt-3 flex flex-col gap-2">
      <div className="flex flex-wrap gap-2">
        {plans.map((plan) => (
          <button
            key={plan.key}
            type="button"
            onClick={() => ask(plan)}
            disabled={preview.isPending || confirm.isPending}
            className="rounded border px-3 py-2 disabled:opacity-50"
          >
            Switch to {plan.name} ({every(plan)})
          </button>
        ))}
        <button
          type="button"
          onClick={() => portal.mutate({ projectSlug: slug })}
          disabled={portal.isPending}
          className="rounded border px-3 py-2 disabled:opacity-50"
        >
          Manage subscription
        </button>
      </div>
      <ErrorText error={preview.error ?? confirm.error ?? portal.error} />
      {chosen && preview.data ? (
        <section aria-label="Plan change" className="rounded border border-indigo-200 bg-indigo-50 p-3">
          <p className="font-medium">
            Switch to {chosen.name} ({every(chosen)}): {formatMoney(preview.data.amountDue, preview.data.currency)} due
            now
          </p>
          <ul className="mt-1 text-gray-700">
            {preview.data.lines.map((line) => (
              <li key={`${line.description}${line.amount}`}>
                {line.description}: {formatMoney(line.amount, preview.data.currency)}
              </li>
            ))}
          </ul>
          <div className="mt-2 flex gap-2">
            <button
              type="button"
              disabled={confirm.isPending}
              onClick={() =>
                confirm.mutate({
                  projectSlug: slug,
                  recurringPaymentId,
                  plan: chosen.key.slice('price:'.length),
                  confirm: true,
                })
              }
              className="rounded bg-indigo-600 px-3 py-2 text-white disabled:opacity-50"
            >
              Confirm switch
            </button>
            <button type="button" onClick={() => setChosen(null)} className="rounded border px-3 py-2">
              Keep current plan
            </button>
          </div>
        </section>
      ) : null}
      {confirm.data?.confirmed ? <p role="status">Your plan is switched.</p> : null}
    </div>
  );
}
