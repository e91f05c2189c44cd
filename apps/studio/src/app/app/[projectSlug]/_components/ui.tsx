'use client';

import { formatMoney as formatMinorUnits } from '~/lib/money';
import { refundReasonLabel, statusLabel } from '~/lib/status-labels';

export { formatMoney } from '~/lib/money';

const STATUS_STYLES: Record<string, string> = {
  SUCCEEDED: 'bg-green-100 text-green-800',
  SUCCESSFUL: 'bg-green-100 text-green-800',
  PAID: 'bg-green-100 text-green-800',
  ACTIVE: 'bg-green-100 text-green-800',
  TRIALING: 'bg-blue-100 text-blue-800',
  PENDING: 'bg-amber-100 text-amber-800',
  INCOMPLETE: 'bg-amber-100 text-amber-800',
  FAILED: 'bg-red-100 text-red-800',
  CANCELED: 'bg-gray-200 text-gray-700',
  REFUNDED: 'bg-purple-100 text-purple-800',
  PARTIALLY_REFUNDED: 'bg-purple-100 text-purple-800',
  PAST_DUE: 'bg-red-100 text-red-800',
  UNPAID: 'bg-red-100 text-red-800',
  AMOUNT_MISMATCH: 'bg-red-100 text-red-800',
};

export function StatusBadge({ status }: { status: unknown }) {
  const raw = String(status ?? '—');
  const text = statusLabel(raw);
  return (
    <span
      className={`inline-block rounded px-2 py-0.5 text-xs font-semibold ${STATUS_STYLES[raw.toUpperCase()] ?? 'bg-gray-100 text-gray-700'}`}
    >
      {text}
    </span>
  );
}

export function LiveIndicator({ status }: { status: string }) {
  const live = status === 'pending';
  return (
    <span role="status" className="inline-flex items-center gap-1 text-xs text-gray-600">
      <span aria-hidden className={`h-2 w-2 rounded-full ${live ? 'bg-green-500' : 'bg-gray-400'}`} />
      {live ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
    </span>
  );
}

export function formatDate(value: unknown): string {
  if (!value) return '—';
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? '—' : date.toLocaleString();
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const message = (error as { message?: string }).message ?? 'Something went wrong.';
  return (
    <p role="alert" className="rounded bg-red-50 p-2 text-sm text-red-700">
      {message}
    </p>
  );
}

type RefundLike = { id: number } & Record<string, unknown>;

/** A payment's refunds with their live status; shared by My orders and the admin page. */
export function RefundList({ refunds }: { refunds: RefundLike[] }) {
  if (refunds.length === 0) return null;
  return (
    <ul className="mt-2 flex flex-col gap-1 border-t pt-2">
      {refunds.map((r) => (
        <li key={r.id} className="flex flex-wrap items-center gap-2" aria-label={`Refund ${r.id}`}>
          <span>Refund {formatMinorUnits(Number(r.amount), String(r.currency))}</span>
          <StatusBadge status={r.status} />
          {r.reason ? <span className="text-gray-600">{refundReasonLabel(String(r.reason))}</span> : null}
        </li>
      ))}
    </ul>
  );
}
