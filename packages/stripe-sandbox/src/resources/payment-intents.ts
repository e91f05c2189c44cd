import { type Ctx, emit, getObject, putObject, timeForCustomer } from '../context';
import { StripeApiError, unexpectedState } from '../errors';
import { newId, randomToken } from '../ids';
import { publicView } from '../render';
import { isBankDebit, startBankDebit } from './bank-debits';
import { createCharge, failureOf } from './charges';
import { openDispute } from './disputes';
import { settleInvoiceFromPaymentIntent } from './invoices';
import { attachPaymentMethod, behaviourOf } from './payment-methods';

export const CREATE_FIELDS = [
  'amount',
  'currency',
  'customer',
  'payment_method',
  'confirm',
  'metadata',
  'description',
  'receipt_email',
  'automatic_payment_methods',
  'payment_method_types',
  'off_session',
  'setup_future_usage',
  'capture_method',
  'return_url',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'error_on_requires_action',
  'confirmation_method',
  'payment_method_options',
  'shipping',
];

export interface NewPaymentIntent {
  amount: number;
  currency: string;
  customer?: string | null;
  description?: string | null;
  metadata?: Record<string, string>;
  receipt_email?: string | null;
  setup_future_usage?: string | null;
  capture_method?: string;
}

export function createPaymentIntent(ctx: Ctx, input: NewPaymentIntent): any {
  if (input.customer) getObject(ctx.account, 'customers', input.customer, 'customer', 'customer');
  const id = newId('pi');
  const pi = putObject(ctx.account, 'payment_intents', {
    id,
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    allowed_payment_method_types: null,
    amount_received: 0,
    application: null,
    application_fee_amount: null,
    automatic_payment_methods: { allow_redirects: 'always', enabled: true },
    canceled_at: null,
    cancellation_reason: null,
    capture_method: input.capture_method ?? 'automatic_async',
    client_secret: `${id}_secret_${randomToken(25)}`,
    confirmation_method: 'automatic',
    created: timeForCustomer(ctx.account, input.customer),
    currency: input.currency,
    customer: input.customer ?? null,
    customer_account: null,
    description: input.description ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata ?? {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: input.receipt_email ?? null,
    review: null,
    setup_future_usage: input.setup_future_usage ?? null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
  });
  emit(ctx, 'payment_intent.created', pi);
  return pi;
}

export interface PaymentOutcome {
  pi: any;
  error: StripeApiError | null;
}

/**
 * Confirms a PaymentIntent with a payment method: succeeds, declines (charge.failed +
 * payment_intent.payment_failed) or asks for 3DS (requires_action). Never throws for declines.
 */
export function confirmPayment(
  ctx: Ctx,
  pi: any,
  pm: any,
  opts: { offSession?: boolean; returnUrl?: string } = {},
): PaymentOutcome {
  if (!['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(pi.status)) {
    throw unexpectedState(
      `This PaymentIntent's status is ${pi.status}, but must be one of requires_payment_method, requires_confirmation, or requires_action to be confirmed.`,
      'payment_intent_unexpected_state',
    );
  }
  pi.payment_method = pm.id;
  pi.last_payment_error = null;
  const behaviour = behaviourOf(pm);
  if (behaviour.charge === 'authenticate' && !opts.offSession) {
    pi.status = 'requires_action';
    pi.next_action = {
      type: 'redirect_to_url',
      redirect_to_url: { return_url: opts.returnUrl ?? null, url: `${ctx.core.baseUrl()}/3ds/${pi.id}` },
    };
    emit(ctx, 'payment_intent.requires_action', pi);
    const invoice = pi._invoice ? ctx.account.data.invoices[pi._invoice] : null;
    if (invoice) emit(ctx, 'invoice.payment_action_required', invoice);
    return { pi, error: null };
  }
  return chargePayment(ctx, pi, pm, failureOf(behaviour, !!opts.offSession));
}

export function chargePayment(ctx: Ctx, pi: any, pm: any, failure: ReturnType<typeof failureOf>): PaymentOutcome {
  const manual = pi.capture_method === 'manual';
  const charge = createCharge(ctx, pi, pm, failure, !manual);
  pi.latest_charge = charge.id;
  pi.next_action = null;
  if (failure) {
    pi.status = 'requires_payment_method';
    pi.last_payment_error = {
      charge: charge.id,
      code: failure.code,
      decline_code: failure.decline_code,
      doc_url: `https://stripe.com/docs/error-codes/${failure.code.replace(/_/g, '-')}`,
      message: failure.message,
      payment_method: publicView(pm),
      type: 'card_error',
    };
    emit(ctx, 'payment_intent.payment_failed', pi);
    if (pi._invoice) settleInvoiceFromPaymentIntent(ctx, pi, false);
    const error = new StripeApiError(402, 'card_error', failure.message, {
      code: failure.code,
      decline_code: failure.decline_code,
      charge: charge.id,
      payment_intent: publicView(pi),
      payment_method: publicView(pm),
    });
    return { pi, error };
  }
  if (isBankDebit(pm)) {
    startBankDebit(ctx, pi);
    return { pi, error: null };
  }
  if (manual) {
    pi.status = 'requires_capture';
    pi.amount_capturable = pi.amount;
    emit(ctx, 'payment_intent.amount_capturable_updated', pi);
  } else {
    pi.status = 'succeeded';
    pi.amount_received = pi.amount;
    emit(ctx, 'payment_intent.succeeded', pi);
  }
  if (pi.setup_future_usage && pi.customer && !pm.customer) attachPaymentMethod(ctx, pm, pi.customer);
  if (pi._invoice && pi.status === 'succeeded') settleInvoiceFromPaymentIntent(ctx, pi, true);
  if (behaviourOf(pm).after === 'dispute' && charge.captured) openDispute(ctx, charge);
  return { pi, error: null };
}

/** Finishes a 3DS challenge from the sandbox's authentication page. */
export function completeAuthentication(ctx: Ctx, pi: any, approved: boolean): PaymentOutcome {
  if (pi.status !== 'requires_action') return { pi, error: null };
  const pm = getObject(ctx.account, 'payment_methods', pi.payment_method, 'PaymentMethod');
  if (approved) return chargePayment(ctx, pi, pm, null);
  pi.status = 'requires_payment_method';
  pi.next_action = null;
  const message =
    'We are unable to authenticate your payment method. Please choose a different payment method and try again.';
  pi.last_payment_error = {
    code: 'payment_intent_authentication_failure',
    doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
    message,
    payment_method: publicView(pm),
    type: 'invalid_request_error',
  };
  emit(ctx, 'payment_intent.payment_failed', pi);
  return {
    pi,
    error: new StripeApiError(400, 'invalid_request_error', message, { code: 'payment_intent_authentication_failure' }),
  };
}
