import { formatMoney } from '@tillflow/core/money';

// The columns of the tables Tillflow keeps (payment, refund, recurring payment, shopper accounts) as a shop owner
// reads them: `stripe_payment_intent_id` → "Stripe payment", `amount_refunded` → "Refunded". The stored names stay
// the columns' names in storage, APIs, filters and expressions; only headers and labels use these words.
const SYSTEM_COLUMN_WORDS: Record<string, string> = {
  id: 'No.',
  created_at: 'Added on',
  updated_at: 'Changed on',
  order_id: 'Order',
  payment_id: 'Payment',
  payer: 'Paid by',
  subscriber: 'Subscriber',
  amount: 'Amount',
  currency: 'Currency',
  status: 'Status',
  method: 'How it was paid',
  amount_refunded: 'Refunded',
  amount_lost: 'Lost in disputes',
  amount_received: 'Received',
  currency_received: 'Received in',
  stripe_checkout_session_id: 'Stripe checkout',
  stripe_payment_intent_id: 'Stripe payment',
  stripe_charge_id: 'Stripe charge',
  stripe_invoice_id: 'Stripe invoice',
  stripe_dispute_id: 'Stripe dispute',
  stripe_subscription_id: 'Stripe subscription',
  stripe_customer_id: 'Stripe customer',
  stripe_price_id: 'Stripe price',
  stripe_refund_id: 'Stripe refund',
  checkout_url: 'Checkout page',
  idempotency_key: 'Repeat guard',
  paid_at: 'Paid on',
  failure_reason: 'Why it failed',
  review_reason: 'Why it needs a look',
  dispute_status: 'Dispute',
  livemode: 'Real money',
  initial_amount: 'First amount',
  next_amount: 'Next amount',
  trial_days: 'Free trial days',
  current_period_start: 'Period starts',
  current_period_end: 'Period ends',
  cancel_at_period_end: 'Ends at period end',
  canceled_at: 'Canceled on',
  quantity: 'Quantity',
  plan_amount: 'Plan price',
  plan_interval: 'Billed every',
  collection_paused: 'Payments paused',
  payment_method: 'Paid with',
  reason: 'Reason',
  email: 'Email',
  name: 'Name',
  role: 'Role',
  email_verified: 'Email confirmed',
};

/** The built-in columns every table has, in words on any table. */
const BUILT_IN = new Set(['id', 'created_at']);

/**
 * A column's header as a person reads it. On a table Tillflow keeps every column has words; on the builder's own
 * tables only the built-in `id` / `created_at` are translated and the builder's names stay as they wrote them.
 */
export function columnWords(name: string, systemTable = false): string {
  if (systemTable || BUILT_IN.has(name)) return SYSTEM_COLUMN_WORDS[name] ?? name.replace(/_/g, ' ');
  return name;
}

/** Money columns of the tables Tillflow keeps (integers in minor units) and the column naming their currency. */
const MONEY_COLUMNS: Record<string, string> = {
  amount: 'currency',
  amount_refunded: 'currency',
  amount_lost: 'currency',
  initial_amount: 'currency',
  next_amount: 'currency',
  plan_amount: 'currency',
  amount_received: 'currency_received',
};

/** How a payment was made, in words (the payment table's `method`). */
const METHOD_WORDS: Record<string, string> = {
  checkout: 'Checkout page',
  payment_intent: 'Card form in the shop',
  renewal: 'Subscription renewal',
};

/**
 * A system table's cell that holds money, a currency or how it was paid, as people read it: 850 with `usd` → "$8.50", `usd` → "USD";
 * null for any other cell (it is formatted as usual).
 */
export function systemMoneyCell(name: string, value: unknown, row: Record<string, unknown>): string | null {
  if (name === 'method' && typeof value === 'string') return METHOD_WORDS[value] ?? null;
  if (name === 'currency' || name === 'currency_received')
    return typeof value === 'string' && value !== '' ? value.toUpperCase() : null;
  const currencyColumn = MONEY_COLUMNS[name];
  const currency = currencyColumn ? row[currencyColumn] : undefined;
  if (typeof currency !== 'string' || currency === '') return null;
  const minor =
    typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : null;
  return minor === null ? null : formatMoney(minor, currency);
}
