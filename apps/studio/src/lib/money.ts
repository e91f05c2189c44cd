// One money format for server and browser ("$12.50", "¥500", "KWD 1.250"): @tillflow/core/money.
export {
  currencyExponent,
  discountWords,
  formatMoney,
  minorToMajorString,
  parseMoney,
  tryParseMoney,
} from '@tillflow/core/money';

/**
 * Where a Stripe object can be looked at: the Stripe Dashboard for real keys, the sandbox's own
 * object page (`<sandbox>/dashboard/<id>`: the object and the events about it) otherwise.
 */
export function stripeObjectUrl(id: string | null | undefined, mode: string, apiBase: string): string | null {
  if (!id) return null;
  if (mode === 'sandbox') return apiBase ? `${apiBase}/dashboard/${id}` : null;
  const base = mode === 'live' ? 'https://dashboard.stripe.com' : 'https://dashboard.stripe.com/test';
  if (id.startsWith('pi_')) return `${base}/payments/${id}`;
  if (id.startsWith('sub_')) return `${base}/subscriptions/${id}`;
  if (id.startsWith('re_')) return `${base}/refunds/${id}`;
  if (id.startsWith('cs_')) return `${base}/checkout/sessions/${id}`;
  if (id.startsWith('in_')) return `${base}/invoices/${id}`;
  return null;
}

/** The Stripe objects a payments-dashboard row is about (checkout session, intent, charge, subscription, refund, invoice). */
export function stripeIdsOfRow(row: Record<string, unknown>): string[] {
  const columns = [
    'stripe_payment_intent_id',
    'stripe_refund_id',
    'stripe_subscription_id',
    'stripe_checkout_session_id',
    'stripe_charge_id',
    'stripe_invoice_id',
  ];
  return columns.map((c) => row[c]).filter((v): v is string => typeof v === 'string' && v !== '');
}
