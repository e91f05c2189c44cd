const ZERO_DECIMAL = new Set([
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
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Minor units as a person reads them ("12.50 USD", "500 JPY"). */
export function formatMoney(amount: number, currency: string): string {
  const c = currency.toLowerCase();
  const exponent = ZERO_DECIMAL.has(c) ? 0 : THREE_DECIMAL.has(c) ? 3 : 2;
  return `${(amount / 10 ** exponent).toFixed(exponent)} ${c.toUpperCase()}`;
}

/** Where a Stripe object can be looked at: the Stripe Dashboard for real keys; the sandbox has no dashboard. */
export function stripeObjectUrl(id: string | null | undefined, mode: string): string | null {
  if (!id || mode === 'sandbox') return null;
  const base = mode === 'live' ? 'https://dashboard.stripe.com' : 'https://dashboard.stripe.com/test';
  if (id.startsWith('pi_')) return `${base}/payments/${id}`;
  if (id.startsWith('sub_')) return `${base}/subscriptions/${id}`;
  if (id.startsWith('re_')) return `${base}/refunds/${id}`;
  if (id.startsWith('cs_')) return `${base}/checkout/sessions/${id}`;
  return null;
}
