import { currencyExponent, formatMoney, THREE_DECIMAL_CURRENCIES, ZERO_DECIMAL_CURRENCIES } from '@tillflow/core/money';
import { z } from 'zod';

export { currencyExponent, formatMoney };

// Stripe charges in the currency's smallest unit; the exponent table is declared once in
// @tillflow/core/money (also used by the studio's browser code).
const ZERO_DECIMAL = ZERO_DECIMAL_CURRENCIES;
const THREE_DECIMAL = THREE_DECIMAL_CURRENCIES;

const SUPPORTED = new Set([
  ...ZERO_DECIMAL,
  ...THREE_DECIMAL,
  'usd',
  'aed',
  'afn',
  'all',
  'amd',
  'ang',
  'aoa',
  'ars',
  'aud',
  'awg',
  'azn',
  'bam',
  'bbd',
  'bdt',
  'bgn',
  'bmd',
  'bnd',
  'bob',
  'brl',
  'bsd',
  'bwp',
  'byn',
  'bzd',
  'cad',
  'cdf',
  'chf',
  'cny',
  'cop',
  'crc',
  'cve',
  'czk',
  'dkk',
  'dop',
  'dzd',
  'egp',
  'etb',
  'eur',
  'fjd',
  'fkp',
  'gbp',
  'gel',
  'gip',
  'gmd',
  'gtq',
  'gyd',
  'hkd',
  'hnl',
  'htg',
  'huf',
  'idr',
  'ils',
  'inr',
  'isk',
  'jmd',
  'kes',
  'kgs',
  'khr',
  'kyd',
  'kzt',
  'lak',
  'lbp',
  'lkr',
  'lrd',
  'lsl',
  'mad',
  'mdl',
  'mkd',
  'mmk',
  'mnt',
  'mop',
  'mur',
  'mvr',
  'mwk',
  'mxn',
  'myr',
  'mzn',
  'nad',
  'ngn',
  'nio',
  'nok',
  'npr',
  'nzd',
  'pab',
  'pen',
  'pgk',
  'php',
  'pkr',
  'pln',
  'qar',
  'ron',
  'rsd',
  'rub',
  'sar',
  'sbd',
  'scr',
  'sek',
  'sgd',
  'shp',
  'sle',
  'sos',
  'srd',
  'std',
  'szl',
  'thb',
  'tjs',
  'top',
  'try',
  'ttd',
  'twd',
  'tzs',
  'uah',
  'uyu',
  'uzs',
  'wst',
  'xcd',
  'yer',
  'zar',
  'zmw',
]);

// Stripe's minimum charge per settlement currency, in minor units; others use the USD-like 50.
const MINIMUM: Record<string, number> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
  krw: 500,
};
// Stripe's amount field allows up to eight digits.
const MAXIMUM = 99_999_999;

export function isSupportedCurrency(currency: string): boolean {
  return SUPPORTED.has(currency.toLowerCase());
}

/** Why an amount cannot be charged, in words a builder can act on; null when valid. */
export function amountProblem(amount: number, currency: string): string | null {
  const c = currency.toLowerCase();
  if (!isSupportedCurrency(c))
    return `"${currency}" is not a currency Stripe supports (use an ISO code like usd, eur, jpy).`;
  if (!Number.isInteger(amount)) return 'The amount must be a whole number of the smallest currency unit (e.g. cents).';
  if (amount <= 0) return 'The amount must be greater than zero.';
  if (amount > MAXIMUM) return `The amount must be at most ${MAXIMUM} (${formatMinorUnits(MAXIMUM, c)}).`;
  const minimum = MINIMUM[c] ?? 50;
  if (amount < minimum)
    return `Stripe's minimum charge in ${c.toUpperCase()} is ${formatMinorUnits(minimum, c)} (amount ${minimum}).`;
  if (THREE_DECIMAL.has(c) && amount % 10 !== 0)
    return `${c.toUpperCase()} amounts must end in 0 (Stripe rounds three-decimal currencies to two).`;
  return null;
}

/** Minor units as a person reads them ("$8.50", "¥500", "KWD 1.250"): the one money format (core's formatMoney). */
export function formatMinorUnits(amount: number, currency: string): string {
  return formatMoney(amount, currency);
}

/** zod schema for an { amount, currency } pair: minor units, checked per currency. */
export const moneySchema = z
  .object({
    amount: z.number().int('The amount must be a whole number of minor units.'),
    currency: z.string().min(3).max(3),
  })
  .superRefine((value, ctx) => {
    const problem = amountProblem(value.amount, value.currency);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: problem,
        path: [isSupportedCurrency(value.currency) ? 'amount' : 'currency'],
      });
  })
  .transform((value) => ({ ...value, currency: value.currency.toLowerCase() }));
