import { z } from 'zod';
import {
  DISPUTE_STATUSES,
  ORDER_STATUSES_BY_PAYMENT,
  PAYMENT_CALLBACK_STATUSES,
  RECURRING_STATUSES,
  REFUND_STATUSES,
  REFUNDED_PAYMENT_STATUSES,
  RENEWAL_STATUSES,
} from '../payment-statuses';
import { t } from '../value-type';
import { defineNodeType } from './types';

// The four built-in handlers behind Momen's Stripe system flows; the payments module executes them.
const callbackConfig = z.object({ orderTable: z.string().min(1).optional() }).passthrough();
// For the receipt email: the charge in minor units, its currency, both formatted ("$12.50"), the buyer's address,
// the shop's name, the item bought, the sender (the shop's name on the project's address) and the finished
// HTML and plain-text receipt (values escaped by the payments module).
const mailOutputs = {
  shopName: t.string,
  itemName: t.string,
  fromAddress: t.string,
};
const receiptOutputs = {
  amount: t.number,
  currency: t.string,
  amountDisplay: t.string,
  customerEmail: t.string,
  ...mailOutputs,
  receiptHtml: t.string,
  receiptText: t.string,
};
// For the refund notice: this refund's amount formatted, the buyer's address, and the finished notice.
const refundNoticeOutputs = {
  refundAmountDisplay: t.string,
  customerEmail: t.string,
  ...mailOutputs,
  noticeHtml: t.string,
  noticeText: t.string,
};
const orderSummary = (c: { orderTable?: string }) => (c.orderTable ? ` (orders in ${c.orderTable})` : '');

export const stripePaymentCallback = defineNodeType({
  type: 'stripe_payment_callback',
  label: 'Payment from Stripe',
  category: 'payments',
  icon: '💳',
  description: 'Records a checkout or payment intent result against its order and payment, exactly once.',
  configSchema: callbackConfig,
  outputs: ['next'],
  outputShape: () =>
    t.object({
      orderId: t.number,
      // Every value the handler can produce: PENDING (an async method still processing), CANCELED (expired or
      // canceled), AMOUNT_MISMATCH (Stripe reports another amount or currency paid than the order owes; never "paid").
      paymentStatus: t.enum(...PAYMENT_CALLBACK_STATUSES),
      amountMatches: t.boolean,
      alreadyProcessed: t.boolean,
      recovered: t.boolean,
      paymentId: t.number,
      ...receiptOutputs,
    }),
  locked: true,
  summary: (c) => `Record the payment result${orderSummary(c)}`,
});

export const stripeRefundCallback = defineNodeType({
  type: 'stripe_refund_callback',
  label: 'Refund from Stripe',
  category: 'payments',
  icon: '↩️',
  description: 'Records a refund status change against its order.',
  configSchema: callbackConfig,
  outputs: ['next'],
  outputShape: () =>
    t.object({
      orderId: t.number,
      refundId: t.number,
      paymentId: t.number,
      status: t.enum(...REFUND_STATUSES),
      // The payment row's status after this refund: PARTIALLY_REFUNDED or REFUNDED as a rule, SUCCESSFUL again
      // after a refund failed; a payment refunded in another state (e.g. AMOUNT_MISMATCH) keeps it.
      paymentStatus: t.enum(...REFUNDED_PAYMENT_STATUSES),
      amountRefunded: t.number,
      alreadyProcessed: t.boolean,
      ...refundNoticeOutputs,
    }),
  locked: true,
  summary: (c) => `Record the refund status${orderSummary(c)}`,
});

export const stripeRecurringManagementCallback = defineNodeType({
  type: 'stripe_recurring_management_callback',
  label: 'Subscription from Stripe',
  category: 'payments',
  icon: '🔁',
  description: 'Keeps the recurring payment row in step with the Stripe subscription status.',
  configSchema: callbackConfig,
  outputs: ['next'],
  outputShape: () =>
    t.object({
      orderId: t.number,
      recurringPaymentId: t.number,
      status: t.enum(...RECURRING_STATUSES),
      // False when a subscription arrives for another price or a longer trial than the one started: not bound.
      amountMatches: t.boolean,
      alreadyProcessed: t.boolean,
    }),
  locked: true,
  summary: (c) => `Sync the subscription status${orderSummary(c)}`,
});

// How a renewal order is made from the subscription's first order: which of its columns are copied (all but
// unique ones when unset) and values set on the new order (e.g. its status). Editable on the locked node.
const renewalConfig = callbackConfig.extend({
  copyColumns: z.array(z.string().min(1)).optional(),
  orderFieldMapping: z.record(z.string().min(1), z.unknown()).optional(),
});

export const stripeRecurringDeductionCallback = defineNodeType({
  type: 'stripe_recurring_deduction_callback',
  label: 'Renewal from Stripe',
  category: 'payments',
  icon: '🧾',
  description: 'Creates the renewal order and payment for a paid or failed subscription invoice.',
  configSchema: renewalConfig,
  editableWhenLocked: ['copyColumns', 'orderFieldMapping'],
  outputs: ['next'],
  outputShape: () =>
    t.object({
      orderId: t.number,
      originalOrderId: t.number,
      paymentId: t.number,
      paymentStatus: t.enum(...RENEWAL_STATUSES),
      alreadyProcessed: t.boolean,
      recovered: t.boolean,
      needsReview: t.boolean,
      ...receiptOutputs,
    }),
  locked: true,
  summary: (c) => `Record the renewal payment${orderSummary(c)}`,
});

export const stripeDisputeCallback = defineNodeType({
  type: 'stripe_dispute_callback',
  label: 'Dispute from Stripe',
  category: 'payments',
  icon: '⚖️',
  description: 'Records a dispute on a payment (opened, won, lost) as Stripe has it, exactly once.',
  configSchema: callbackConfig,
  outputs: ['next'],
  outputShape: () =>
    t.object({
      orderId: t.number,
      paymentId: t.number,
      disputeStatus: t.enum(...DISPUTE_STATUSES),
      // Where the order stands by its payment alone (paid, partially refunded, …): where a won dispute puts it back.
      orderStatusByPayment: t.enum(...ORDER_STATUSES_BY_PAYMENT),
      reason: t.string,
      // Stripe's reason in words ("The customer says they did not make this payment"), for emails and screens.
      reasonDisplay: t.string,
      alreadyProcessed: t.boolean,
      // Who is told by default: the project owner's address.
      adminEmail: t.string,
      amount: t.number,
      currency: t.string,
      amountDisplay: t.string,
    }),
  locked: true,
  summary: (c) => `Record the dispute${orderSummary(c)}`,
});
