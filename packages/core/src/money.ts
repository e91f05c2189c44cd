// Money as people read and write it. Storage and APIs keep integers in the currency's
// smallest unit (cents, yen, fils); everything a person types or reads goes through
// this module: major units with the currency's own decimals and symbol.
// Pure (no Node APIs), so the studio's browser code imports it too: `@tillflow/core/money`.
import { TillflowError } from './errors';

// Stripe's exponents (https://docs.stripe.com/currencies). Getting one wrong is the
// classic 100x bug on JPY/KRW, so this table is the only place that says it.
export const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
/** Three-decimal currencies: Stripe requires the last digit to be 0. */
export const THREE_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** How many decimals the currency has: 0 (JPY), 2 (USD), 3 (KWD). */
export function currencyExponent(currency: string): 0 | 2 | 3 {
  const c = currency.toLowerCase();
  if (ZERO_DECIMAL_CURRENCIES.has(c)) return 0;
  if (THREE_DECIMAL_CURRENCIES.has(c)) return 3;
  return 2;
}

/** The locale every amount is shown in unless a caller passes one (server and browser agree, so no hydration drift). */
export const DEFAULT_MONEY_LOCALE = 'en-US';

const formatters = new Map<string, Intl.NumberFormat>();
function formatter(currency: string, locale: string, display: 'symbol' | 'code'): Intl.NumberFormat | null {
  const key = `${locale}|${currency}|${display}`;
  let f = formatters.get(key);
  if (!f) {
    const digits = currencyExponent(currency);
    try {
      f = new Intl.NumberFormat(locale, {
        style: 'currency',
        currency: currency.toUpperCase(),
        currencyDisplay: display,
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      });
    } catch {
      return null; // not an ISO code Intl knows
    }
    formatters.set(key, f);
  }
  return f;
}

function toMinorNumber(amount: number | bigint | string | null | undefined): number | null {
  if (amount === null || amount === undefined || amount === '') return null;
  const n = typeof amount === 'number' ? amount : Number(amount);
  return Number.isFinite(n) ? n : null;
}

/**
 * Minor units → major units as digits only ("8.50", "500", "1.250"): the value a money
 * input starts with. No grouping, no symbol, so it parses back to the same integer.
 */
export function minorToMajorString(amount: number | bigint | string, currency: string): string {
  const n = toMinorNumber(amount);
  if (n === null || !Number.isInteger(n)) return '';
  const exponent = currencyExponent(currency);
  const negative = n < 0;
  const digits = String(Math.abs(n)).padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(-exponent)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

export interface FormatMoneyOptions {
  /** BCP 47 locale; DEFAULT_MONEY_LOCALE when absent. */
  locale?: string;
  /** 'symbol' ("$8.50", the default) or 'code' ("USD 8.50"). */
  display?: 'symbol' | 'code';
}

/**
 * Minor units → what a person reads: "$8.50", "¥500", "KWD 1.250". The currency's own
 * decimals (Stripe's table), its symbol and the locale's grouping. An empty string for
 * no amount; "8.50 XYZ" for a code Intl does not know.
 */
export function formatMoney(
  amount: number | bigint | string | null | undefined,
  currency: string | null | undefined,
  options: FormatMoneyOptions = {},
): string {
  const n = toMinorNumber(amount);
  if (n === null) return '';
  const code = (currency || 'usd').toLowerCase();
  const major = n / 10 ** currencyExponent(code);
  const f = formatter(code, options.locale ?? DEFAULT_MONEY_LOCALE, options.display ?? 'symbol');
  if (!f) return `${minorToMajorString(n, code)} ${code.toUpperCase()}`;
  return f.format(major);
}

/**
 * A discount as a person reads it on the dashboard and the receipt: "−$5.00 (code SPRING)", or without a code
 * "−$5.00 (coupon)". Empty when nothing was taken off.
 */
export function discountWords(
  amountOff: number | null | undefined,
  currency: string | null | undefined,
  code?: string | null,
): string {
  if (!amountOff || amountOff <= 0) return '';
  return `−${formatMoney(amountOff, currency)} (${code ? `code ${code}` : 'coupon'})`;
}

/** The currency's symbol as the locale writes it ("$", "¥", "KWD"), for the prefix of an input. */
export function currencySymbol(currency: string, locale: string = DEFAULT_MONEY_LOCALE): string {
  const f = formatter(currency.toLowerCase(), locale, 'symbol');
  const part = f?.formatToParts(0).find((p) => p.type === 'currency');
  return part?.value ?? currency.toUpperCase();
}

/** A typed amount that cannot be read; the message says what to type instead. */
export class MoneyParseError extends TillflowError {
  constructor(message: string) {
    super('VALIDATION', message);
    this.name = 'MoneyParseError';
  }
}

export type MoneyParseResult = { ok: true; amount: number } | { ok: false; message: string };

function example(currency: string): string {
  const exponent = currencyExponent(currency);
  return exponent === 0 ? '500' : exponent === 3 ? '1.250' : '8.50';
}

/**
 * What a person typed → minor units, without floating point: "8.50" USD → 850, "8.5" → 850,
 * "1,234.5" → 123450, "500" JPY → 500, "1.25" KWD → 1250, "$8.50" → 850. Refuses, with a
 * message a person can act on, anything else: letters, negative amounts, more decimals than
 * the currency has, a decimal comma, an empty field.
 */
export function tryParseMoney(text: string, currency: string): MoneyParseResult {
  const code = currency.toLowerCase();
  const exponent = currencyExponent(code);
  const upper = code.toUpperCase();
  let s = String(text ?? '')
    .trim()
    .replace(/\s+/g, '');
  if (s === '') return { ok: false, message: `Enter an amount, e.g. ${example(code)}.` };
  // A symbol or code the person copied along ("$8.50", "8.50 USD", "USD 8.50").
  const symbol = currencySymbol(code);
  for (const prefix of [upper, symbol, code]) {
    if (prefix && s.toUpperCase().startsWith(prefix.toUpperCase())) s = s.slice(prefix.length);
    else if (prefix && s.toUpperCase().endsWith(prefix.toUpperCase())) s = s.slice(0, -prefix.length);
  }
  if (s.startsWith('-')) return { ok: false, message: 'The amount cannot be negative.' };
  if (s.startsWith('+')) s = s.slice(1);
  if (!/^[0-9.,]+$/.test(s))
    return { ok: false, message: `"${text.trim()}" is not an amount. Type digits only, e.g. ${example(code)}.` };
  const [whole = '', fraction, ...rest] = s.split('.');
  if (rest.length > 0)
    return { ok: false, message: `"${text.trim()}" has more than one decimal point. Write it like ${example(code)}.` };
  // Commas only as thousands separators (1,234); a decimal comma (8,50) is ambiguous.
  if (whole.includes(',') && !/^[0-9]{1,3}(,[0-9]{3})+$/.test(whole))
    return {
      ok: false,
      message: `Use a dot for decimals: write ${example(code)}, not ${example(code).replace('.', ',')}.`,
    };
  const wholeDigits = whole.replace(/,/g, '') || '0';
  if (fraction?.includes(','))
    return { ok: false, message: `"${text.trim()}" is not an amount. Write it like ${example(code)}.` };
  if (fraction !== undefined && fraction.length > exponent) {
    const allowed =
      exponent === 0
        ? `${upper} has no decimals: type a whole number, e.g. 500.`
        : `${upper} has ${exponent} decimals at most.`;
    return { ok: false, message: allowed };
  }
  if (whole === '' && (fraction === undefined || fraction === ''))
    return { ok: false, message: `Enter an amount, e.g. ${example(code)}.` };
  const minorDigits = `${wholeDigits}${(fraction ?? '').padEnd(exponent, '0')}`;
  const amount = Number(minorDigits);
  if (!Number.isSafeInteger(amount)) return { ok: false, message: 'That amount is too large.' };
  return { ok: true, amount };
}

/** tryParseMoney that throws a MoneyParseError (VALIDATION) for input it cannot read. */
export function parseMoney(text: string, currency: string): number {
  const result = tryParseMoney(text, currency);
  if (!result.ok) throw new MoneyParseError(result.message);
  return result.amount;
}
