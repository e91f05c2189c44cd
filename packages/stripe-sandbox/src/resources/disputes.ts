import { type Ctx, clone, diff, emit, getObject, putObject, type Route } from '../context';
import { unexpectedState } from '../errors';
import { newId, nowSeconds } from '../ids';
import { allowOnly, bool, metadata, obj } from '../params';
import { created, equals, filteredList } from '../render';
import { objectsOf } from '../store';

const OPEN = ['warning_needs_response', 'warning_under_review', 'needs_response', 'under_review'];

/**
 * The cardholder disputes a charge (test card 4000 0000 0000 0259 / pm_card_createDispute):
 * the dispute opens at once, as on Stripe's test mode, with charge.dispute.created.
 */
export function openDispute(ctx: Ctx, charge: any): any {
  const now = nowSeconds();
  const dispute = putObject(ctx.account, 'disputes', {
    id: newId('dp'),
    object: 'dispute',
    amount: charge.amount,
    balance_transactions: [],
    charge: charge.id,
    created: now,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: { uncategorized_text: null, customer_email_address: null, product_description: null },
    evidence_details: { due_by: now + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method_details: {
      card: { brand: charge.payment_method_details.card.brand, network_reason_code: '10.4' },
      type: 'card',
    },
    reason: 'fraudulent',
    status: 'needs_response',
  });
  charge.disputed = true;
  emit(ctx, 'charge.dispute.created', dispute);
  return dispute;
}

/** Closes a dispute: won or lost (accepting it loses it), with charge.dispute.closed. */
function closeDispute(ctx: Ctx, dispute: any, status: 'won' | 'lost'): void {
  const before = clone(dispute);
  dispute.status = status;
  dispute.evidence_details.has_evidence = status === 'won' || dispute.evidence_details.has_evidence;
  emit(ctx, 'charge.dispute.closed', dispute, diff(before, dispute));
}

export const disputeRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/disputes/:id',
    handler: (ctx) => getObject(ctx.account, 'disputes', ctx.params.id, 'dispute'),
  },
  {
    method: 'GET',
    path: '/v1/disputes',
    filters: ['charge', 'created', 'payment_intent'],
    handler: (ctx) =>
      filteredList(ctx.query, objectsOf(ctx.account, 'disputes'), '/v1/disputes', {
        charge: equals((d) => d.charge),
        created,
        payment_intent: equals((d) => d.payment_intent),
      }),
  },
  {
    // Stripe's test mode decides the outcome from the evidence text: "winning_evidence" or "losing_evidence".
    method: 'POST',
    path: '/v1/disputes/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['evidence', 'metadata', 'submit']);
      const dispute = getObject(ctx.account, 'disputes', ctx.params.id, 'dispute');
      if (!OPEN.includes(dispute.status))
        throw unexpectedState(`This dispute is already ${dispute.status}.`, 'resource_invalid_state');
      const before = clone(dispute);
      const evidence = obj(ctx.body, 'evidence') ?? {};
      for (const [k, v] of Object.entries(evidence)) dispute.evidence[k] = v;
      dispute.metadata = metadata(ctx.body, dispute.metadata);
      const text = String(dispute.evidence.uncategorized_text ?? '');
      const submit = bool(ctx.body, 'submit') !== false;
      if (submit && Object.keys(evidence).length > 0) {
        dispute.evidence_details.submission_count += 1;
        dispute.evidence_details.has_evidence = true;
        dispute.status = 'under_review';
      }
      const previous = diff(before, dispute);
      if (Object.keys(previous).length) emit(ctx, 'charge.dispute.updated', dispute, previous);
      if (submit && text.includes('winning_evidence')) closeDispute(ctx, dispute, 'won');
      else if (submit && text.includes('losing_evidence')) closeDispute(ctx, dispute, 'lost');
      return dispute;
    },
  },
  {
    method: 'POST',
    path: '/v1/disputes/:id/close',
    handler: (ctx) => {
      const dispute = getObject(ctx.account, 'disputes', ctx.params.id, 'dispute');
      if (!OPEN.includes(dispute.status))
        throw unexpectedState(`This dispute is already ${dispute.status}.`, 'resource_invalid_state');
      closeDispute(ctx, dispute, 'lost');
      return dispute;
    },
  },
];
