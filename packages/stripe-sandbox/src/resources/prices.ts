import { clone, diff, emit, getObject, putObject, type Route } from '../context';
import { invalidRequest } from '../errors';
import { type FormObject, pathOf } from '../form-decode';
import { newId, nowSeconds } from '../ids';
import { allowOnly, bool, currency, int, metadata, nullableStr, obj, oneOf, str } from '../params';
import { created, equals, filteredList, flag, type ListFilter, type ListFilters, oneOfList } from '../render';
import { type Account, objectsOf } from '../store';
import { createProduct } from './products';

const FIELDS = [
  'currency',
  'unit_amount',
  'unit_amount_decimal',
  'product',
  'product_data',
  'recurring',
  'nickname',
  'lookup_key',
  'metadata',
  'active',
  'tax_behavior',
  'billing_scheme',
  'transfer_lookup_key',
];
const INTERVALS = ['day', 'week', 'month', 'year'] as const;

/** `recurring[interval]=month&recurring[usage_type]=licensed`: only recurring prices that match. */
const recurringFilter: ListFilter = (query, name) => {
  const given = obj(query, name) ?? {};
  const interval = oneOf(given, 'interval', INTERVALS);
  const usage = oneOf(given, 'usage_type', ['licensed', 'metered'] as const);
  const meter = str(given, 'meter');
  return (p) =>
    Boolean(p.recurring) &&
    (!interval || p.recurring.interval === interval) &&
    (!usage || p.recurring.usage_type === usage) &&
    (!meter || p.recurring.meter === meter);
};

const PRICE_FILTERS: ListFilters = {
  active: flag((p) => p.active),
  created,
  currency: (query, name) => {
    const want = str(query, name)?.toLowerCase();
    return (p) => p.currency === want;
  },
  lookup_keys: oneOfList((p) => p.lookup_key),
  product: equals((p) => p.product),
  recurring: recurringFilter,
  type: equals((p) => p.type),
};

/** Creates a price; `prefix` names the parameter path in errors (e.g. `line_items[0][price_data]`). */
export function createPrice(account: Account, body: FormObject, prefix = pathOf(body)): any {
  const p = (name: string) => (prefix ? `${prefix}[${name}]` : name);
  const cur = currency(body);
  const unitAmount = int(body, 'unit_amount', { min: 0 });
  if (unitAmount === undefined)
    throw invalidRequest(`Missing required param: ${p('unit_amount')}.`, p('unit_amount'), 'parameter_missing');
  let productId = str(body, 'product');
  const productData = obj(body, 'product_data');
  if (!productId && !productData)
    throw invalidRequest(`Missing required param: ${p('product')}.`, p('product'), 'parameter_missing');
  if (productId) getObject(account, 'products', productId, 'product', p('product'));
  else productId = createProduct(account, productData!).id;
  const recurringParams = obj(body, 'recurring');
  let recurring = null;
  if (recurringParams) {
    const interval = oneOf(recurringParams, 'interval', INTERVALS, true)!;
    const count = int(recurringParams, 'interval_count', { min: 1 }) ?? 1;
    recurring = { interval, interval_count: count, meter: null, trial_period_days: null, usage_type: 'licensed' };
  }
  const lookupKey = str(body, 'lookup_key') ?? null;
  if (lookupKey) {
    const existing = objectsOf(account, 'prices').find((x: any) => x.lookup_key === lookupKey);
    if (existing) {
      if (bool(body, 'transfer_lookup_key')) existing.lookup_key = null;
      else throw invalidRequest(`A price (\`${existing.id}\`) already uses that lookup key.`, p('lookup_key'));
    }
  }
  return putObject(account, 'prices', {
    id: newId('price', 24),
    object: 'price',
    active: bool(body, 'active') ?? true,
    billing_scheme: 'per_unit',
    created: nowSeconds(),
    currency: cur,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: lookupKey,
    metadata: metadata(body),
    nickname: str(body, 'nickname') ?? null,
    product: productId,
    recurring,
    tax_behavior: str(body, 'tax_behavior') ?? 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: recurring ? 'recurring' : 'one_time',
    unit_amount: unitAmount,
    unit_amount_decimal: String(unitAmount),
  });
}

export const priceRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/prices',
    handler: (ctx) => {
      allowOnly(ctx.body, FIELDS);
      const price = createPrice(ctx.account, ctx.body);
      emit(ctx, 'price.created', price);
      return price;
    },
  },
  {
    method: 'GET',
    path: '/v1/prices/:id',
    handler: (ctx) => getObject(ctx.account, 'prices', ctx.params.id, 'price'),
  },
  {
    method: 'POST',
    path: '/v1/prices/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['active', 'metadata', 'nickname', 'lookup_key', 'tax_behavior', 'transfer_lookup_key']);
      const price = getObject(ctx.account, 'prices', ctx.params.id, 'price');
      const before = clone(price);
      const active = bool(ctx.body, 'active');
      if (active !== undefined) price.active = active;
      for (const field of ['nickname', 'lookup_key'] as const) {
        const v = nullableStr(ctx.body, field);
        if (v !== undefined) price[field] = v;
      }
      price.metadata = metadata(ctx.body, price.metadata);
      emit(ctx, 'price.updated', price, diff(before, price));
      return price;
    },
  },
  {
    method: 'GET',
    path: '/v1/prices',
    filters: Object.keys(PRICE_FILTERS),
    handler: (ctx) => filteredList(ctx.query, objectsOf(ctx.account, 'prices'), '/v1/prices', PRICE_FILTERS),
  },
];
