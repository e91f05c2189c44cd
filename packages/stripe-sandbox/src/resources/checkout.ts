import { type Ctx, emit, getObject, putObject, type Route } from '../context';
import { invalidRequest, unexpectedState } from '../errors';
import { newId, nowSeconds, randomToken } from '../ids';
import { allowOnly, arr, bool, checkMinimumAmount, currency, int, metadata, obj, oneOf, str } from '../params';
import { created as createdFilter, equals, filteredList, type ListFilters, lineItemsList, publicView } from '../render';
import { objectsOf } from '../store';
import { brandingSettings, customText, lineItemsFromParams } from './checkout-params';
import { applySessionDiscount, resolveDiscount } from './coupons';
import { createSetupIntent } from './setup-intents';

const SESSION_FILTERS: ListFilters = {
  created: createdFilter,
  customer: equals((s) => s.customer),
  customer_details: (query, name) => {
    const email = str(obj(query, name) ?? {}, 'email');
    return (s) => !email || s.customer_details?.email === email;
  },
  payment_intent: equals((s) => s.payment_intent),
  payment_link: equals((s) => s.payment_link),
  status: equals((s) => s.status),
  subscription: equals((s) => s.subscription),
};

const FIELDS = [
  'branding_settings',
  'mode',
  'line_items',
  'success_url',
  'cancel_url',
  'metadata',
  'client_reference_id',
  'customer',
  'customer_email',
  'customer_creation',
  'subscription_data',
  'payment_intent_data',
  'expires_at',
  'payment_method_types',
  'ui_mode',
  'return_url',
  'allow_promotion_codes',
  'billing_address_collection',
  'locale',
  'submit_type',
  'currency',
  'automatic_tax',
  'phone_number_collection',
  'payment_method_collection',
  'saved_payment_method_options',
  'invoice_creation',
  'consent_collection',
  'custom_text',
  'discounts',
];

export const checkoutRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/checkout/sessions',
    handler: (ctx) => {
      allowOnly(ctx.body, FIELDS);
      const mode = oneOf(ctx.body, 'mode', ['payment', 'subscription', 'setup'] as const, true)!;
      const successUrl = str(ctx.body, 'success_url');
      if (!successUrl && str(ctx.body, 'ui_mode') !== 'embedded') {
        throw invalidRequest('Missing required param: success_url.', 'success_url', 'parameter_missing');
      }
      // Setup mode saves a card for later: no line items, nothing charged (a SetupIntent instead).
      if (mode === 'setup' && ctx.body.line_items !== undefined)
        throw invalidRequest('You cannot pass `line_items` in `setup` mode.', 'line_items');
      const items = mode === 'setup' ? [] : lineItemsFromParams(ctx, ctx.body, mode);
      if (mode === 'subscription' && items.every((i) => i.oneTime)) {
        throw invalidRequest(
          'You must provide at least one recurring price in `subscription` mode when using prices.',
          'line_items',
        );
      }
      const currencies = new Set(items.map((i) => i.price.currency));
      if (currencies.size > 1) throw invalidRequest('All line items must use the same currency.', 'line_items');
      const customerId = str(ctx.body, 'customer');
      if (customerId) getObject(ctx.account, 'customers', customerId, 'customer', 'customer');
      const customerEmail = str(ctx.body, 'customer_email');
      if (customerId && customerEmail)
        throw invalidRequest(
          'You may only specify one of these parameters: customer, customer_email.',
          'customer_email',
        );
      const subscriptionData = obj(ctx.body, 'subscription_data') ?? {};
      if (mode !== 'subscription' && obj(ctx.body, 'subscription_data')) {
        throw invalidRequest(`You can not pass \`subscription_data\` in \`${mode}\` mode.`, 'subscription_data');
      }
      if (mode === 'setup' && (ctx.body.discounts !== undefined || ctx.body.allow_promotion_codes !== undefined))
        throw invalidRequest(
          'Discounts are not supported in `setup` mode.',
          ctx.body.discounts ? 'discounts' : 'allow_promotion_codes',
        );
      if (mode === 'setup' && obj(ctx.body, 'payment_intent_data'))
        throw invalidRequest('You can not pass `payment_intent_data` in `setup` mode.', 'payment_intent_data');
      const setupCurrency = mode === 'setup' && ctx.body.currency !== undefined ? currency(ctx.body) : null;
      const paymentIntentData = obj(ctx.body, 'payment_intent_data') ?? {};
      const id = `cs_test_${randomToken(58)}`;
      const now = nowSeconds();
      const lineItems = items.map((item) => ({
        id: newId('li'),
        object: 'item',
        adjustable_quantity: null,
        amount_discount: 0,
        amount_subtotal: item.price.unit_amount * item.quantity,
        amount_tax: 0,
        amount_total: item.price.unit_amount * item.quantity,
        currency: item.price.currency,
        description: ctx.account.data.products[item.price.product]?.name ?? null,
        discounts: [] as any[],
        metadata: {},
        price: publicView(item.price),
        quantity: item.quantity,
      }));
      const total = lineItems.reduce((s, l) => s + l.amount_total, 0);
      const discounts = (arr(ctx.body, 'discounts') ?? []).map((entry, i) => {
        if (typeof entry !== 'object' || Array.isArray(entry))
          throw invalidRequest(`Invalid discounts[${i}]`, `discounts[${i}]`);
        return resolveDiscount(ctx.account, entry, `discounts[${i}]`);
      });
      if (discounts.length > 1)
        throw invalidRequest('Only one discount per Checkout Session is supported.', 'discounts');
      const allowPromotionCodes = bool(ctx.body, 'allow_promotion_codes') ?? null;
      if (discounts.length && allowPromotionCodes)
        throw invalidRequest(
          'You may only specify one of these parameters: allow_promotion_codes, discounts.',
          'allow_promotion_codes',
        );
      const expiresAt = int(ctx.body, 'expires_at') ?? now + 24 * 3600;
      const session = putObject(ctx.account, 'checkout_sessions', {
        id,
        object: 'checkout.session',
        adaptive_pricing: null,
        after_expiration: null,
        allow_promotion_codes: allowPromotionCodes,
        allowed_payment_method_types: null,
        amount_subtotal: mode === 'setup' ? null : total,
        amount_total: mode === 'setup' ? null : total,
        automatic_tax: { enabled: false, liability: null, provider: null, status: null },
        billing_address_collection: null,
        cancel_url: str(ctx.body, 'cancel_url') ?? null,
        client_reference_id: str(ctx.body, 'client_reference_id') ?? null,
        client_secret: null,
        collected_information: null,
        consent: null,
        consent_collection: null,
        created: now,
        currency: mode === 'setup' ? setupCurrency : [...currencies][0],
        currency_conversion: null,
        custom_fields: [],
        custom_text: customText(ctx.body),
        customer: customerId ?? null,
        customer_account: null,
        customer_creation:
          customerId || mode === 'setup'
            ? null
            : mode === 'subscription'
              ? 'always'
              : (str(ctx.body, 'customer_creation') ?? 'if_required'),
        customer_details: customerEmail
          ? { address: null, email: customerEmail, name: null, phone: null, tax_exempt: 'none', tax_ids: null }
          : null,
        customer_email: customerEmail ?? null,
        discounts: [],
        expires_at: expiresAt,
        integration_identifier: null,
        invoice: null,
        invoice_creation:
          mode === 'payment'
            ? {
                enabled: false,
                invoice_data: {
                  account_tax_ids: null,
                  custom_fields: null,
                  description: null,
                  footer: null,
                  issuer: null,
                  metadata: {},
                  rendering_options: null,
                },
              }
            : null,
        livemode: false,
        locale: str(ctx.body, 'locale') ?? null,
        managed_payments: null,
        metadata: metadata(ctx.body),
        mode,
        origin_context: null,
        payment_intent: null,
        payment_link: null,
        payment_method_collection: 'always',
        payment_method_configuration_details: null,
        payment_method_options: {},
        payment_method_types: ['card'],
        payment_status: mode === 'setup' ? 'no_payment_required' : 'unpaid',
        permissions: null,
        phone_number_collection: { enabled: false },
        recovered_from: null,
        saved_payment_method_options: null,
        setup_intent: null,
        shipping_address_collection: null,
        shipping_cost: null,
        shipping_options: [],
        status: 'open',
        submit_type: str(ctx.body, 'submit_type') ?? null,
        subscription: null,
        success_url: successUrl ?? null,
        total_details: mode === 'setup' ? null : { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
        ui_mode: 'hosted',
        url: `${ctx.core.baseUrl()}/c/pay/${id}`,
        ...brandingSettings(ctx.body),
        wallet_options: null,
        _line_items: lineItems,
        _subscription_data: {
          trial_period_days: int(subscriptionData, 'trial_period_days', { min: 1 }) ?? null,
          metadata: metadata(subscriptionData),
          description: str(subscriptionData, 'description') ?? null,
        },
        _payment_intent_data: {
          metadata: metadata(paymentIntentData),
          description: str(paymentIntentData, 'description') ?? null,
          setup_future_usage: str(paymentIntentData, 'setup_future_usage') ?? null,
          receipt_email: str(paymentIntentData, 'receipt_email') ?? null,
          capture_method: str(paymentIntentData, 'capture_method') ?? undefined,
        },
      });
      if (discounts.length) applySessionDiscount(session, discounts[0].coupon, discounts[0].promotionCode);
      if (mode === 'payment') checkMinimumAmount(session.amount_total, session.currency, 'line_items');
      if (mode === 'setup') {
        const si = createSetupIntent(ctx, { customer: customerId ?? null, metadata: {}, usage: 'off_session' });
        si._checkout_session = session.id;
        session.setup_intent = si.id;
      }
      return session;
    },
  },
  {
    method: 'GET',
    path: '/v1/checkout/sessions/:id',
    handler: (ctx) => expireIfDue(ctx, getObject(ctx.account, 'checkout_sessions', ctx.params.id, 'checkout.session')),
  },
  {
    method: 'POST',
    path: '/v1/checkout/sessions/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['metadata']);
      const session = getObject(ctx.account, 'checkout_sessions', ctx.params.id, 'checkout.session');
      session.metadata = metadata(ctx.body, session.metadata);
      return session;
    },
  },
  {
    method: 'GET',
    path: '/v1/checkout/sessions/:id/line_items',
    filters: [],
    handler: (ctx) => {
      getObject(ctx.account, 'checkout_sessions', ctx.params.id, 'checkout.session');
      const list = lineItemsList(ctx.account, ctx.params.id);
      return filteredList(ctx.query, [...list.data].reverse(), list.url, {});
    },
  },
  {
    method: 'POST',
    path: '/v1/checkout/sessions/:id/expire',
    handler: (ctx) => {
      const session = getObject(ctx.account, 'checkout_sessions', ctx.params.id, 'checkout.session');
      if (session.status !== 'open') {
        throw unexpectedState(
          `Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${session.status}".`,
          'checkout_session_not_open',
        );
      }
      expireSession(ctx, session);
      return session;
    },
  },
  {
    method: 'GET',
    path: '/v1/checkout/sessions',
    filters: Object.keys(SESSION_FILTERS),
    handler: (ctx) =>
      filteredList(ctx.query, objectsOf(ctx.account, 'checkout_sessions'), '/v1/checkout/sessions', SESSION_FILTERS),
  },
];

export function expireSession(ctx: Ctx, session: any): void {
  session.status = 'expired';
  session.url = null;
  const pi = session.payment_intent ? ctx.account.data.payment_intents[session.payment_intent] : null;
  if (pi && pi.status !== 'succeeded' && pi.status !== 'canceled') {
    pi.status = 'canceled';
    pi.canceled_at = nowSeconds();
    pi.cancellation_reason = 'abandoned';
    emit(ctx, 'payment_intent.canceled', pi);
  }
  const si = session.setup_intent ? ctx.account.data.setup_intents[session.setup_intent] : null;
  if (si && si.status !== 'succeeded' && si.status !== 'canceled') {
    si.status = 'canceled';
    si.cancellation_reason = 'abandoned';
    emit(ctx, 'setup_intent.canceled', si);
  }
  emit(ctx, 'checkout.session.expired', session);
}

export function expireIfDue(ctx: Ctx, session: any): any {
  if (session.status === 'open' && session.expires_at <= nowSeconds()) expireSession(ctx, session);
  return session;
}
