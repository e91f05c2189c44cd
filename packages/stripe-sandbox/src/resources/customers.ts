import { type Ctx, clone, diff, emit, getObject, putObject, type Route } from '../context';
import { invalidRequest } from '../errors';
import { newId, nowSeconds, randomToken } from '../ids';
import { allowOnly, metadata, nullableStr, obj, str } from '../params';
import { created, equals, filteredList, type ListFilters } from '../render';
import { objectsOf } from '../store';
import { attachPaymentMethod, resolvePaymentMethod } from './payment-methods';

const FIELDS = [
  'email',
  'name',
  'description',
  'phone',
  'metadata',
  'payment_method',
  'invoice_settings',
  'test_clock',
  'preferred_locales',
  'address',
  'shipping',
];

const CUSTOMER_FILTERS: ListFilters = {
  created,
  email: equals((c) => c.email),
  test_clock: equals((c) => c.test_clock),
};

export function createCustomer(
  ctx: Ctx,
  fields: {
    email?: string | null;
    name?: string | null;
    test_clock?: string | null;
    metadata?: Record<string, string>;
  },
) {
  const clock = fields.test_clock
    ? getObject(ctx.account, 'test_clocks', fields.test_clock, 'test clock', 'test_clock')
    : null;
  const customer = putObject(ctx.account, 'customers', {
    id: newId('cus', 14),
    object: 'customer',
    address: null,
    balance: 0,
    created: clock ? clock.frozen_time : nowSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: fields.email ?? null,
    invoice_prefix: randomToken(8).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: fields.metadata ?? {},
    name: fields.name ?? null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: clock?.id ?? null,
  });
  return customer;
}

function applyUpdates(ctx: Ctx, customer: any): void {
  for (const field of ['email', 'name', 'description', 'phone'] as const) {
    const v = nullableStr(ctx.body, field);
    if (v !== undefined) customer[field] = v;
  }
  customer.metadata = metadata(ctx.body, customer.metadata);
  const settings = obj(ctx.body, 'invoice_settings');
  if (settings) {
    const pmId = nullableStr(settings, 'default_payment_method');
    if (pmId === null) customer.invoice_settings.default_payment_method = null;
    else if (pmId) {
      const pm = getObject(
        ctx.account,
        'payment_methods',
        pmId,
        'PaymentMethod',
        'invoice_settings[default_payment_method]',
      );
      if (pm.customer !== customer.id) {
        throw invalidRequest(
          `The customer does not have a payment method with the ID ${pmId}. The payment method must be attached to the customer.`,
          'invoice_settings[default_payment_method]',
          'resource_missing',
        );
      }
      customer.invoice_settings.default_payment_method = pmId;
    }
  }
}

export const customerRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/customers',
    handler: (ctx) => {
      allowOnly(ctx.body, FIELDS);
      const customer = createCustomer(ctx, { test_clock: str(ctx.body, 'test_clock'), metadata: metadata(ctx.body) });
      const pmId = str(ctx.body, 'payment_method');
      if (pmId) {
        const pm = attachPaymentMethod(ctx, resolvePaymentMethod(ctx.account, pmId), customer.id);
        void pm;
      }
      applyUpdates(ctx, customer);
      emit(ctx, 'customer.created', customer);
      return customer;
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:id',
    handler: (ctx) => {
      const found = ctx.account.data.customers[ctx.params.id];
      if (found?._deleted) return { id: found.id, object: 'customer', deleted: true };
      return getObject(ctx.account, 'customers', ctx.params.id, 'customer');
    },
  },
  {
    method: 'POST',
    path: '/v1/customers/:id',
    handler: (ctx) => {
      allowOnly(
        ctx.body,
        FIELDS.filter((f) => f !== 'test_clock' && f !== 'payment_method'),
      );
      const customer = getObject(ctx.account, 'customers', ctx.params.id, 'customer');
      const before = clone(customer);
      applyUpdates(ctx, customer);
      const previous = diff(before, customer);
      if (Object.keys(previous).length) emit(ctx, 'customer.updated', customer, previous);
      return customer;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/customers/:id',
    handler: (ctx) => {
      const customer = getObject(ctx.account, 'customers', ctx.params.id, 'customer');
      if (customer._deleted) throw invalidRequest(`No such customer: '${customer.id}'`, 'id', 'resource_missing');
      // Stripe cancels the customer's subscriptions when the customer is deleted.
      for (const sub of [...objectsOf(ctx.account, 'subscriptions')] as any[]) {
        if (sub.customer === customer.id && sub.status !== 'canceled') {
          sub.status = 'canceled';
          sub.canceled_at = sub.ended_at = nowSeconds();
          emit(ctx, 'customer.subscription.deleted', sub);
        }
      }
      customer._deleted = true;
      emit(ctx, 'customer.deleted', customer);
      return { id: customer.id, object: 'customer', deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/customers',
    filters: Object.keys(CUSTOMER_FILTERS),
    handler: (ctx) => {
      const items = objectsOf(ctx.account, 'customers').filter((c: any) => !c._deleted);
      return filteredList(ctx.query, items, '/v1/customers', CUSTOMER_FILTERS);
    },
  },
];
