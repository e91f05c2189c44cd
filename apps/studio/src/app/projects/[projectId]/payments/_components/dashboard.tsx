'use client';

import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import Link from 'next/link';
import { useState } from 'react';
import { discountWords, formatMoney, stripeIdsOfRow, stripeObjectUrl } from '~/lib/money';
import { statusLabel } from '~/lib/status-labels';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { LastCheckSection } from './last-check';
import { RefundButton } from './refund-button';
import { RevenueChart } from './revenue-chart';
import { planPrice, SubscriptionNotes } from './subscription-notes';

const TABLES = [
  {
    table: 'payment',
    label: 'Payments',
    statuses: ['PENDING', 'SUCCESSFUL', 'FAILED', 'CANCELED', 'AMOUNT_MISMATCH', 'PARTIALLY_REFUNDED', 'REFUNDED'],
  },
  { table: 'refund', label: 'Refunds', statuses: ['PENDING', 'REFUNDED', 'FAILED', 'CANCELED'] },
  {
    table: 'recurring_payment',
    label: 'Subscriptions',
    statuses: ['INCOMPLETE', 'INCOMPLETE_EXPIRED', 'ACTIVE', 'PAST_DUE', 'CANCELED', 'TRIALING', 'UNPAID'],
  },
] as const;

type TableName = (typeof TABLES)[number]['table'];

function StripeId({ id, mode, apiBase }: { id: string | undefined; mode: string; apiBase: string }) {
  if (!id) return <span className="text-slate-400">—</span>;
  const url = stripeObjectUrl(id, mode, apiBase);
  return url ? (
    <a
      className="text-indigo-700 underline"
      href={url}
      target="_blank"
      rel="noreferrer"
      aria-label={`Open ${id} in ${mode === 'sandbox' ? 'the sandbox' : 'Stripe'}`}
      title={id}
    >
      {mode === 'sandbox' ? 'View in sandbox' : 'View in Stripe'}
    </a>
  ) : (
    <span className="text-slate-500" title={`Stripe reference ${id}`}>
      Stripe reference
    </span>
  );
}

export function PaymentsDashboard({ projectId }: { projectId: number }) {
  const trpc = useTRPC();
  const [table, setTable] = useState<TableName>('payment');
  const [status, setStatus] = useState('');
  const [currency, setCurrency] = useState('');
  const [parentId, setParentId] = useState('');
  const [paymentMode, setPaymentMode] = useState<'' | 'live' | 'test'>('');
  const settings = useQuery(trpc.payments.settings.queryOptions({ projectId }));
  const active = Boolean(settings.data?.activatedAt);
  const queryClient = useQueryClient();
  // Live: every committed change to the payment tables refetches the lists and totals (SSE, resumes on reconnect).
  const stream = useSubscription(
    trpc.realtime.changes.subscriptionOptions(
      { projectId, tables: ['payment', 'refund', 'recurring_payment'] },
      {
        enabled: active,
        onData: () => void queryClient.invalidateQueries({ queryKey: trpc.payments.pathKey() }),
      },
    ),
  );
  const live = { enabled: active };
  // Who issued the studio's refunds (the audit trail), refreshed with the refunds list.
  const issuers = useQuery({
    ...trpc.activity.refundIssuers.queryOptions({ projectId }),
    enabled: active && table === 'refund',
  });
  const parent = Number(parentId);
  const rows = useInfiniteQuery({
    ...trpc.payments.rows.infiniteQueryOptions(
      {
        projectId,
        table,
        status: status || undefined,
        currency: currency || undefined,
        parentId: Number.isInteger(parent) && parent > 0 ? parent : undefined,
        mode: paymentMode || undefined,
      },
      { getNextPageParam: (page) => page.nextCursor },
    ),
    ...live,
  });
  const listed = rows.data?.pages.flatMap((page) => page.rows) ?? [];
  const modeFilter = paymentMode || undefined;
  const totals = useQuery({ ...trpc.payments.totals.queryOptions({ projectId, mode: modeFilter }), ...live });
  const revenue = useQuery({
    ...trpc.payments.revenue.queryOptions({ projectId, days: 30, mode: modeFilter }),
    ...live,
  });
  const mode = settings.data?.mode ?? 'sandbox';
  if (settings.data && !active)
    return (
      <p>
        Payments are not active yet. <Link href={`/projects/${projectId}/payments`}>Activate them</Link> first.
      </p>
    );
  const spec = TABLES.find((t) => t.table === table) ?? TABLES[0];
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">
        Payments dashboard{' '}
        <span className="align-middle text-xs font-normal text-slate-500" aria-live="polite">
          {stream.status === 'pending' ? '● live' : stream.status === 'connecting' ? 'connecting…' : ''}
        </span>
      </h1>
      <section aria-label="Totals per currency" className="grid gap-3 sm:grid-cols-3">
        {totals.data?.length === 0 && <p className="text-slate-600">No successful payments yet.</p>}
        {totals.data?.map((t) => (
          <div key={t.currency} className="card">
            <p className="text-sm text-slate-500">
              {t.currency.toUpperCase()} net
              {paymentMode === 'live' ? ' (live)' : paymentMode === 'test' ? ' (test)' : ''}
            </p>
            <p className="text-2xl font-semibold">{formatMoney(t.net, t.currency)}</p>
            <p className="text-xs text-slate-500">
              {t.payments} {t.payments === 1 ? 'payment' : 'payments'} · {formatMoney(t.refunded, t.currency)} refunded
            </p>
          </div>
        ))}
      </section>
      {revenue.data && <RevenueChart points={revenue.data} />}
      <LastCheckSection projectId={projectId} />
      <section className="card space-y-3">
        <div className="flex flex-wrap items-end gap-3">
          <div role="tablist" aria-label="Dashboard tables" className="flex gap-1">
            {TABLES.map((t) => (
              <button
                key={t.table}
                type="button"
                role="tab"
                aria-selected={table === t.table}
                className={table === t.table ? 'btn' : 'btn-secondary'}
                onClick={() => {
                  setTable(t.table);
                  setStatus('');
                  setParentId('');
                }}
              >
                {t.label}
              </button>
            ))}
          </div>
          <div>
            <label className="label" htmlFor="status-filter">
              Status
            </label>
            <select id="status-filter" className="input" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">All</option>
              {spec.statuses.map((s) => (
                <option key={s} value={s}>
                  {statusLabel(s)}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label className="label" htmlFor="mode-filter">
              Live or test
            </label>
            <select
              id="mode-filter"
              className="input"
              value={paymentMode}
              onChange={(e) => setPaymentMode(e.target.value as '' | 'live' | 'test')}
            >
              <option value="">Live and test</option>
              <option value="live">Live (real money)</option>
              <option value="test">Test (test keys or sandbox)</option>
            </select>
          </div>
          <div>
            <label className="label" htmlFor="currency-filter">
              Currency
            </label>
            <select
              id="currency-filter"
              className="input"
              value={currency}
              onChange={(e) => setCurrency(e.target.value)}
            >
              <option value="">All</option>
              {totals.data?.map((t) => (
                <option key={t.currency} value={t.currency}>
                  {t.currency.toUpperCase()}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label className="label" htmlFor="parent-filter">
              {table === 'refund' ? 'Payment #' : 'Order #'}
            </label>
            <input
              id="parent-filter"
              className="input w-28"
              inputMode="numeric"
              value={parentId}
              onChange={(e) => setParentId(e.target.value.replace(/\D/g, ''))}
            />
          </div>
        </div>
        {rows.error && <p role="alert">{errorMessage(rows.error)}</p>}
        <div className="relative overflow-x-auto">
          <table className="w-full text-left text-sm" aria-label={`${spec.label} list`}>
            <thead className="text-slate-500">
              <tr>
                <th className="py-1 pr-3">#</th>
                <th className="py-1 pr-3">{table === 'refund' ? 'Payment' : 'Order'}</th>
                <th className="py-1 pr-3">Amount</th>
                <th className="py-1 pr-3">Status</th>
                <th className="py-1 pr-3">Live or test</th>
                <th className="py-1 pr-3">Stripe</th>
                <th className="py-1 pr-3">Flow runs</th>
                <th className="py-1 pr-3">Created</th>
                {table === 'payment' && <th className="py-1 pr-3">Actions</th>}
                {table === 'refund' && <th className="py-1 pr-3">Issued by</th>}
              </tr>
            </thead>
            <tbody>
              {listed.map((r) => {
                const stripeIds = stripeIdsOfRow(r);
                return (
                  <tr key={r.id} className="border-t border-slate-100">
                    <td className="py-1.5 pr-3">{r.id}</td>
                    <td className="py-1.5 pr-3">{String(r.order_id ?? r.payment_id ?? '')}</td>
                    <td className="py-1.5 pr-3">
                      {r.plan_amount != null
                        ? planPrice(r)
                        : r.amount != null || r.initial_amount != null
                          ? formatMoney(Number(r.amount ?? r.initial_amount), String(r.currency ?? 'usd'))
                          : '—'}
                      {Number(r.amount_discount ?? 0) > 0 ? (
                        <span className="block text-xs text-slate-600">
                          {discountWords(
                            Number(r.amount_discount),
                            String(r.currency),
                            r.discount_code ? String(r.discount_code) : null,
                          )}
                        </span>
                      ) : null}
                    </td>
                    <td className="py-1.5 pr-3" title={r.failure_reason ? String(r.failure_reason) : undefined}>
                      {statusLabel(String(r.status))}
                      {table === 'recurring_payment' ? <SubscriptionNotes row={r} /> : null}
                      {r.status === 'AMOUNT_MISMATCH' && r.failure_reason ? (
                        <span className="block text-xs text-amber-700">{String(r.failure_reason)}</span>
                      ) : null}
                      {r.status === 'AMOUNT_MISMATCH' && r.amount_received != null ? (
                        <span className="block text-xs text-slate-600">
                          Collected {formatMoney(Number(r.amount_received), String(r.currency_received ?? r.currency))}
                          {Number(r.amount_refunded ?? 0) > 0
                            ? `, of which ${formatMoney(Number(r.amount_refunded), String(r.currency_received ?? r.currency))} refunded`
                            : ''}
                        </span>
                      ) : null}
                    </td>
                    <td className="py-1.5 pr-3">
                      {r.livemode === true ? (
                        <span className="rounded bg-green-100 px-1.5 text-green-800">Live</span>
                      ) : (
                        <span className="rounded bg-slate-100 px-1.5 text-slate-700">Test</span>
                      )}
                    </td>
                    <td className="py-1.5 pr-3">
                      <StripeId id={stripeIds[0]} mode={mode} apiBase={settings.data?.apiBase ?? ''} />
                    </td>
                    <td className="py-1.5 pr-3">
                      {stripeIds.length > 0 ? (
                        <Link
                          className="text-indigo-700 underline"
                          href={`/projects/${projectId}/events?objects=${stripeIds.join(',')}`}
                          aria-label={`Events and runs of ${spec.label.toLowerCase().replace(/s$/, '')} ${r.id}`}
                        >
                          Events and runs
                        </Link>
                      ) : (
                        <span className="text-slate-400">—</span>
                      )}
                    </td>
                    <td className="py-1.5 pr-3">{new Date(r.created_at).toLocaleString()}</td>
                    {table === 'payment' && (
                      <td className="py-1.5 pr-3">
                        {r.status === 'SUCCESSFUL' ||
                        r.status === 'PARTIALLY_REFUNDED' ||
                        (r.status === 'AMOUNT_MISMATCH' &&
                          r.amount_received !== null &&
                          r.amount_received !== undefined) ? (
                          <RefundButton projectId={projectId} target={{ paymentId: Number(r.id) }} />
                        ) : null}
                      </td>
                    )}
                    {table === 'refund' && (
                      <td className="py-1.5 pr-3">{issuers.data?.[String(r.id)] ?? 'Shopper, API or Stripe'}</td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows.data && listed.length === 0 && <p className="py-3 text-slate-600">Nothing here yet.</p>}
          {rows.hasNextPage && (
            <button
              type="button"
              className="btn-secondary mt-2"
              disabled={rows.isFetchingNextPage}
              onClick={() => void rows.fetchNextPage()}
            >
              {rows.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
      </section>
    </div>
  );
}
