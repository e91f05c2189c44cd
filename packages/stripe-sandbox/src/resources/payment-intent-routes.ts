import { type Ctx, emit, getObject, type Route, timeForCustomer } from '../context';
import { invalidRequest, unexpectedState } from '../errors';
import { allowOnly, bool, checkMinimumAmount, currency, int, metadata, obj, oneOf, str, strArray } from '../params';
import { created, equals, filteredList } from '../render';
import { objectsOf } from '../store';
import { updateIntentFields } from './intent-updates';
import { CREATE_FIELDS, confirmPayment, createPaymentIntent } from './payment-intents';
import { resolvePaymentMethod } from './payment-methods';

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
      checkMinimumAmount(amount, currency(ctx.body));
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
      updateIntentFields(ctx, pi);
      return pi;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/confirm',
    handler: (ctx) => {
      allowOnly(ctx.body, [
        'client_secret',
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
    filters: ['created', 'customer'],
    handler: (ctx) =>
      filteredList(ctx.query, objectsOf(ctx.account, 'payment_intents'), '/v1/payment_intents', {
        created,
        customer: equals((p) => p.customer),
      }),
  },
];
