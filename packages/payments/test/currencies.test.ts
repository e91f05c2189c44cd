import { describe, expect, it } from 'vitest';
import { amountProblem, currencyExponent, formatMinorUnits, moneySchema } from '../src/currencies';

describe('currencies in minor units', () => {
  it('knows zero-, two- and three-decimal currencies', () => {
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('krw')).toBe(0);
    expect(currencyExponent('usd')).toBe(2);
    expect(currencyExponent('kwd')).toBe(3);
    expect(formatMinorUnits(1000, 'jpy')).toBe('¥1,000');
    expect(formatMinorUnits(1000, 'usd')).toBe('$10.00');
  });

  it('accepts valid amounts and explains invalid ones', () => {
    expect(amountProblem(1000, 'usd')).toBeNull();
    expect(amountProblem(500, 'jpy')).toBeNull();
    expect(amountProblem(10.5, 'usd')).toMatch(/whole number/);
    expect(amountProblem(0, 'usd')).toMatch(/greater than zero/);
    expect(amountProblem(-5, 'usd')).toMatch(/greater than zero/);
    expect(amountProblem(49, 'usd')).toMatch(/minimum charge in USD is \$0.50/);
    expect(amountProblem(10, 'jpy')).toMatch(/minimum charge in JPY is ¥50/);
    expect(amountProblem(100_000_000, 'usd')).toMatch(/at most/);
    expect(amountProblem(1005, 'kwd')).toMatch(/must end in 0/);
    expect(amountProblem(1000, 'xyz')).toMatch(/not a currency Stripe supports/);
  });

  it('holds its limits exactly at the edges', () => {
    expect(amountProblem(99_999_999, 'usd')).toBeNull(); // the largest amount Stripe takes
    expect(amountProblem(50, 'usd')).toBeNull(); // exactly the minimum
    expect(amountProblem(30, 'gbp')).toBeNull();
    expect(amountProblem(29, 'gbp')).toMatch(/minimum charge in GBP is £0.30/);
    // A currency without a minimum of its own gets 50 minor units.
    expect(amountProblem(40, 'kwd')).toMatch(/minimum charge in KWD is KWD\s0.050 \(amount 50\)/);
    expect(amountProblem(1000, 'kwd')).toBeNull(); // three-decimal amounts ending in 0 are fine
    expect(amountProblem(1005, 'kwd')).toBe(
      'KWD amounts must end in 0 (Stripe rounds three-decimal currencies to two).',
    );
    expect(amountProblem(1005, 'usd')).toBeNull(); // only three-decimal currencies must end in 0
  });

  it('validates through zod with the problem on the right field', () => {
    expect(moneySchema.parse({ amount: 1000, currency: 'USD' })).toEqual({ amount: 1000, currency: 'usd' });
    const bad = moneySchema.safeParse({ amount: 10, currency: 'usd' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ code: 'custom', path: ['amount'] });
    const badCurrency = moneySchema.safeParse({ amount: 1000, currency: 'abc' });
    expect(badCurrency.error?.issues[0].path).toEqual(['currency']);
  });
});
