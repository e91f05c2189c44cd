'use client';

import { errorMessage } from '~/lib/trpc-errors';

/**
 * The pieces the Products and Discounts cards share: the currencies offered, the currency picker, a list's
 * loading / error / empty lines, a form's submit row, and a form's problem when no field is to blame.
 */

export const CURRENCIES = ['usd', 'eur', 'gbp', 'cad', 'aud', 'chf', 'jpy', 'sek'];

export function CurrencySelect({
  id,
  value,
  onChange,
}: {
  id: string;
  value: string;
  onChange: (currency: string) => void;
}) {
  return (
    <div>
      <label className="label" htmlFor={id}>
        Currency
      </label>
      <select id={id} className="input" value={value} onChange={(e) => onChange(e.target.value)}>
        {CURRENCIES.map((c) => (
          <option key={c} value={c}>
            {c.toUpperCase()}
          </option>
        ))}
      </select>
    </div>
  );
}

/** "Loading…", the failure in words, or `empty` when the list has nothing in it yet. */
export function ListStatus({
  list,
  empty,
}: {
  list: { isLoading: boolean; error: unknown; data?: readonly unknown[] };
  empty: string;
}) {
  return (
    <>
      {list.isLoading && <p>Loading…</p>}
      {list.error ? <p role="alert">{errorMessage(list.error)}</p> : null}
      {list.data && list.data.length === 0 && <p className="text-sm text-slate-600">{empty}</p>}
    </>
  );
}

/** A create form's submit button, across the whole form; `pendingLabel` while it is being sent. */
export function SubmitRow({ pending, label, pendingLabel }: { pending: boolean; label: string; pendingLabel: string }) {
  return (
    <div className="flex items-end sm:col-span-2">
      <button className="btn" type="submit" disabled={pending}>
        {pending ? pendingLabel : label}
      </button>
    </div>
  );
}

/** The failure of a form's mutation, shown only when no field error already says what is wrong. */
export function FormProblem({ error, fieldErrors }: { error: unknown; fieldErrors: Record<string, string> }) {
  if (!error || Object.keys(fieldErrors).length > 0) return null;
  return (
    <p role="alert" className="field-error sm:col-span-2">
      {errorMessage(error)}
    </p>
  );
}
