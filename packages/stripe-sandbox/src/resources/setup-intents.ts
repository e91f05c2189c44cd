import { type Ctx, emit, getObject, putObject, type Route } from '../context';
import { StripeApiError, unexpectedState } from '../errors';
import { newId, nowSeconds, randomToken } from '../ids';
import { allowOnly, bool, metadata, oneOf, str } from '../params';
import { created, equals, filteredList } from '../render';
import { objectsOf } from '../store';
import { updateIntentFields } from './intent-updates';
import { attachPaymentMethod, behaviourOf, resolvePaymentMethod } from './payment-methods';

const FIELDS = [
  'customer',
  'payment_method',
  'confirm',
  'usage',
  'description',
  'metadata',
  'payment_method_types',
  'return_url',
  'automatic_payment_methods',
];

/**
 * Confirms a SetupIntent: the card is checked (a declining card fails with `setup_intent.setup_failed` and
 * Stripe's card error), then attached to the intent's customer for later off-session charges.
 */
export function confirmSetup(ctx: Ctx, si: any, pmId: string | undefined): any {
  if (si.status === 'succeeded' || si.status === 'canceled')
    throw unexpectedState(`This SetupIntent is already ${si.status}.`, 'setup_intent_unexpected_state');
  const chosen = pmId ?? si.payment_method;
  if (!chosen) {
    si.status = 'requires_payment_method';
    return si;
  }
  const pm = resolvePaymentMethod(ctx.account, chosen);
  si.payment_method = pm.id;
  const behaviour = behaviourOf(pm);
  // As on Stripe, setting up only checks the card: cards that decline at attach fail here, ones that fail
  // later charges (pm_card_chargeCustomerFail) are saved.
  if (behaviour.attachFails) {
    const decline = behaviour.decline ?? {
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    };
    si.status = 'requires_payment_method';
    si.last_setup_error = {
      code: decline.code,
      decline_code: decline.decline_code,
      message: decline.message,
      type: 'card_error',
      payment_method: pm,
    };
    emit(ctx, 'setup_intent.setup_failed', si);
    throw new StripeApiError(402, 'card_error', decline.message, {
      code: decline.code,
      decline_code: decline.decline_code,
    });
  }
  if (si.customer) attachPaymentMethod(ctx, pm, si.customer);
  si.status = 'succeeded';
  si.last_setup_error = null;
  emit(ctx, 'setup_intent.succeeded', si);
  return si;
}

/** Stores a new SetupIntent (the API's create, and Checkout in `setup` mode). */
export function createSetupIntent(
  ctx: Ctx,
  input: {
    customer: string | null;
    paymentMethod?: string | null;
    description?: string | null;
    metadata: Record<string, string>;
    usage: 'off_session' | 'on_session';
  },
): any {
  const id = newId('seti', 24);
  const si = putObject(ctx.account, 'setup_intents', {
    id,
    object: 'setup_intent',
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomToken(24)}`,
    created: nowSeconds(),
    customer: input.customer,
    customer_account: null,
    description: input.description ?? null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: input.paymentMethod ?? null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    single_use_mandate: null,
    status: input.paymentMethod ? 'requires_confirmation' : 'requires_payment_method',
    usage: input.usage,
  });
  emit(ctx, 'setup_intent.created', si);
  return si;
}

export const setupIntentRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/setup_intents',
    handler: (ctx) => {
      allowOnly(ctx.body, FIELDS);
      const customer = str(ctx.body, 'customer');
      if (customer) getObject(ctx.account, 'customers', customer, 'customer', 'customer');
      const pmId = str(ctx.body, 'payment_method');
      const si = createSetupIntent(ctx, {
        customer: customer ?? null,
        paymentMethod: pmId ? resolvePaymentMethod(ctx.account, pmId).id : null,
        description: str(ctx.body, 'description') ?? null,
        metadata: metadata(ctx.body),
        usage: oneOf(ctx.body, 'usage', ['off_session', 'on_session'] as const) ?? 'off_session',
      });
      if (bool(ctx.body, 'confirm')) confirmSetup(ctx, si, undefined);
      return si;
    },
  },
  {
    method: 'GET',
    path: '/v1/setup_intents/:id',
    handler: (ctx) => getObject(ctx.account, 'setup_intents', ctx.params.id, 'setup_intent'),
  },
  {
    method: 'POST',
    path: '/v1/setup_intents/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['customer', 'description', 'metadata', 'payment_method']);
      const si = getObject(ctx.account, 'setup_intents', ctx.params.id, 'setup_intent');
      updateIntentFields(ctx, si);
      return si;
    },
  },
  {
    method: 'POST',
    path: '/v1/setup_intents/:id/confirm',
    handler: (ctx) => {
      allowOnly(ctx.body, ['payment_method', 'return_url', 'client_secret']);
      const si = getObject(ctx.account, 'setup_intents', ctx.params.id, 'setup_intent');
      return confirmSetup(ctx, si, str(ctx.body, 'payment_method'));
    },
  },
  {
    method: 'POST',
    path: '/v1/setup_intents/:id/cancel',
    handler: (ctx) => {
      allowOnly(ctx.body, ['cancellation_reason']);
      const si = getObject(ctx.account, 'setup_intents', ctx.params.id, 'setup_intent');
      if (si.status === 'succeeded' || si.status === 'canceled')
        throw unexpectedState(`This SetupIntent is already ${si.status}.`, 'setup_intent_unexpected_state');
      si.status = 'canceled';
      si.cancellation_reason =
        oneOf(ctx.body, 'cancellation_reason', ['abandoned', 'duplicate', 'requested_by_customer'] as const) ?? null;
      emit(ctx, 'setup_intent.canceled', si);
      return si;
    },
  },
  {
    method: 'GET',
    path: '/v1/setup_intents',
    filters: ['attach_to_self', 'created', 'customer', 'payment_method'],
    handler: (ctx) =>
      filteredList(ctx.query, objectsOf(ctx.account, 'setup_intents'), '/v1/setup_intents', {
        // The sandbox has no Connect accounts: nothing is attached to the platform itself.
        attach_to_self: (query, name) => {
          const want = bool(query, name);
          return () => want !== true;
        },
        created,
        customer: equals((s) => s.customer),
        payment_method: equals((s) => s.payment_method),
      }),
  },
];
