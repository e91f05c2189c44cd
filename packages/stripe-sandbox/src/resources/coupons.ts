import { type Ctx, clone, diff, emit, getObject, putObject, type Route } from '../context';
import { invalidRequest, unexpectedState } from '../errors';
import type { FormObject } from '../form-decode';
import { newId, nowSeconds, randomToken } from '../ids';
import { allowOnly, bool, currency, int, metadata, nullableStr, obj, oneOf, str } from '../params';
import { created, equals, filteredList, flag } from '../render';
import { type Account, objectsOf } from '../store';

/** Whether a coupon can still be redeemed (not past redeem_by, not used up). */
export function couponValid(coupon: any, now = nowSeconds()): boolean {
  if (coupon._deleted) return false;
  if (coupon.redeem_by && now > coupon.redeem_by) return false;
  if (coupon.max_redemptions !== null && coupon.times_redeemed >= coupon.max_redemptions) return false;
  return true;
}

function refreshValid(coupon: any): any {
  coupon.valid = couponValid(coupon);
  return coupon;
}

/** The discount a coupon takes off `amount` (minor units) in `cur`; never more than the amount. */
export function discountOn(coupon: any, amount: number, cur: string): number {
  if (coupon.percent_off !== null) return Math.min(amount, Math.round((amount * coupon.percent_off) / 100));
  if (coupon.amount_off !== null && coupon.currency === cur) return Math.min(amount, coupon.amount_off);
  return 0;
}

/**
 * Resolves `discounts[i]` (`{coupon}` or `{promotion_code}`) to a redeemable coupon, with Stripe's errors
 * on the full bracketed parameter.
 */
export function resolveDiscount(
  account: Account,
  entry: FormObject,
  param: string,
): { coupon: any; promotionCode: any | null } {
  const promoId = str(entry, 'promotion_code');
  const couponId = str(entry, 'coupon');
  if (promoId && couponId)
    throw invalidRequest('You may only specify one of: coupon, promotion_code.', `${param}[promotion_code]`);
  if (promoId) {
    const promo = getObject(account, 'promotion_codes', promoId, 'promotion code', `${param}[promotion_code]`);
    if (!promo.active || (promo.expires_at && nowSeconds() > promo.expires_at))
      throw invalidRequest(`This promotion code is inactive.`, `${param}[promotion_code]`, 'promotion_code_inactive');
    if (promo.max_redemptions !== null && promo.times_redeemed >= promo.max_redemptions)
      throw invalidRequest('This promotion code has been used up.', `${param}[promotion_code]`);
    const coupon = account.data.coupons[promo.promotion.coupon];
    if (!coupon || !couponValid(coupon))
      throw invalidRequest('This coupon is no longer valid.', `${param}[promotion_code]`);
    return { coupon, promotionCode: promo };
  }
  if (!couponId)
    throw invalidRequest(`Missing required param: ${param}[coupon].`, `${param}[coupon]`, 'parameter_missing');
  const coupon = getObject(account, 'coupons', couponId, 'coupon', `${param}[coupon]`);
  if (!couponValid(coupon)) throw invalidRequest(`Coupon expired: ${coupon.id}`, `${param}[coupon]`, 'coupon_expired');
  return { coupon, promotionCode: null };
}

/** Counts a redemption (when the checkout or subscription using it completes). */
export function redeem(ctx: Ctx, couponId: string, promotionCodeId: string | null): void {
  const coupon = ctx.account.data.coupons[couponId];
  if (coupon) {
    coupon.times_redeemed += 1;
    refreshValid(coupon);
  }
  const promo = promotionCodeId ? ctx.account.data.promotion_codes[promotionCodeId] : null;
  if (promo) {
    promo.times_redeemed += 1;
    if (promo.max_redemptions !== null && promo.times_redeemed >= promo.max_redemptions) promo.active = false;
  }
}

export const couponRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/coupons',
    handler: (ctx) => {
      allowOnly(ctx.body, [
        'id',
        'name',
        'percent_off',
        'amount_off',
        'currency',
        'duration',
        'duration_in_months',
        'max_redemptions',
        'redeem_by',
        'metadata',
        'applies_to',
      ]);
      const id = str(ctx.body, 'id') ?? randomToken(8);
      if (ctx.account.data.coupons[id] && !ctx.account.data.coupons[id]._deleted)
        throw invalidRequest('Coupon already exists.', 'id', 'resource_already_exists');
      const percentRaw = str(ctx.body, 'percent_off');
      const percentOff = percentRaw === undefined ? null : Number(percentRaw);
      if (percentOff !== null && (!Number.isFinite(percentOff) || percentOff <= 0 || percentOff > 100))
        throw invalidRequest('percent_off must be greater than 0 and at most 100.', 'percent_off');
      const amountOff = int(ctx.body, 'amount_off', { min: 1 }) ?? null;
      if ((percentOff === null) === (amountOff === null))
        throw invalidRequest('You must pass exactly one of percent_off or amount_off.', 'percent_off');
      const cur = amountOff !== null ? currency(ctx.body) : null;
      const duration = oneOf(ctx.body, 'duration', ['once', 'repeating', 'forever'] as const) ?? 'once';
      const months = int(ctx.body, 'duration_in_months', { min: 1 }) ?? null;
      if (duration === 'repeating' && months === null)
        throw invalidRequest('Missing required param: duration_in_months.', 'duration_in_months', 'parameter_missing');
      const coupon = putObject(ctx.account, 'coupons', {
        id,
        object: 'coupon',
        amount_off: amountOff,
        created: nowSeconds(),
        currency: cur,
        duration,
        duration_in_months: duration === 'repeating' ? months : null,
        livemode: false,
        max_redemptions: int(ctx.body, 'max_redemptions', { min: 1 }) ?? null,
        metadata: metadata(ctx.body),
        name: str(ctx.body, 'name') ?? null,
        percent_off: percentOff,
        redeem_by: int(ctx.body, 'redeem_by') ?? null,
        times_redeemed: 0,
        valid: true,
      });
      refreshValid(coupon);
      emit(ctx, 'coupon.created', coupon);
      return coupon;
    },
  },
  {
    method: 'GET',
    path: '/v1/coupons/:id',
    handler: (ctx) => refreshValid(getObject(ctx.account, 'coupons', ctx.params.id, 'coupon')),
  },
  {
    method: 'POST',
    path: '/v1/coupons/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['name', 'metadata']);
      const coupon = getObject(ctx.account, 'coupons', ctx.params.id, 'coupon');
      const before = clone(coupon);
      const name = nullableStr(ctx.body, 'name');
      if (name !== undefined) coupon.name = name;
      coupon.metadata = metadata(ctx.body, coupon.metadata);
      emit(ctx, 'coupon.updated', coupon, diff(before, coupon));
      return coupon;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/coupons/:id',
    handler: (ctx) => {
      const coupon = getObject(ctx.account, 'coupons', ctx.params.id, 'coupon');
      coupon._deleted = true;
      coupon.valid = false;
      emit(ctx, 'coupon.deleted', coupon);
      return { id: coupon.id, object: 'coupon', deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/coupons',
    filters: ['created'],
    handler: (ctx) =>
      filteredList(
        ctx.query,
        objectsOf(ctx.account, 'coupons')
          .filter((c: any) => !c._deleted)
          .map(refreshValid),
        '/v1/coupons',
        { created },
      ),
  },
  {
    method: 'POST',
    path: '/v1/promotion_codes',
    handler: (ctx) => {
      allowOnly(ctx.body, [
        'promotion',
        'coupon',
        'code',
        'active',
        'customer',
        'expires_at',
        'max_redemptions',
        'metadata',
        'restrictions',
      ]);
      // The SDK's API version names the coupon under `promotion`; older versions send `coupon`.
      const promotion = obj(ctx.body, 'promotion');
      const couponParam = promotion ? 'promotion[coupon]' : 'coupon';
      const couponId = promotion ? str(promotion, 'coupon') : str(ctx.body, 'coupon');
      if (!couponId) throw invalidRequest(`Missing required param: ${couponParam}.`, couponParam, 'parameter_missing');
      const coupon = getObject(ctx.account, 'coupons', couponId, 'coupon', couponParam);
      const code = (str(ctx.body, 'code') ?? randomToken(8)).toUpperCase();
      if (!/^[A-Z0-9_-]{1,500}$/i.test(code)) throw invalidRequest('Invalid code.', 'code');
      const taken = objectsOf(ctx.account, 'promotion_codes').some(
        (p: any) => p.active && p.code.toUpperCase() === code,
      );
      if (taken) throw invalidRequest('An active promotion code with this code already exists.', 'code');
      const customer = str(ctx.body, 'customer');
      if (customer) getObject(ctx.account, 'customers', customer, 'customer', 'customer');
      const restrictions = obj(ctx.body, 'restrictions') ?? {};
      const promo = putObject(ctx.account, 'promotion_codes', {
        id: newId('promo', 24),
        object: 'promotion_code',
        active: bool(ctx.body, 'active') ?? true,
        code,
        created: nowSeconds(),
        customer: customer ?? null,
        customer_account: null,
        expires_at: int(ctx.body, 'expires_at') ?? null,
        livemode: false,
        max_redemptions: int(ctx.body, 'max_redemptions', { min: 1 }) ?? null,
        metadata: metadata(ctx.body),
        promotion: { coupon: coupon.id, type: 'coupon' },
        restrictions: {
          currency_options: {},
          first_time_transaction: bool(restrictions, 'first_time_transaction') ?? false,
          minimum_amount: int(restrictions, 'minimum_amount', { min: 0 }) ?? null,
          minimum_amount_currency: str(restrictions, 'minimum_amount_currency') ?? null,
        },
        times_redeemed: 0,
      });
      emit(ctx, 'promotion_code.created', promo);
      return promo;
    },
  },
  {
    method: 'GET',
    path: '/v1/promotion_codes/:id',
    handler: (ctx) => getObject(ctx.account, 'promotion_codes', ctx.params.id, 'promotion code'),
  },
  {
    method: 'POST',
    path: '/v1/promotion_codes/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, ['active', 'metadata', 'restrictions']);
      const promo = getObject(ctx.account, 'promotion_codes', ctx.params.id, 'promotion code');
      const before = clone(promo);
      const active = bool(ctx.body, 'active');
      if (
        active === true &&
        !before.active &&
        promo.max_redemptions !== null &&
        promo.times_redeemed >= promo.max_redemptions
      )
        throw unexpectedState('This promotion code has been used up and cannot be reactivated.');
      if (active !== undefined) promo.active = active;
      promo.metadata = metadata(ctx.body, promo.metadata);
      emit(ctx, 'promotion_code.updated', promo, diff(before, promo));
      return promo;
    },
  },
  {
    method: 'GET',
    path: '/v1/promotion_codes',
    filters: ['active', 'code', 'coupon', 'created', 'customer'],
    handler: (ctx) =>
      filteredList(ctx.query, objectsOf(ctx.account, 'promotion_codes'), '/v1/promotion_codes', {
        active: flag((p) => p.active),
        code: (query, name) => {
          const code = str(query, name)?.toUpperCase();
          return (p) => p.code.toUpperCase() === code;
        },
        coupon: equals((p) => p.promotion.coupon),
        created,
        customer: equals((p) => p.customer),
      }),
  },
];

/**
 * A discount applied to a subscription (Stripe's `discount` object, the coupon named under `source`): it
 * ends after `duration_in_months` for a repeating coupon, after the first paid invoice for a `once` one.
 */
export function createSubscriptionDiscount(
  ctx: Ctx,
  sub: any,
  applied: { coupon: any; promotionCode: any | null },
  now: number,
  months: (start: number, count: number) => number,
): any {
  const { coupon, promotionCode } = applied;
  return putObject(ctx.account, 'discounts', {
    id: newId('di', 14),
    object: 'discount',
    checkout_session: sub._checkout_session ?? null,
    customer: sub.customer,
    customer_account: null,
    end: coupon.duration === 'repeating' ? months(now, coupon.duration_in_months) : null,
    invoice: null,
    invoice_item: null,
    promotion_code: promotionCode?.id ?? null,
    source: { coupon: coupon.id, type: 'coupon' },
    start: now,
    subscription: sub.id,
    subscription_item: null,
  });
}

/** `discounts[i]` parameters (`{coupon}` / `{promotion_code}`) resolved to redeemable coupons. */
export function discountsFromParams(account: Account, body: FormObject, name = 'discounts') {
  const raw = body[name];
  if (raw === undefined || raw === '') return raw === '' ? [] : undefined;
  const list = Array.isArray(raw) ? raw : typeof raw === 'object' ? Object.values(raw) : null;
  if (!list) throw invalidRequest(`Invalid array: ${name}`, name);
  return list.map((entry, i) => {
    if (typeof entry !== 'object' || Array.isArray(entry))
      throw invalidRequest(`Invalid ${name}[${i}]`, `${name}[${i}]`);
    return resolveDiscount(account, entry, `${name}[${i}]`);
  });
}

/** Finds an active promotion code by what a shopper types (case-insensitive). */
export function promotionCodeByCode(ctx: Ctx, code: string): any | undefined {
  const wanted = code.trim().toUpperCase();
  return objectsOf(ctx.account, 'promotion_codes').find((p: any) => p.active && p.code.toUpperCase() === wanted);
}

/**
 * Applies a coupon to a checkout session's amounts: the discount is spread over the line items in
 * proportion to their amounts (the last takes the rounding), recorded in `discounts` and `total_details`.
 */
export function applySessionDiscount(session: any, coupon: any, promotionCode: any | null): void {
  const lines: any[] = session._line_items;
  const subtotal = lines.reduce((s, l) => s + l.amount_subtotal, 0);
  const discount = discountOn(coupon, subtotal, session.currency);
  let left = discount;
  // Stripe's discount object (2026: the coupon named under `source`).
  const applied = {
    id: newId('di', 14),
    object: 'discount',
    checkout_session: session.id,
    customer: session.customer ?? null,
    customer_account: null,
    end: null,
    invoice: null,
    invoice_item: null,
    promotion_code: promotionCode?.id ?? null,
    source: { coupon: coupon.id, type: 'coupon' },
    start: nowSeconds(),
    subscription: null,
    subscription_item: null,
  };
  lines.forEach((line, i) => {
    const share = i === lines.length - 1 ? left : Math.floor((discount * line.amount_subtotal) / (subtotal || 1));
    left -= share;
    line.amount_discount = share;
    line.amount_total = line.amount_subtotal - share;
    line.discounts = [{ amount: share, discount: structuredClone(applied) }];
  });
  session.discounts = [{ coupon: coupon.id, promotion_code: promotionCode?.id ?? null }];
  session.amount_subtotal = subtotal;
  session.amount_total = subtotal - discount;
  session.total_details = { ...session.total_details, amount_discount: discount };
}
