import { describe, expect, it } from 'vitest';
import { amountProblem, currencyExponent, formatMinorUnits, moneySchema } from '../src/currencies';

describe('currencies in minor units', () => {
  it('knows zero-, two- and three-decimal currencies', () => {
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('krw')).toBe(0);
    expect(currencyExponent('usd')).toBe(2);
    expect(currencyExponent('kwd')).toBe(3);
    expect(formatMinorUnits(1000, 'jpy')).toBe('1000 JPY');
    expect(formatMinorUnits(1000, 'usd')).toBe('10.00 USD');
  });

  it('accepts valid amounts and explains invalid ones', () => {
    expect(amountProblem(1000, 'usd')).toBeNull();
    expect(amountProblem(500, 'jpy')).toBeNull();
    expect(amountProblem(10.5, 'usd')).toMatch(/whole number/);
    expect(amountProblem(0, 'usd')).toMatch(/greater than zero/);
    expect(amountProblem(-5, 'usd')).toMatch(/greater than zero/);
    expect(amountProblem(49, 'usd')).toMatch(/minimum charge in USD is 0.50 USD/);
    expect(amountProblem(10, 'jpy')).toMatch(/minimum charge in JPY is 50 JPY/);
    expect(amountProblem(100_000_000, 'usd')).toMatch(/at most/);
    expect(amountProblem(1005, 'kwd')).toMatch(/must end in 0/);
    expect(amountProblem(1000, 'xyz')).toMatch(/not a currency Stripe supports/);
  });

  it('validates through zod with the problem on the right field', () => {
    expect(moneySchema.parse({ amount: 1000, currency: 'USD' })).toEqual({ amount: 1000, currency: 'usd' });
    const bad = moneySchema.safeParse({ amount: 10, currency: 'usd' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(['amount']);
    const badCurrency = moneySchema.safeParse({ amount: 1000, currency: 'abc' });
    expect(badCurrency.error?.issues[0].path).toEqual(['currency']);
  });
});
