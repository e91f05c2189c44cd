'use client';

import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'next/navigation';
import { Suspense } from 'react';
import { useLiveTables, useSlug } from '../_components/hooks';
import { useAppTRPC } from '../_components/trpc';
import { ErrorText, formatDate, formatMoney, LiveIndicator, RefundList, StatusBadge } from '../_components/ui';

function Orders() {
  const slug = useSlug();
  const trpc = useAppTRPC();
  const search = useSearchParams();
  // Every table this user may read: the order table's name is the builder's choice.
  const live = useLiveTables();
  const orders = useQuery(trpc.app.myOrders.queryOptions({ projectSlug: slug }));
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
      <ul className="flex flex-col gap-3">
        {orders.data?.map(({ order, label, payments }) => (
          <li key={order.id} className="rounded-lg border bg-white p-4" data-testid={`order-${order.id}`}>
            <div className="flex flex-wrap items-center justify-between gap-2">
              <h2 className="font-medium">
                Order #{order.id}
                {label ? <span className="font-normal text-gray-600"> · {label}</span> : null}
              </h2>
              <span className="text-sm text-gray-600">{formatDate(order.created_at)}</span>
            </div>
            {payments.length === 0 ? <p className="mt-2 text-sm text-gray-600">No payment yet.</p> : null}
            <ul className="mt-2 flex flex-col gap-2">
              {payments.map((p) => (
                <li key={p.id} className="rounded border p-3 text-sm" aria-label={`Payment ${p.id}`}>
                  <div className="flex flex-wrap items-center gap-2">
                    <span>Payment #{p.id}</span>
                    <StatusBadge status={p.status} />
                    <span className="font-medium">{formatMoney(Number(p.amount), String(p.currency))}</span>
                    {p.paid_at ? <span className="text-gray-600">paid {formatDate(p.paid_at)}</span> : null}
                  </div>
                  {p.failure_reason ? <p className="mt-1 text-red-700">{String(p.failure_reason)}</p> : null}
                  {p.status === 'PENDING' && p.checkout_url ? (
                    <a href={String(p.checkout_url)} className="mt-1 inline-block underline">
                      Continue to payment
                    </a>
                  ) : null}
                  <RefundList refunds={p.refunds} />
                </li>
              ))}
            </ul>
          </li>
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
