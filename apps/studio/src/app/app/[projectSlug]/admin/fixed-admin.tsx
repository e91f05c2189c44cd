'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { minorToMajorString, tryParseMoney } from '@tillflow/core/money';
import { useState } from 'react';
import { MoneyInput } from '~/components/ui/money';
import { useLiveTables, useSlug } from '../_components/hooks';
import { useAppTRPC } from '../_components/trpc';
import { ErrorText, formatDate, formatMoney, LiveIndicator, RefundList, StatusBadge } from '../_components/ui';

interface RefundTarget {
  id: number;
  amount: number;
  refunded: number;
  currency: string;
}

function RefundDialog({ target, onClose }: { target: RefundTarget; onClose: () => void }) {
  const slug = useSlug();
  const trpc = useAppTRPC();
  const queryClient = useQueryClient();
  const remaining = target.amount - target.refunded;
  const [amount, setAmount] = useState(minorToMajorString(remaining, target.currency));
  const [problem, setProblem] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const refund = useMutation(
    trpc.app.refund.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.app.adminPayments.queryKey() });
        onClose();
      },
    }),
  );
  return (
    <div className="fixed inset-0 z-10 flex items-end justify-center bg-black/40 p-4 sm:items-center">
      <form
        role="dialog"
        aria-modal="true"
        aria-labelledby="refund-title"
        className="flex w-full max-w-sm flex-col gap-3 rounded-lg bg-white p-5"
        onSubmit={(e) => {
          e.preventDefault();
          // Typed in major units ("5.00"); the app's refund takes minor units and checks them on the server.
          const parsed = tryParseMoney(amount, target.currency);
          setProblem(parsed.ok ? null : parsed.message);
          if (!parsed.ok) return;
          refund.mutate({
            projectSlug: slug,
            paymentId: target.id,
            amount: parsed.amount,
            reason: reason || undefined,
          });
        }}
      >
        <h2 id="refund-title" className="text-lg font-semibold">
          Refund payment #{target.id}
        </h2>
        <p className="text-sm text-gray-600">Up to {formatMoney(remaining, target.currency)} can still be refunded.</p>
        <MoneyInput
          label="Amount"
          currency={target.currency}
          value={amount}
          required
          onChange={(text) => setAmount(text)}
          labelClassName="text-sm"
          inputClassName="w-full rounded border px-3 py-2"
        />
        {problem ? (
          <p role="alert" className="text-sm text-red-700">
            {problem}
          </p>
        ) : null}
        <label className="flex flex-col gap-1 text-sm">
          Reason
          <input value={reason} onChange={(e) => setReason(e.target.value)} className="rounded border px-3 py-2" />
        </label>
        <ErrorText error={refund.error} />
        <div className="flex justify-end gap-2">
          <button type="button" onClick={onClose} className="rounded border px-3 py-2">
            Cancel
          </button>
          <button
            type="submit"
            disabled={refund.isPending}
            className="rounded bg-gray-900 px-3 py-2 text-white disabled:opacity-50"
          >
            Refund
          </button>
        </div>
      </form>
    </div>
  );
}

export default function AdminPage() {
  const slug = useSlug();
  const trpc = useAppTRPC();
  const live = useLiveTables(['payment', 'refund']);
  const payments = useQuery(trpc.app.adminPayments.queryOptions({ projectSlug: slug }));
  const [target, setTarget] = useState<RefundTarget | null>(null);
  return (
    <section aria-labelledby="admin-title" className="flex flex-col gap-4">
      <div className="flex items-center justify-between gap-2">
        <h1 id="admin-title" className="text-2xl font-semibold">
          Payments
        </h1>
        <LiveIndicator status={live} />
      </div>
      <ErrorText error={payments.error} />
      {payments.data?.length === 0 ? <p className="text-sm text-gray-600">No payments yet.</p> : null}
      <ul className="flex flex-col gap-3">
        {payments.data?.map((p) => {
          const amount = Number(p.amount);
          const refunded = Number(p.amount_refunded ?? 0);
          const refundable = (p.status === 'SUCCESSFUL' || p.status === 'PARTIALLY_REFUNDED') && refunded < amount;
          return (
            <li key={p.id} className="rounded-lg border bg-white p-4 text-sm" aria-label={`Payment ${p.id}`}>
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-medium">Payment #{p.id}</span>
                <StatusBadge status={p.status} />
                <span>{formatMoney(amount, String(p.currency))}</span>
                <span className="text-gray-600">order #{String(p.order_id)}</span>
                <span className="text-gray-600">{formatDate(p.created_at)}</span>
                {refundable ? (
                  <button
                    type="button"
                    onClick={() => setTarget({ id: p.id, amount, refunded, currency: String(p.currency) })}
                    aria-label={`Refund payment ${p.id}`}
                    className="ml-auto rounded border px-3 py-1"
                  >
                    Refund
                  </button>
                ) : null}
              </div>
              <RefundList refunds={p.refunds} />
            </li>
          );
        })}
      </ul>
      {target ? <RefundDialog target={target} onClose={() => setTarget(null)} /> : null}
    </section>
  );
}
