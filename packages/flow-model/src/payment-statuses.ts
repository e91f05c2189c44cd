// Every status the payment system tables hold and the callbacks output, declared once: the
// catalog's callback outputs (what bindings and validation see) and the payments module's
// system tables (the enum columns) and handlers all read these tuples.

/** A payment row's status. */
export const PAYMENT_STATUSES = [
  'PENDING',
  'SUCCESSFUL',
  'FAILED',
  'CANCELED',
  'AMOUNT_MISMATCH',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** What the payment callback says about a one-time payment (refund states belong to the refund callback). */
export const PAYMENT_CALLBACK_STATUSES = [
  'SUCCESSFUL',
  'FAILED',
  'PENDING',
  'CANCELED',
  'AMOUNT_MISMATCH',
] as const satisfies readonly PaymentStatus[];
export type PaymentCallbackStatus = (typeof PAYMENT_CALLBACK_STATUSES)[number];

/** A renewal charge as the renewal callback reports it. */
export const RENEWAL_STATUSES = ['SUCCESSFUL', 'FAILED'] as const satisfies readonly PaymentStatus[];

/** A payment's status after a refund event, as the refund callback reports it (refund states first). */
export const REFUNDED_PAYMENT_STATUSES = [
  'SUCCESSFUL',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'PENDING',
  'FAILED',
  'CANCELED',
  'AMOUNT_MISMATCH',
] as const satisfies readonly PaymentStatus[];

/** A refund row's status. */
export const REFUND_STATUSES = ['PENDING', 'REFUNDED', 'FAILED', 'CANCELED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** A subscription's status: Stripe's, upper-cased. */
export const RECURRING_STATUSES = [
  'INCOMPLETE',
  'INCOMPLETE_EXPIRED',
  'ACTIVE',
  'PAST_DUE',
  'CANCELED',
  'TRIALING',
  'UNPAID',
  'PAUSED',
] as const;
export type RecurringStatus = (typeof RECURRING_STATUSES)[number];

/** A payment's dispute, when there is one: open (DISPUTED), then WON or LOST. */
export const DISPUTE_STATUSES = ['DISPUTED', 'WON', 'LOST'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

/**
 * An order's status as its payment alone says it, in the default order words: paid, partially refunded or
 * refunded once paid; failed when declined; pending otherwise. Where a won dispute puts a disputed order back.
 */
export const ORDER_STATUSES_BY_PAYMENT = ['pending', 'paid', 'failed', 'partially_refunded', 'refunded'] as const;
export type OrderStatusByPayment = (typeof ORDER_STATUSES_BY_PAYMENT)[number];
