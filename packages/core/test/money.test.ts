import { describe, expect, it } from 'vitest';
import { isTillflowError } from '../src/errors';
import {
  currencyExponent,
  currencySymbol,
  discountWords,
  formatMoney,
  MoneyParseError,
  minorToMajorString,
  parseMoney,
  tryParseMoney,
} from '../src/money';

describe('formatMoney shows major units with the currency’s own decimals and symbol', () => {
  it('two-decimal currencies: 850 cents is $8.50', () => {
    expect(formatMoney(850, 'usd')).toBe('$8.50');
    expect(formatMoney(850, 'EUR')).toBe('€8.50');
    expect(formatMoney(123456789, 'usd')).toBe('$1,234,567.89');
    expect(formatMoney('200', 'usd')).toBe('$2.00');
  });

  it('zero-decimal currencies: 500 is ¥500, never ¥5.00', () => {
    expect(formatMoney(500, 'jpy')).toBe('¥500');
    expect(formatMoney(1000, 'krw')).toBe('₩1,000');
  });

  it('three-decimal currencies: 1250 fils is KWD 1.250', () => {
    expect(formatMoney(1250, 'kwd')).toMatch(/^KWD\s1\.250$/);
  });

  it('another locale writes the same amount its own way', () => {
    expect(formatMoney(850, 'eur', { locale: 'de-DE' })).toMatch(/^8,50\s€$/);
  });

  it('no amount reads as nothing, an unknown code still shows the digits', () => {
    expect(formatMoney(null, 'usd')).toBe('');
    expect(formatMoney(850, 'xyz1')).toBe('8.50 XYZ1');
  });
});

describe('minorToMajorString gives the digits an input starts with', () => {
  it('across 0/2/3 decimals, without grouping, and parses back to the same amount', () => {
    for (const [amount, currency, text] of [
      [850, 'usd', '8.50'],
      [5, 'usd', '0.05'],
      [500, 'jpy', '500'],
      [1250, 'kwd', '1.250'],
      [123456789, 'usd', '1234567.89'],
    ] as const) {
      expect(minorToMajorString(amount, currency)).toBe(text);
      expect(parseMoney(text, currency)).toBe(amount);
    }
  });
});

describe('parseMoney reads what a person types into minor units', () => {
  it('two decimals', () => {
    expect(parseMoney('8.50', 'usd')).toBe(850);
    expect(parseMoney('8.5', 'usd')).toBe(850);
    expect(parseMoney('8', 'usd')).toBe(800);
    expect(parseMoney(' 2.00 ', 'usd')).toBe(200);
    expect(parseMoney('$8.50', 'usd')).toBe(850);
    expect(parseMoney('8.50 USD', 'usd')).toBe(850);
    expect(parseMoney('1,234.56', 'usd')).toBe(123456);
    expect(parseMoney('.5', 'usd')).toBe(50);
  });

  it('no float rounding: 0.29 and 1.15 stay exact', () => {
    expect(parseMoney('0.29', 'usd')).toBe(29);
    expect(parseMoney('1.15', 'usd')).toBe(115);
    expect(parseMoney('4.35', 'eur')).toBe(435);
  });

  it('zero decimals', () => {
    expect(parseMoney('500', 'jpy')).toBe(500);
    expect(parseMoney('¥1,000', 'jpy')).toBe(1000);
    expect(() => parseMoney('5.5', 'jpy')).toThrow(/JPY has no decimals/);
  });

  it('three decimals', () => {
    expect(parseMoney('1.25', 'kwd')).toBe(1250);
    expect(parseMoney('1.250', 'kwd')).toBe(1250);
    expect(() => parseMoney('1.2505', 'kwd')).toThrow(/KWD has 3 decimals at most/);
  });

  it('refuses bad input with a message a person can act on', () => {
    const cases: [string, RegExp][] = [
      ['', /Enter an amount, e.g. 8.50/],
      ['abc', /"abc" is not an amount/],
      ['-2', /cannot be negative/],
      ['8.505', /USD has 2 decimals at most/],
      ['8,50', /Use a dot for decimals: write 8.50, not 8,50/],
      ['1.2.3', /more than one decimal point/],
      ['1e3', /not an amount/],
      ['99999999999999999999', /too large/],
    ];
    for (const [text, message] of cases) {
      const result = tryParseMoney(text, 'usd');
      expect(result.ok, text).toBe(false);
      if (!result.ok) expect(result.message).toMatch(message);
    }
  });

  it('a refusal is a VALIDATION TillflowError', () => {
    try {
      parseMoney('abc', 'usd');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MoneyParseError);
      expect(isTillflowError(error) && error.code).toBe('VALIDATION');
    }
  });
});

describe('currency facts', () => {
  it('exponents and symbols', () => {
    expect([currencyExponent('JPY'), currencyExponent('usd'), currencyExponent('kwd')]).toEqual([0, 2, 3]);
    expect(currencySymbol('usd')).toBe('$');
    expect(currencySymbol('jpy')).toBe('¥');
    expect(currencySymbol('kwd')).toBe('KWD');
  });
});

describe('discountWords', () => {
  it('says a discount in the currency’s major units with its symbol and the code, or nothing when none was taken off', () => {
    expect(discountWords(500, 'usd', 'SPRING')).toBe('−$5.00 (code SPRING)');
    expect(discountWords(500, 'jpy', null)).toBe('−¥500 (coupon)');
    expect(discountWords(0, 'usd', 'SPRING')).toBe('');
  });
});
