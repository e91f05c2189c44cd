import { type Ctx, emit, getObject, putObject, type Route } from '../context';
import { newId, randomToken } from '../ids';
import { allowOnly, metadata, str } from '../params';
import { created, equals, filteredList } from '../render';
import { objectsOf } from '../store';
import { bankDebitDetails, isBankDebit } from './bank-debits';
import type { CardBehaviour } from './test-cards';

export interface ChargeFailure {
  code: string;
  decline_code: string;
  message: string;
}

/** Records the charge for one payment attempt; failed attempts are charges too, as on Stripe. */
export function createCharge(ctx: Ctx, pi: any, pm: any, failure: ChargeFailure | null, captured = true): any {
  // A bank debit is submitted now and settles later: its charge is pending, nothing captured yet.
  const pending = failure === null && isBankDebit(pm);
  const ok = failure === null && !pending;
  const charge = putObject(ctx.account, 'charges', {
    id: newId('ch'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: ok && captured ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: ok ? newId('txn') : null,
    billing_details: structuredClone(pm.billing_details),
    calculated_statement_descriptor: ctx.account.brand.name.slice(0, 22).toUpperCase(),
    captured: ok && captured,
    created: pi.created,
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: structuredClone(pi.metadata),
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: ok || pending ? 'approved_by_network' : 'declined_by_network',
      reason: failure?.decline_code ?? null,
      risk_level: 'normal',
      risk_score: 20,
      seller_message:
        ok || pending ? 'Payment complete.' : 'The bank did not return any further details with this decline.',
      type: ok || pending ? 'authorized' : 'issuer_declined',
    },
    paid: ok,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: isBankDebit(pm)
      ? bankDebitDetails(pm)
      : {
          card: {
            amount_authorized: ok ? pi.amount : null,
            brand: pm.card.brand,
            checks: pm.card.checks,
            country: pm.card.country,
            exp_month: pm.card.exp_month,
            exp_year: pm.card.exp_year,
            fingerprint: pm.card.fingerprint,
            funding: pm.card.funding,
            last4: pm.card.last4,
            network: pm.card.brand,
            three_d_secure: null,
          },
          type: 'card',
        },
    receipt_email: pi.receipt_email,
    receipt_number: null,
    receipt_url: `${ctx.core.baseUrl()}/receipts/${randomToken(20)}`,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: ok ? 'succeeded' : pending ? 'pending' : 'failed',
    transfer_data: null,
    transfer_group: null,
  });
  emit(ctx, ok ? 'charge.succeeded' : pending ? 'charge.pending' : 'charge.failed', charge);
  return charge;
}

export function failureOf(behaviour: CardBehaviour, offSession: boolean): ChargeFailure | null {
  if (behaviour.charge === 'decline') return behaviour.decline!;
  if (behaviour.charge === 'authenticate' && offSession) {
    return {
      code: 'authentication_required',
      decline_code: 'authentication_required',
      message: 'Your card was declined. This transaction requires authentication.',
    };
  }
  return null;
}

export const chargeRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/charges/:id',
    handler: (ctx) => getObject(ctx.account, 'charges', ctx.params.id, 'charge'),
  },
  {
    method: 'POST',
    path: '/v1/charges/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['metadata', 'description', 'receipt_email']);
      const charge = getObject(ctx.account, 'charges', ctx.params.id, 'charge');
      charge.metadata = metadata(ctx.body, charge.metadata);
      const description = str(ctx.body, 'description');
      if (description !== undefined) charge.description = description;
      emit(ctx, 'charge.updated', charge);
      return charge;
    },
  },
  {
    method: 'GET',
    path: '/v1/charges',
    filters: ['created', 'customer', 'payment_intent', 'transfer_group'],
    handler: (ctx) =>
      filteredList(ctx.query, objectsOf(ctx.account, 'charges'), '/v1/charges', {
        created,
        customer: equals((c) => c.customer),
        payment_intent: equals((c) => c.payment_intent),
        transfer_group: equals((c) => c.transfer_group),
      }),
  },
];
