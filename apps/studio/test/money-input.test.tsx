// @vitest-environment jsdom

import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { type MoneyParseResult, minorToMajorString } from '@tillflow/core/money';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { MoneyInput, MoneyText } from '~/components/ui/money';

afterEach(cleanup);

function Harness({ currency, initial }: { currency: string; initial: number | null }) {
  const [text, setText] = useState(initial === null ? '' : minorToMajorString(initial, currency));
  const [parsed, setParsed] = useState<MoneyParseResult | null>(null);
  return (
    <form aria-label="refund">
      <MoneyInput
        label="Amount"
        currency={currency}
        value={text}
        required
        onChange={(t, p) => {
          setText(t);
          setParsed(p);
        }}
      />
      <output aria-label="minor units">{parsed?.ok ? String(parsed.amount) : ''}</output>
    </form>
  );
}

const field = () => screen.getByRole('textbox', { name: 'Amount' }) as HTMLInputElement;
const type = (text: string) => {
  fireEvent.change(field(), { target: { value: text } });
  fireEvent.blur(field());
};
const minor = () => screen.getByRole('status', { name: 'minor units' }).textContent;

describe('MoneyInput: amounts typed in major units, per currency', () => {
  it.each([
    // currency, starting minor units, shown as, typed, read as minor units
    ['usd', 850, '8.50', '2.00', '200'],
    ['usd', 850, '8.50', '2', '200'],
    ['jpy', 500, '500', '1,200', '1200'],
    ['kwd', 1250, '1.250', '0.5', '500'],
  ])('%s: starts at %i as "%s"; "%s" is %s', (currency, initial, shown, typed, expected) => {
    render(<Harness currency={currency} initial={initial} />);
    expect(field().value).toBe(shown);
    expect(screen.getByText(currency.toUpperCase())).toBeTruthy();
    type(typed);
    expect(minor()).toBe(expected);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(field().getAttribute('aria-invalid')).toBeNull();
  });

  it.each([
    ['usd', '8.505', 'USD has 2 decimals at most.'],
    ['usd', '8,50', 'Use a dot for decimals: write 8.50, not 8,50.'],
    ['jpy', '5.5', 'JPY has no decimals: type a whole number, e.g. 500.'],
    ['kwd', '1.2505', 'KWD has 3 decimals at most.'],
    ['usd', 'two', '"two" is not an amount. Type digits only, e.g. 8.50.'],
    ['usd', '', 'Enter an amount, e.g. 8.50.'],
  ])('%s: "%s" is refused in words after leaving the field', (currency, typed, message) => {
    render(<Harness currency={currency} initial={null} />);
    fireEvent.change(field(), { target: { value: typed } });
    expect(screen.queryByRole('alert')).toBeNull(); // not while typing
    fireEvent.blur(field());
    expect(screen.getByRole('alert').textContent).toBe(message);
    expect(field().getAttribute('aria-invalid')).toBe('true');
    expect(minor()).toBe('');
  });

  it('names the currency and an example under the field', () => {
    render(<Harness currency="jpy" initial={null} />);
    expect(field().getAttribute('inputmode')).toBe('numeric');
    expect(screen.getByText('In JPY, e.g. 500.')).toBeTruthy();
  });
});

describe('MoneyText', () => {
  it.each([
    [850, 'usd', '$8.50'],
    [500, 'jpy', '¥500'],
    [1250, 'kwd', /^KWD\s1\.250$/],
    [null, 'usd', '—'],
  ] as const)('%s %s reads %s', (amount, currency, expected) => {
    render(<MoneyText amount={amount} currency={currency} />);
    const text = document.body.textContent ?? '';
    if (typeof expected === 'string') expect(text).toBe(expected);
    else expect(text).toMatch(expected);
  });
});
