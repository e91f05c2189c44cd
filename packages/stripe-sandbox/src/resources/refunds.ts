import { type Ctx, clone, diff, emit, getObject, putObject, type Route } from '../context';
import { invalidRequest } from '../errors';
import { newId, nowSeconds } from '../ids';
import { allowOnly, int, metadata, oneOf, str } from '../params';
import { created, equals, filteredList } from '../render';
import { objectsOf } from '../store';
import { behaviourOf } from './payment-methods';

function formatAmount(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

/** Test card 4000 0000 0000 5126: the refund is accepted, then fails (the card is closed); the money stays. */
function failRefund(ctx: Ctx, refund: any, charge: any): void {
  const before = clone(refund);
  refund.status = 'failed';
  refund.failure_reason = 'expired_or_canceled_card';
  refund.failure_balance_transaction = newId('txn');
  charge.amount_refunded -= refund.amount;
  charge.refunded = false;
  const previous = diff(before, refund);
  emit(ctx, 'refund.updated', refund, previous);
  emit(ctx, 'refund.failed', refund, previous);
  emit(ctx, 'charge.refund.updated', refund, previous);
}

export const refundRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/refunds',
    handler: (ctx) => {
      allowOnly(ctx.body, [
        'payment_intent',
        'charge',
        'amount',
        'reason',
        'metadata',
        'instructions_email',
        'refund_application_fee',
        'reverse_transfer',
      ]);
      const piId = str(ctx.body, 'payment_intent');
      let chargeId = str(ctx.body, 'charge');
      if (!piId && !chargeId)
        throw invalidRequest(
          'One of the following params should be provided for this request: payment_intent or charge.',
          'payment_intent',
          'parameter_missing',
        );
      if (piId) {
        const pi = getObject(ctx.account, 'payment_intents', piId, 'payment_intent', 'payment_intent');
        if (pi.status !== 'succeeded' || !pi.latest_charge) {
          throw invalidRequest(
            `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
            'payment_intent',
            'charge_not_refundable',
          );
        }
        if (chargeId && chargeId !== pi.latest_charge)
          throw invalidRequest('The charge does not belong to this PaymentIntent.', 'charge');
        chargeId = pi.latest_charge as string;
      }
      const charge = getObject(ctx.account, 'charges', chargeId!, 'charge', 'charge');
      if (charge.status !== 'succeeded' || !charge.captured) {
        throw invalidRequest(
          `Charge ${charge.id} has not been captured or did not succeed, so it cannot be refunded.`,
          'charge',
          'charge_not_refundable',
        );
      }
      const remaining = charge.amount_captured - charge.amount_refunded;
      if (remaining <= 0) {
        throw invalidRequest(`Charge ${charge.id} has already been refunded.`, 'charge', 'charge_already_refunded');
      }
      const amount = int(ctx.body, 'amount', { min: 1 }) ?? remaining;
      if (amount > remaining) {
        throw invalidRequest(
          `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(remaining, charge.currency)})`,
          'amount',
          'amount_too_large',
        );
      }
      const reason = oneOf(ctx.body, 'reason', ['duplicate', 'fraudulent', 'requested_by_customer'] as const);
      const refund = putObject(ctx.account, 'refunds', {
        id: newId('re'),
        object: 'refund',
        amount,
        balance_transaction: newId('txn'),
        charge: charge.id,
        created: nowSeconds(),
        currency: charge.currency,
        customer: charge.customer,
        customer_account: null,
        destination_details: {
          card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
          type: 'card',
        },
        metadata: metadata(ctx.body),
        payment_intent: charge.payment_intent,
        payment_method: charge.payment_method,
        reason: reason ?? null,
        receipt_number: null,
        source_transfer_reversal: null,
        status: 'succeeded',
        transfer_reversal: null,
      });
      const before = clone(charge);
      charge.amount_refunded += amount;
      charge.refunded = charge.amount_refunded >= charge.amount_captured;
      emit(ctx, 'refund.created', refund);
      emit(ctx, 'charge.refunded', charge, diff(before, charge));
      const pm = ctx.account.data.payment_methods[charge.payment_method];
      if (pm && behaviourOf(pm).after === 'refund_fails') failRefund(ctx, refund, charge);
      return refund;
    },
  },
  {
    method: 'GET',
    path: '/v1/refunds/:id',
    handler: (ctx) => getObject(ctx.account, 'refunds', ctx.params.id, 'refund'),
  },
  {
    method: 'POST',
    path: '/v1/refunds/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['metadata']);
      const refund = getObject(ctx.account, 'refunds', ctx.params.id, 'refund');
      const before = clone(refund);
      refund.metadata = metadata(ctx.body, refund.metadata);
      emit(ctx, 'refund.updated', refund, diff(before, refund));
      return refund;
    },
  },
  {
    method: 'GET',
    path: '/v1/refunds',
    filters: ['charge', 'created', 'payment_intent'],
    handler: (ctx) =>
      filteredList(ctx.query, objectsOf(ctx.account, 'refunds'), '/v1/refunds', {
        charge: equals((r) => r.charge),
        created,
        payment_intent: equals((r) => r.payment_intent),
      }),
  },
];
