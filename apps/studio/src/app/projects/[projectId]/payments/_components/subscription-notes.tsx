import { formatMoney } from '~/lib/money';

type SubscriptionRow = Record<string, unknown>;

/** What the plan charges now, as the subscriber's bank statement would read it: "$90.00 / year". */
export function planPrice(row: SubscriptionRow): string {
  return `${formatMoney(Number(row.plan_amount), String(row.currency ?? 'usd'))} / ${String(row.plan_interval ?? 'period')}`;
}

/** What a subscriber changed (ending, pause, quantity, card), in words under the subscription's status. */
export function SubscriptionNotes({ row }: { row: SubscriptionRow }) {
  const notes = [
    row.cancel_at_period_end === true && row.status !== 'CANCELED'
      ? `Cancels at period end${row.current_period_end ? ` (${new Date(String(row.current_period_end)).toLocaleDateString()})` : ''}`
      : null,
    row.collection_paused === true ? 'Payments paused' : null,
    Number(row.quantity ?? 1) > 1 ? `Quantity ${row.quantity}` : null,
    row.payment_method ? `Paid with ${row.payment_method}` : null,
  ].filter((n): n is string => n !== null);
  return (
    <>
      {notes.map((n) => (
        <span key={n} className="block text-xs text-slate-600">
          {n}
        </span>
      ))}
    </>
  );
}
