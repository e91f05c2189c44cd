import { createHash } from 'node:crypto';
import { type Ctx, emit, getObject, putObject, type Route } from '../context';
import { invalidRequest, resourceMissing, StripeApiError } from '../errors';
import type { FormObject } from '../form-decode';
import { newId, nowSeconds } from '../ids';
import { allowOnly, int, metadata, obj, oneOf, str } from '../params';
import { equals, filteredList, type ListFilters, publicView } from '../render';
import { type Account, objectsOf } from '../store';
import { cardBehaviour, luhnValid, TEST_PAYMENT_METHOD_IDS } from './test-cards';

export interface CardInput {
  number: string;
  exp_month: number;
  exp_year: number;
}

/** What every payment method is made with, whatever its type (the type's own fields are added beside it). */
export function paymentMethodBase(billing: Record<string, any>, livemode: boolean) {
  return {
    id: newId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: billing.email ?? null,
      name: billing.name ?? null,
      phone: billing.phone ?? null,
      tax_id: null,
    },
    created: nowSeconds(),
    customer: null,
    customer_account: null,
    livemode,
    metadata: {},
  };
}

export function createCardPaymentMethod(account: Account, card: CardInput, billing: Record<string, any> = {}): any {
  const digits = card.number.replace(/\D/g, '');
  if (!luhnValid(digits)) {
    throw new StripeApiError(402, 'card_error', 'Your card number is incorrect.', {
      code: 'incorrect_number',
      param: 'card[number]',
    });
  }
  const behaviour = cardBehaviour(digits);
  return putObject(account, 'payment_methods', {
    ...paymentMethodBase(billing, false),
    card: {
      brand: behaviour.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: behaviour.brand,
      exp_month: card.exp_month,
      exp_year: card.exp_year,
      fingerprint: createHash('sha256').update(digits).digest('hex').slice(0, 16),
      funding: 'credit',
      generated_from: null,
      last4: digits.slice(-4),
      networks: { available: [behaviour.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    type: 'card',
    _number: digits,
  });
}

/** A stored payment method, or a fresh one for Stripe's magic test ids (`pm_card_visa`, …). */
export function resolvePaymentMethod(account: Account, id: string, param = 'payment_method'): any {
  const magic = TEST_PAYMENT_METHOD_IDS[id];
  if (magic) {
    const nextYear = new Date().getUTCFullYear() + 1;
    return createCardPaymentMethod(account, { number: magic, exp_month: 12, exp_year: nextYear });
  }
  const found = account.data.payment_methods[id];
  if (!found) throw resourceMissing('PaymentMethod', id, param);
  return found;
}

export function behaviourOf(paymentMethod: any) {
  return cardBehaviour(paymentMethod._number ?? '4242424242424242');
}

/** Attaches a payment method to a customer, running Stripe's card check first. */
export function attachPaymentMethod(ctx: Ctx, paymentMethod: any, customerId: string): any {
  getObject(ctx.account, 'customers', customerId, 'customer', 'customer');
  if (paymentMethod.customer && paymentMethod.customer !== customerId) {
    throw invalidRequest(
      'The payment method you provided has already been attached to a customer.',
      'payment_method',
      'payment_method_unexpected_state',
    );
  }
  const behaviour = behaviourOf(paymentMethod);
  if (behaviour.attachFails && behaviour.decline) {
    throw new StripeApiError(402, 'card_error', behaviour.decline.message, {
      code: behaviour.decline.code,
      decline_code: behaviour.decline.decline_code,
      param: '',
    });
  }
  if (paymentMethod.customer === customerId) return paymentMethod;
  paymentMethod.customer = customerId;
  emit(ctx, 'payment_method.attached', paymentMethod);
  return paymentMethod;
}

function cardFromParams(body: FormObject): CardInput {
  const card = obj(body, 'card');
  if (!card) throw invalidRequest('Missing required param: card.', 'card', 'parameter_missing');
  const number = str(card, 'number');
  if (!number) throw invalidRequest('Missing required param: card[number].', 'card[number]', 'parameter_missing');
  const expMonth = int(card, 'exp_month', { required: true, min: 1 })!;
  const expYear = int(card, 'exp_year', { required: true })!;
  if (expMonth > 12)
    throw invalidRequest("Your card's expiration month is invalid.", 'card[exp_month]', 'invalid_expiry_month');
  return { number, exp_month: expMonth, exp_year: expYear < 100 ? 2000 + expYear : expYear };
}

export const paymentMethodRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/payment_methods',
    handler: (ctx) => {
      allowOnly(ctx.body, ['type', 'card', 'billing_details', 'metadata', 'allow_redisplay']);
      oneOf(ctx.body, 'type', ['card'] as const, true);
      const pm = createCardPaymentMethod(ctx.account, cardFromParams(ctx.body), obj(ctx.body, 'billing_details'));
      pm.metadata = metadata(ctx.body);
      return pm;
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_methods/:id',
    handler: (ctx) => resolvePaymentMethod(ctx.account, ctx.params.id, 'id'),
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['metadata', 'billing_details', 'allow_redisplay']);
      const pm = getObject(ctx.account, 'payment_methods', ctx.params.id, 'PaymentMethod');
      pm.metadata = metadata(ctx.body, pm.metadata);
      const billing = obj(ctx.body, 'billing_details');
      if (billing)
        for (const k of ['email', 'name', 'phone'])
          if (typeof billing[k] === 'string') pm.billing_details[k] = billing[k];
      return pm;
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/attach',
    handler: (ctx) => {
      allowOnly(ctx.body, ['customer']);
      const customer = str(ctx.body, 'customer', true);
      getObject(ctx.account, 'customers', customer, 'customer', 'customer');
      return attachPaymentMethod(ctx, resolvePaymentMethod(ctx.account, ctx.params.id, 'id'), customer);
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/detach',
    handler: (ctx) => {
      const pm = getObject(ctx.account, 'payment_methods', ctx.params.id, 'PaymentMethod');
      if (!pm.customer) {
        throw invalidRequest(
          'The payment method you provided is not attached to a customer so detachment is impossible.',
          undefined,
          'payment_method_unexpected_state',
        );
      }
      const customer = ctx.account.data.customers[pm.customer];
      if (customer?.invoice_settings.default_payment_method === pm.id)
        customer.invoice_settings.default_payment_method = null;
      pm.customer = null;
      emit(ctx, 'payment_method.detached', pm, { customer: customer?.id ?? null });
      return pm;
    },
  },
  {
    method: 'GET',
    path: '/v1/payment_methods',
    filters: ['customer', 'type'],
    handler: (ctx) => listPaymentMethods(ctx, undefined, '/v1/payment_methods'),
  },
  {
    method: 'GET',
    path: '/v1/customers/:id/payment_methods',
    filters: ['type'],
    handler: (ctx) => {
      getObject(ctx.account, 'customers', ctx.params.id, 'customer');
      return listPaymentMethods(ctx, ctx.params.id, `/v1/customers/${ctx.params.id}/payment_methods`);
    },
  },
];

function listPaymentMethods(ctx: Ctx, customer: string | undefined, url: string) {
  const items = objectsOf(ctx.account, 'payment_methods').filter(
    (pm: any) => (!customer || pm.customer === customer) && (customer || pm.customer),
  );
  const filters: ListFilters = { type: equals((pm) => pm.type) };
  if (!customer) filters.customer = equals((pm) => pm.customer);
  return filteredList(ctx.query, items, url, filters);
}

export { publicView };
