import { createHash } from 'node:crypto';
import { type Ctx, emit, putObject } from '../context';
import { StripeApiError } from '../errors';
import { newId, nowSeconds } from '../ids';
import { publicView } from '../render';
import { objectsOf } from '../store';
import { paymentMethodBase } from './payment-methods';

/**
 * ACH Direct Debit (`us_bank_account`), a delayed payment method: confirming the PaymentIntent leaves it
 * `processing` (its charge `pending`), a Checkout Session completes with `payment_status: 'unpaid'`, and the
 * debit settles later: succeeded (`payment_intent.succeeded`, `checkout.session.async_payment_succeeded`) or
 * failed (back to `requires_payment_method`, `payment_intent.payment_failed`,
 * `checkout.session.async_payment_failed`). Stripe's documented test accounts (routing number 110000000) say which.
 */
export interface BankAccountInput {
  routingNumber: string;
  accountNumber: string;
  accountHolderType?: 'individual' | 'company';
}

interface DebitFailure {
  code: string;
  message: string;
}

export const TEST_ROUTING_NUMBER = '110000000';

/** Stripe's test account numbers for ACH Direct Debit; any other number on the test routing number succeeds. */
const FAILURES: Record<string, DebitFailure> = {
  '000111111113': { code: 'account_closed', message: "The customer's bank account has been closed." },
  '000111111116': { code: 'no_account', message: "The customer's bank account could not be located." },
  '000222222227': {
    code: 'insufficient_funds',
    message: "The customer's account has insufficient funds to cover this payment.",
  },
  '000333333335': {
    code: 'debit_not_authorized',
    message: 'The customer has notified their bank that this payment was unauthorized.',
  },
};

/** Seconds a debit stays `processing` before it settles by itself (Stripe's test mode settles within minutes). */
export const SETTLE_AFTER_SECONDS = 180;

export function createBankPaymentMethod(ctx: Ctx, bank: BankAccountInput, billing: Record<string, any>): any {
  const routing = bank.routingNumber.replace(/\D/g, '');
  const account = bank.accountNumber.replace(/\D/g, '');
  if (routing !== TEST_ROUTING_NUMBER) {
    throw new StripeApiError(400, 'invalid_request_error', 'Routing number must have 9 digits and be valid.', {
      code: 'routing_number_invalid',
      param: 'us_bank_account[routing_number]',
    });
  }
  if (account.length < 4 || account.length > 17) {
    throw new StripeApiError(400, 'invalid_request_error', 'Your account number is invalid.', {
      code: 'account_number_invalid',
      param: 'us_bank_account[account_number]',
    });
  }
  return putObject(ctx.account, 'payment_methods', {
    ...paymentMethodBase({ email: billing.email, name: billing.name }, ctx.account.livemode === true),
    type: 'us_bank_account',
    us_bank_account: {
      account_holder_type: bank.accountHolderType ?? 'individual',
      account_type: 'checking',
      bank_name: 'STRIPE TEST BANK',
      financial_connections_account: null,
      fingerprint: createHash('sha256').update(`${routing}:${account}`).digest('hex').slice(0, 16),
      last4: account.slice(-4),
      networks: { preferred: 'ach', supported: ['ach'] },
      routing_number: routing,
      status_details: null,
    },
    _bank_account: account,
  });
}

export const isBankDebit = (pm: any) => pm?.type === 'us_bank_account';

/** What this account number does once its debit settles: null for success. */
export function debitFailureOf(pm: any): DebitFailure | null {
  return FAILURES[String(pm._bank_account ?? '')] ?? null;
}

/** Details of a bank debit as its charge shows them. */
export function bankDebitDetails(pm: any) {
  const b = pm.us_bank_account;
  return {
    us_bank_account: {
      account_holder_type: b.account_holder_type,
      account_type: b.account_type,
      bank_name: b.bank_name,
      fingerprint: b.fingerprint,
      last4: b.last4,
      routing_number: b.routing_number,
    },
    type: 'us_bank_account',
  };
}

/** The debit is submitted: PaymentIntent `processing`, charge `pending`; it settles later. */
export function startBankDebit(ctx: Ctx, pi: any): void {
  pi.status = 'processing';
  pi.next_action = null;
  pi.payment_method_types = ['card', 'us_bank_account'];
  pi._settles_at = nowSeconds() + SETTLE_AFTER_SECONDS;
  emit(ctx, 'payment_intent.processing', pi);
}

/** Settles one processing debit as its account number says, with the events Stripe sends. */
export function settleBankDebit(ctx: Ctx, pi: any): void {
  if (pi.status !== 'processing') return;
  const pm = ctx.account.data.payment_methods[pi.payment_method];
  const charge = ctx.account.data.charges[pi.latest_charge];
  const failure = debitFailureOf(pm);
  delete pi._settles_at;
  const session = pi._checkout_session ? ctx.account.data.checkout_sessions[pi._checkout_session] : null;
  if (failure) {
    Object.assign(charge, {
      status: 'failed',
      failure_code: failure.code,
      failure_message: failure.message,
      outcome: {
        ...charge.outcome,
        network_status: 'declined_by_network',
        reason: failure.code,
        type: 'issuer_declined',
      },
    });
    emit(ctx, 'charge.failed', charge);
    pi.status = 'requires_payment_method';
    pi.last_payment_error = {
      charge: charge.id,
      code: failure.code,
      doc_url: `https://stripe.com/docs/error-codes/${failure.code.replace(/_/g, '-')}`,
      message: failure.message,
      payment_method: publicView(pm),
      type: 'invalid_request_error',
    };
    emit(ctx, 'payment_intent.payment_failed', pi);
    if (session) emit(ctx, 'checkout.session.async_payment_failed', session);
    return;
  }
  Object.assign(charge, {
    status: 'succeeded',
    paid: true,
    captured: true,
    amount_captured: charge.amount,
    balance_transaction: newId('txn'),
    outcome: { ...charge.outcome, network_status: 'approved_by_network', type: 'authorized' },
  });
  emit(ctx, 'charge.succeeded', charge);
  pi.status = 'succeeded';
  pi.amount_received = pi.amount;
  emit(ctx, 'payment_intent.succeeded', pi);
  if (session) {
    session.payment_status = 'paid';
    emit(ctx, 'checkout.session.async_payment_succeeded', session);
  }
}

/** Settles every debit still processing (`all`), or only those whose time has come. */
export function settleBankDebits(ctx: Ctx, all: boolean): number {
  const now = nowSeconds();
  let settled = 0;
  for (const pi of objectsOf(ctx.account, 'payment_intents') as any[]) {
    if (pi.status !== 'processing' || (!all && !(pi._settles_at <= now))) continue;
    settleBankDebit(ctx, pi);
    settled++;
  }
  return settled;
}
