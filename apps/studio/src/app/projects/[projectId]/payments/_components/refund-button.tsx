'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { minorToMajorString } from '@tillflow/core/money';
import { useState } from 'react';
import { MoneyInput } from '~/components/ui/money';
import { useCan } from '~/lib/project-role';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';

type Target = { paymentId: number; orderId?: undefined } | { orderId: number; paymentId?: undefined };

/**
 * Refund from the studio: on a payment (dashboard) or an order (its row in Data). Shows what remains,
 * takes the amount in the payment's own currency ("2.00"), full by default; the server parses it and
 * runs the same refund action as the app (same limits, same Stripe call).
 */
export function RefundButton({ projectId, target }: { projectId: number; target: Target }) {
  const [open, setOpen] = useState(false);
  // Refunds are for owners and finance members (server/teams/policy.ts); others see no button.
  const can = useCan();
  if (!can('payments.refund')) return null;
  const what = target.paymentId !== undefined ? `payment ${target.paymentId}` : `order ${target.orderId}`;
  return (
    <>
      <button
        type="button"
        className="btn-secondary min-h-6 px-2 py-0.5 text-xs"
        aria-label={`Refund ${what}`}
        onClick={() => setOpen(true)}
      >
        Refund
      </button>
      {open && <RefundDialog projectId={projectId} target={target} what={what} onClose={() => setOpen(false)} />}
    </>
  );
}

function RefundDialog({
  projectId,
  target,
  what,
  onClose,
}: {
  projectId: number;
  target: Target;
  what: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const refundable = useQuery(trpc.payments.refundable.queryOptions({ projectId, ...target }));
  const [text, setText] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const refund = useMutation(
    trpc.payments.refund.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.payments.pathKey() });
        void queryClient.invalidateQueries({ queryKey: trpc.dataModel.pathKey() });
      },
    }),
  );
  const data = refundable.data;
  const amount = text ?? (data ? minorToMajorString(data.remaining, data.currency) : '');
  return (
    <div className="fixed inset-0 z-20 flex items-end justify-center bg-black/40 p-4 sm:items-center">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="studio-refund-title"
        className="w-full max-w-sm space-y-3 rounded-lg bg-white p-5 shadow-lg"
      >
        <h2 id="studio-refund-title" className="text-lg font-semibold">
          Refund {what}
        </h2>
        {refundable.isLoading && <p>Loading…</p>}
        {refundable.error && <p role="alert">{errorMessage(refundable.error)}</p>}
        {data && refund.data ? (
          <>
            <p role="status">
              Refund of {refund.data.refundDisplay} sent to Stripe. {refund.data.remainingDisplay} remains refundable.
            </p>
            <div className="flex justify-end">
              <button type="button" className="btn" onClick={onClose}>
                Done
              </button>
            </div>
          </>
        ) : data ? (
          <form
            className="space-y-3"
            onSubmit={(e) => {
              e.preventDefault();
              refund.mutate({ projectId, ...target, amount, reason: reason.trim() || undefined });
            }}
          >
            <p className="text-sm text-slate-700">
              Paid {data.amountDisplay}
              {data.refunded > 0 ? `, ${data.refundedDisplay} refunded so far` : ''}.{' '}
              <strong>{data.remainingDisplay}</strong> can still be refunded.
            </p>
            {data.remaining > 0 ? (
              <>
                <MoneyInput
                  label="Amount to refund"
                  currency={data.currency}
                  value={amount}
                  required
                  hint="Leave the full amount for a full refund."
                  onChange={(t) => setText(t)}
                />
                <div>
                  <label className="label" htmlFor="studio-refund-reason">
                    Reason (optional)
                  </label>
                  <input
                    id="studio-refund-reason"
                    className="input"
                    value={reason}
                    onChange={(e) => setReason(e.target.value)}
                  />
                </div>
              </>
            ) : null}
            {refund.error && (
              <p role="alert" className="field-error">
                {errorMessage(refund.error)}
              </p>
            )}
            <div className="flex justify-end gap-2">
              <button type="button" className="btn-secondary" onClick={onClose}>
                Cancel
              </button>
              {data.remaining > 0 && (
                <button type="submit" className="btn" disabled={refund.isPending}>
                  {refund.isPending ? 'Refunding…' : 'Refund'}
                </button>
              )}
            </div>
          </form>
        ) : null}
      </div>
    </div>
  );
}
