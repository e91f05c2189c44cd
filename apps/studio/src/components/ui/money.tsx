'use client';

import {
  currencyExponent,
  currencySymbol,
  formatMoney,
  type MoneyParseResult,
  tryParseMoney,
} from '@tillflow/core/money';
import { useId, useState } from 'react';

/** An amount as a person reads it: "$8.50", "¥500", "KWD 1.250" (minor units in, the currency's own decimals out). */
export function MoneyText({
  amount,
  currency,
  className,
}: {
  amount: number | string | null | undefined;
  currency: string | null | undefined;
  className?: string;
}) {
  const text = formatMoney(amount, currency);
  return <span className={className}>{text === '' ? '—' : text}</span>;
}

function example(currency: string): string {
  const exponent = currencyExponent(currency);
  return exponent === 0 ? '500' : exponent === 3 ? '1.250' : '8.50';
}

export interface MoneyInputProps {
  label: string;
  /** ISO code of the amount's currency: its symbol, decimals and example follow it. */
  currency: string;
  /** What the person typed, in major units ("8.50"); start it with minorToMajorString(amount, currency). */
  value: string;
  onChange: (text: string, parsed: MoneyParseResult) => void;
  id?: string;
  required?: boolean;
  /** Extra words under the field (e.g. what remains refundable). */
  hint?: string;
  labelClassName?: string;
  inputClassName?: string;
}

/**
 * A money field in major units: "8.50" for $8.50, "500" for ¥500, "1.250" for KWD 1.250. Shows the
 * currency's symbol and code, and once the person has left the field, why what they typed cannot be
 * read (too many decimals, a decimal comma, letters). The parent converts with tryParseMoney.
 */
export function MoneyInput({
  label,
  currency,
  value,
  onChange,
  id,
  required,
  hint,
  labelClassName = 'label',
  inputClassName = 'input',
}: MoneyInputProps) {
  const generated = useId();
  const inputId = id ?? `money-${generated}`;
  const [touched, setTouched] = useState(false);
  const parsed = tryParseMoney(value, currency);
  const empty = value.trim() === '';
  const problem = !parsed.ok && touched && !(empty && !required) ? parsed.message : null;
  const code = currency.toUpperCase();
  const symbol = currencySymbol(currency);
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  return (
    <div>
      <label className={labelClassName} htmlFor={inputId}>
        {label}
      </label>
      <div className="flex items-center gap-2">
        {symbol !== code && (
          <span aria-hidden className="text-slate-600">
            {symbol}
          </span>
        )}
        <input
          id={inputId}
          className={inputClassName}
          inputMode={currencyExponent(currency) === 0 ? 'numeric' : 'decimal'}
          autoComplete="off"
          required={required}
          value={value}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${hintId} ${errorId}` : hintId}
          onChange={(e) => onChange(e.target.value, tryParseMoney(e.target.value, currency))}
          onBlur={() => setTouched(true)}
        />
        <span className="text-sm text-slate-600">{code}</span>
      </div>
      <p id={hintId} className="mt-1 text-xs text-slate-500">
        {hint ? `${hint} ` : ''}In {code}, e.g. {example(currency)}.
      </p>
      {problem && (
        <p id={errorId} role="alert" className="field-error">
          {problem}
        </p>
      )}
    </div>
  );
}
