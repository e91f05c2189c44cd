// One exponent table for server and browser: "12.50 USD", "500 JPY".
export { formatMinorUnits as formatMoney } from '@tillflow/payments/currencies';

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
