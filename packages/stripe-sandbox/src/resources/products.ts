import { clone, diff, emit, getObject, putObject, type Route } from '../context';
import { invalidRequest } from '../errors';
import { type FormObject, setPath } from '../form-decode';
import { newId, nowSeconds } from '../ids';
import { allowOnly, bool, metadata, nullableStr, obj, str, strArray } from '../params';
import { created, equals, filteredList, flag, type ListFilters, oneOfList } from '../render';
import { type Account, objectsOf, removeObject } from '../store';
import { createPrice } from './prices';

const FIELDS = [
  'name',
  'description',
  'active',
  'metadata',
  'images',
  'url',
  'default_price_data',
  'statement_descriptor',
  'unit_label',
  'id',
  'tax_code',
  'shippable',
];

const PRODUCT_FILTERS: ListFilters = {
  active: flag((p) => p.active),
  created,
  ids: oneOfList((p) => p.id),
  shippable: flag((p) => p.shippable),
  url: equals((p) => p.url),
};

export function createProduct(account: Account, body: FormObject): any {
  const name = str(body, 'name', true);
  const id = str(body, 'id') ?? newId('prod', 14);
  if (account.data.products[id]) throw invalidRequest(`Product already exists.`, 'id', 'resource_already_exists');
  const now = nowSeconds();
  return putObject(account, 'products', {
    id,
    object: 'product',
    active: bool(body, 'active') ?? true,
    created: now,
    default_price: null,
    description: str(body, 'description') ?? null,
    images: strArray(body, 'images') ?? [],
    livemode: false,
    marketing_features: [],
    metadata: metadata(body),
    name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: str(body, 'statement_descriptor') ?? null,
    tax_code: null,
    tax_details: null,
    type: 'service',
    unit_label: str(body, 'unit_label') ?? null,
    updated: now,
    url: str(body, 'url') ?? null,
  });
}

export const productRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/products',
    handler: (ctx) => {
      allowOnly(ctx.body, FIELDS);
      const product = createProduct(ctx.account, ctx.body);
      emit(ctx, 'product.created', product);
      const priceData = obj(ctx.body, 'default_price_data');
      if (priceData) {
        const price = createPrice(ctx.account, setPath({ ...priceData, product: product.id }, 'default_price_data'));
        product.default_price = price.id;
        emit(ctx, 'price.created', price);
      }
      return product;
    },
  },
  {
    method: 'GET',
    path: '/v1/products/:id',
    handler: (ctx) => getObject(ctx.account, 'products', ctx.params.id, 'product'),
  },
  {
    method: 'POST',
    path: '/v1/products/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, FIELDS.filter((f) => f !== 'id' && f !== 'default_price_data').concat('default_price'));
      const product = getObject(ctx.account, 'products', ctx.params.id, 'product');
      const before = clone(product);
      const name = str(ctx.body, 'name');
      if (name) product.name = name;
      for (const field of ['description', 'url', 'statement_descriptor', 'unit_label'] as const) {
        const v = nullableStr(ctx.body, field);
        if (v !== undefined) product[field] = v;
      }
      const active = bool(ctx.body, 'active');
      if (active !== undefined) product.active = active;
      const images = strArray(ctx.body, 'images');
      if (images) product.images = images;
      const defaultPrice = str(ctx.body, 'default_price');
      if (defaultPrice)
        product.default_price = getObject(ctx.account, 'prices', defaultPrice, 'price', 'default_price').id;
      product.metadata = metadata(ctx.body, product.metadata);
      product.updated = nowSeconds();
      emit(ctx, 'product.updated', product, diff(before, product));
      return product;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/products/:id',
    handler: (ctx) => {
      const product = getObject(ctx.account, 'products', ctx.params.id, 'product');
      if (objectsOf(ctx.account, 'prices').some((p: any) => p.product === product.id)) {
        throw invalidRequest(
          'This product cannot be deleted because it has one or more user-created prices.',
          undefined,
          'product_has_prices',
        );
      }
      removeObject(ctx.account, 'products', product.id);
      emit(ctx, 'product.deleted', product);
      return { id: product.id, object: 'product', deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/products',
    filters: Object.keys(PRODUCT_FILTERS),
    handler: (ctx) => filteredList(ctx.query, objectsOf(ctx.account, 'products'), '/v1/products', PRODUCT_FILTERS),
  },
];
