'use client';

import { useMutation, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { Suspense } from 'react';
import { statusLabel } from '~/lib/status-labels';
import { useLiveTables, useSlug } from '../_components/hooks';
import { type AppRouterOutputs, useAppTRPC } from '../_components/trpc';
import { ErrorText, formatDate, formatMoney, LiveIndicator, RefundList, StatusBadge } from '../_components/ui';

type OrderEntry = AppRouterOutputs['app']['myOrders'][number];

const DID_NOT_GO_THROUGH = new Set(['FAILED', 'CANCELED']);
const WENT_THROUGH_OR_WAITING = new Set(['SUCCESSFUL', 'PARTIALLY_REFUNDED', 'REFUNDED', 'AMOUNT_MISMATCH', 'PENDING']);

/**
 * One order as a shopper reads it: "Order #1 · Sourdough loaf · Paid", what was paid and when, refunds,
 * and "Try again" on the same order when the last attempt was declined or abandoned.
 */
function OrderCard({ entry, retrying, onRetry }: { entry: OrderEntry; retrying: boolean; onRetry: () => void }) {
  const { order, label, payments } = entry;
  const latest = payments[0];
  // The order's own status (the builder's words) when the table keeps one, else the last payment's.
  const own = typeof order.status === 'string' && order.status !== '' ? order.status : null;
  const status = own ?? (latest ? String(latest.status) : null);
  const statusText = status ? statusLabel(status) : 'Not paid yet';
  const title = `Order #${order.id}${label ? ` · ${label}` : ''}`;
  const canRetry =
    latest !== undefined &&
    DID_NOT_GO_THROUGH.has(String(latest.status)) &&
    !payments.some((p) => WENT_THROUGH_OR_WAITING.has(String(p.status)));
  const refunds = payments.flatMap((p) => p.refunds);
  return (
    <li
      className="rounded-lg border bg-white p-4"
      data-testid={`order-${order.id}`}
      aria-label={`${title} · ${statusText}`}
    >
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="min-w-0 break-words font-medium">{title}</h2>
        {status ? <StatusBadge status={status} /> : null}
        <span className="ml-auto text-sm text-gray-600">{formatDate(order.created_at)}</span>
      </div>
      {latest ? (
        <p className="mt-2 text-sm">
          <span className="font-medium">{formatMoney(Number(latest.amount), String(latest.currency))}</span>
          {latest.paid_at ? <span className="text-gray-600"> · paid {formatDate(latest.paid_at)}</span> : null}
          {payments.length > 1 ? <span className="text-gray-600"> · {payments.length} payment attempts</span> : null}
        </p>
      ) : (
        <p className="mt-2 text-sm text-gray-600">No payment yet.</p>
      )}
      {canRetry && latest.failure_reason ? (
        <p className="mt-1 text-sm text-red-700">{String(latest.failure_reason)}</p>
      ) : null}
      {canRetry ? (
        <button
          type="button"
          disabled={retrying}
          onClick={onRetry}
          className="mt-2 rounded bg-gray-900 px-3 py-2 text-sm text-white disabled:opacity-50"
        >
          Try again
        </button>
      ) : null}
      {latest?.status === 'PENDING' && latest.checkout_url ? (
        <a href={String(latest.checkout_url)} className="mt-1 inline-block text-sm underline">
          Continue to payment
        </a>
      ) : null}
      <RefundList refunds={refunds} />
    </li>
  );
}

function Orders() {
  const slug = useSlug();
  const trpc = useAppTRPC();
  const search = useSearchParams();
  // Every table this user may read: the order table's name is the builder's choice.
  const live = useLiveTables();
  const orders = useQuery(trpc.app.myOrders.queryOptions({ projectSlug: slug }));
  const payAgain = useMutation(
    trpc.app.payAgain.mutationOptions({
      onSuccess: (result) => {
        if (result.checkoutUrl) window.location.assign(result.checkoutUrl);
      },
    }),
  );
  return (
    <section aria-labelledby="orders-title" className="flex flex-col gap-4">
      <div className="flex items-center justify-between gap-2">
        <h1 id="orders-title" className="text-2xl font-semibold">
          My orders
        </h1>
        <LiveIndicator status={live} />
      </div>
      {search.get('paid') ? (
        <p className="rounded bg-blue-50 p-3 text-sm text-blue-800">
          Thanks! Order #{search.get('paid')} updates here as soon as the payment is confirmed.
        </p>
      ) : null}
      {search.get('canceled') ? (
        <p className="rounded bg-gray-100 p-3 text-sm">Checkout for order #{search.get('canceled')} was canceled.</p>
      ) : null}
      <ErrorText error={orders.error} />
      {orders.data?.length === 0 ? <p className="text-sm text-gray-600">No orders yet.</p> : null}
      <ErrorText error={payAgain.error} />
      <ul className="flex flex-col gap-3">
        {orders.data?.map((entry) => (
          <OrderCard
            key={entry.order.id}
            entry={entry}
            retrying={payAgain.isPending}
            onRetry={() => payAgain.mutate({ projectSlug: slug, orderId: entry.order.id })}
          />
        ))}
      </ul>
    </section>
  );
}

export default function OrdersPage() {
  return (
    <Suspense>
      <Orders />
    </Suspense>
  );
}
