import { type Ctx, emit, getObject, putObject, type Route, timeForCustomer } from '../context';
import { invalidRequest, StripeApiError, unexpectedState } from '../errors';
import { newId, randomToken } from '../ids';
import { allowOnly, bool, currency, int, metadata, obj, oneOf, str, strArray } from '../params';
import { listObject, publicView } from '../render';
import { createCharge, failureOf } from './charges';
import { settleInvoiceFromPaymentIntent } from './invoices';
import { attachPaymentMethod, behaviourOf, resolvePaymentMethod } from './payment-methods';

const CREATE_FIELDS = [
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

function confirmFromParams(ctx: Ctx, pi: any, params: typeof ctx.body): any {
  const pmId = str(params, 'payment_method') ?? pi.payment_method;
  if (!pmId) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with a customer, you must provide the payment_method param.",
      'payment_method',
      'payment_intent_unexpected_state',
    );
  }
  const pm = resolvePaymentMethod(ctx.account, pmId);
  if (pm.customer && pi.customer && pm.customer !== pi.customer) {
    throw invalidRequest('The provided PaymentMethod belongs to a different customer.', 'payment_method');
  }
  const offSession =
    params.off_session === 'true' || params.off_session === 'one_off' || params.off_session === 'recurring';
  const { error } = confirmPayment(ctx, pi, pm, { offSession, returnUrl: str(params, 'return_url') });
  if (error) throw error;
  return pi;
}

export const paymentIntentRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/payment_intents',
    handler: (ctx) => {
      allowOnly(ctx.body, CREATE_FIELDS);
      const amount = int(ctx.body, 'amount', { required: true, min: 1 })!;
      const pi = createPaymentIntent(ctx, {
        amount,
        currency: currency(ctx.body),
        customer: str(ctx.body, 'customer'),
        description: str(ctx.body, 'description'),
        metadata: metadata(ctx.body),
        receipt_email: str(ctx.body, 'receipt_email'),
        setup_future_usage: oneOf(ctx.body, 'setup_future_usage', ['on_session', 'off_session'] as const),
        capture_method: oneOf(ctx.body, 'capture_method', ['automatic', 'automatic_async', 'manual'] as const),
      });
      const types = strArray(ctx.body, 'payment_method_types');
      if (types) pi.payment_method_types = types;
      if (obj(ctx.body, 'automatic_payment_methods') === undefined && types) pi.automatic_payment_methods = null;
      const pmId = str(ctx.body, 'payment_method');
      if (pmId) {
        pi.payment_method = resolvePaymentMethod(ctx.account, pmId).id;
        pi.status = 'requires_confirmation';
      }
      if (bool(ctx.body, 'confirm')) return confirmFromParams(ctx, pi, ctx.body);
      return pi;
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_intents/:id',
    handler: (ctx) => getObject(ctx.account, 'payment_intents', ctx.params.id, 'payment_intent'),
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, [
        'amount',
        'currency',
        'customer',
        'payment_method',
        'metadata',
        'description',
        'receipt_email',
        'setup_future_usage',
      ]);
      const pi = getObject(ctx.account, 'payment_intents', ctx.params.id, 'payment_intent');
      if (['succeeded', 'canceled', 'processing'].includes(pi.status)) {
        throw unexpectedState(
          `This PaymentIntent's status is ${pi.status}, so it cannot be updated.`,
          'payment_intent_unexpected_state',
        );
      }
      const amount = int(ctx.body, 'amount', { min: 1 });
      if (amount !== undefined) pi.amount = amount;
      if (ctx.body.currency !== undefined) pi.currency = currency(ctx.body);
      const customer = str(ctx.body, 'customer');
      if (customer) pi.customer = getObject(ctx.account, 'customers', customer, 'customer', 'customer').id;
      const pmId = str(ctx.body, 'payment_method');
      if (pmId) {
        pi.payment_method = resolvePaymentMethod(ctx.account, pmId).id;
        pi.status = 'requires_confirmation';
      }
      const description = str(ctx.body, 'description');
      if (description !== undefined) pi.description = description;
      pi.metadata = metadata(ctx.body, pi.metadata);
      return pi;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/confirm',
    handler: (ctx) => {
      allowOnly(ctx.body, [
        'payment_method',
        'return_url',
        'off_session',
        'setup_future_usage',
        'receipt_email',
        'error_on_requires_action',
        'payment_method_options',
        'shipping',
        'mandate_data',
      ]);
      const pi = getObject(ctx.account, 'payment_intents', ctx.params.id, 'payment_intent');
      return confirmFromParams(ctx, pi, ctx.body);
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/capture',
    handler: (ctx) => {
      allowOnly(ctx.body, ['amount_to_capture', 'metadata']);
      const pi = getObject(ctx.account, 'payment_intents', ctx.params.id, 'payment_intent');
      if (pi.status !== 'requires_capture') {
        throw unexpectedState(
          `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture.`,
          'payment_intent_unexpected_state',
        );
      }
      const amount = int(ctx.body, 'amount_to_capture', { min: 1 }) ?? pi.amount_capturable;
      if (amount > pi.amount_capturable)
        throw invalidRequest(
          'The amount to capture exceeds the capturable amount.',
          'amount_to_capture',
          'amount_too_large',
        );
      const charge = ctx.account.data.charges[pi.latest_charge];
      charge.captured = true;
      charge.amount_captured = amount;
      pi.amount_received = amount;
      pi.amount_capturable = 0;
      pi.status = 'succeeded';
      emit(ctx, 'charge.captured', charge);
      emit(ctx, 'payment_intent.succeeded', pi);
      return pi;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/cancel',
    handler: (ctx) => {
      allowOnly(ctx.body, ['cancellation_reason']);
      const pi = getObject(ctx.account, 'payment_intents', ctx.params.id, 'payment_intent');
      if (['succeeded', 'canceled'].includes(pi.status)) {
        throw unexpectedState(
          `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing.`,
          'payment_intent_unexpected_state',
        );
      }
      const reason = oneOf(ctx.body, 'cancellation_reason', [
        'duplicate',
        'fraudulent',
        'requested_by_customer',
        'abandoned',
      ] as const);
      pi.status = 'canceled';
      pi.canceled_at = timeForCustomer(ctx.account, pi.customer);
      pi.cancellation_reason = reason ?? null;
      pi.next_action = null;
      pi.amount_capturable = 0;
      emit(ctx, 'payment_intent.canceled', pi);
      return pi;
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_intents',
    handler: (ctx) => {
      const customer = str(ctx.query, 'customer');
      const items = Object.values(ctx.account.data.payment_intents).filter(
        (p: any) => !customer || p.customer === customer,
      );
      return listObject(items, ctx.query, '/v1/payment_intents');
    },
  },
];
