// How a status reads to a shop owner or a shopper. System tables store Stripe-like codes
// (SUCCESSFUL, PARTIALLY_REFUNDED); order tables store the builder's own words (paid,
// partially_refunded). Both read as plain words; a builder's own word reads as they wrote it,
// with underscores as spaces and a capital first letter.
const LABELS: Record<string, string> = {
  PENDING: 'Pending',
  SUCCESSFUL: 'Paid',
  FAILED: 'Failed',
  CANCELED: 'Canceled',
  AMOUNT_MISMATCH: 'Amount differs from order',
  PARTIALLY_REFUNDED: 'Partially refunded',
  REFUNDED: 'Refunded',
  DISPUTED: 'Disputed',
  WON: 'Dispute won',
  LOST: 'Dispute lost',
  INCOMPLETE: 'Waiting for first payment',
  INCOMPLETE_EXPIRED: 'First payment never made',
  ACTIVE: 'Active',
  PAST_DUE: 'Payment overdue',
  TRIALING: 'In trial',
  UNPAID: 'Unpaid',
  PAUSED: 'Paused',
};

export function statusLabel(status: string | null | undefined): string {
  if (status === null || status === undefined || status === '') return '—';
  const known = LABELS[status];
  if (known) return known;
  const words = status.replace(/_/g, ' ').trim();
  if (words === '') return '—';
  // A code in capitals (an unknown Stripe-like status) reads in lower case; the builder's words keep their case.
  const base = /^[A-Z0-9 ]+$/.test(words) ? words.toLowerCase() : words;
  return base.charAt(0).toUpperCase() + base.slice(1);
}

// Stripe's own refund reason codes; any other reason is the words someone typed and reads as typed.
const REFUND_REASONS: Record<string, string> = {
  requested_by_customer: 'Asked for by the customer',
  duplicate: 'Charged twice',
  fraudulent: 'Fraudulent payment',
  expired_uncaptured_charge: 'Payment never completed',
};

/** A refund's reason as a person reads it: `requested_by_customer` → "Asked for by the customer". */
export function refundReasonLabel(reason: string | null | undefined): string {
  if (!reason) return '';
  return REFUND_REASONS[reason] ?? reason;
}
