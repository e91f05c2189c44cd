import { tryParseMoney } from '@tillflow/core/money';
import type Stripe from 'stripe';
import { amountProblem, formatMinorUnits, isSupportedCurrency } from './currencies';
import { fromStripeError, PaymentError } from './errors';
import type { PaymentServices } from './stripe-accounts';

// The project's product catalog and discounts, read from and written to its Stripe account (the sandbox or
// real Stripe, through the same SDK calls), so what the Stripe Dashboard changes shows here and the other way
// round. Amounts come in as a person types them in the currency's major units ("9.50") and are stored at
// Stripe in minor units; they go back out as both.

export type Interval = 'day' | 'week' | 'month' | 'year';

export interface CatalogPrice {
  id: string;
  currency: string;
  /** Minor units. */
  amount: number;
  /** "$9.50 / month", "$120.00 once". */
  display: string;
  interval: Interval | null;
  intervalCount: number;
  trialDays: number | null;
  taxBehavior: string | null;
}

export interface CatalogProduct {
  id: string;
  name: string;
  description: string | null;
  image: string | null;
  prices: CatalogPrice[];
}

async function stripeOf(services: PaymentServices, projectId: number): Promise<Stripe> {
  return (await services.stripeAccounts.forProject(services.database.db, projectId)).stripe;
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof PaymentError) throw error;
    throw fromStripeError(error);
  }
}

/** Where a price keeps the free trial the builder gave it (see priceParams). */
export const TRIAL_DAYS_KEY = 'tillflow_trial_days';

export function trialDaysOf(price: Pick<Stripe.Price, 'metadata' | 'recurring'>): number | null {
  const days = Number(price.metadata?.[TRIAL_DAYS_KEY]);
  if (price.recurring && Number.isInteger(days) && days > 0) return days;
  return price.recurring?.trial_period_days ?? null;
}

function every(interval: Interval, count: number): string {
  return count > 1 ? `every ${count} ${interval}s` : `/ ${interval}`;
}

function toPrice(p: Stripe.Price): CatalogPrice {
  const amount = p.unit_amount ?? 0;
  const interval = (p.recurring?.interval as Interval | undefined) ?? null;
  const count = p.recurring?.interval_count ?? 1;
  return {
    id: p.id,
    currency: p.currency,
    amount,
    display: `${formatMinorUnits(amount, p.currency)} ${interval ? every(interval, count) : 'once'}`,
    interval,
    intervalCount: count,
    trialDays: trialDaysOf(p),
    taxBehavior: p.tax_behavior ?? null,
  };
}

/** Active products with their active prices, newest first (archived ones are left out, as in the Dashboard). */
export async function listCatalog(services: PaymentServices, projectId: number): Promise<CatalogProduct[]> {
  const stripe = await stripeOf(services, projectId);
  return call(async () => {
    const products = await stripe.products.list({ active: true, limit: 100 });
    const prices = await stripe.prices.list({ active: true, limit: 100 });
    return products.data.map((product) => ({
      id: product.id,
      name: product.name,
      description: product.description ?? null,
      image: product.images?.[0] ?? null,
      prices: prices.data.filter((p) => p.product === product.id).map(toPrice),
    }));
  });
}

function parseAmount(text: string, currency: string, field = 'amount'): number {
  const parsed = tryParseMoney(text, currency);
  if (!parsed.ok) throw new PaymentError('VALIDATION', parsed.message, { [field]: parsed.message });
  const problem = amountProblem(parsed.amount, currency);
  if (problem) throw new PaymentError('VALIDATION', problem, { [field]: problem });
  return parsed.amount;
}

function checkCurrency(currency: string): string {
  const c = currency.trim().toLowerCase();
  if (!isSupportedCurrency(c))
    throw new PaymentError('VALIDATION', `"${currency}" is not a currency Stripe supports.`, {
      currency: 'Pick a currency such as USD or EUR.',
    });
  return c;
}

export interface NewPriceInput {
  /** Major units as typed ("9.50"). */
  amount: string;
  currency: string;
  /** null: a one-time price. */
  interval: Interval | null;
  intervalCount?: number;
  trialDays?: number | null;
  taxBehavior?: 'inclusive' | 'exclusive' | 'unspecified';
}

function priceParams(input: NewPriceInput): Omit<Stripe.PriceCreateParams, 'product'> {
  const currency = checkCurrency(input.currency);
  const params: Omit<Stripe.PriceCreateParams, 'product'> = {
    currency,
    unit_amount: parseAmount(input.amount, currency),
    tax_behavior: input.taxBehavior ?? 'unspecified',
  };
  if (input.interval) {
    const count = input.intervalCount ?? 1;
    if (!Number.isInteger(count) || count < 1 || count > 12)
      throw new PaymentError('VALIDATION', 'Bill every 1 to 12 periods.', { intervalCount: 'From 1 to 12.' });
    const trial = input.trialDays ?? null;
    if (trial !== null && (!Number.isInteger(trial) || trial < 1 || trial > 730))
      throw new PaymentError('VALIDATION', 'A free trial lasts 1 to 730 days.', { trialDays: 'From 1 to 730 days.' });
    params.recurring = { interval: input.interval, interval_count: count };
    // Stripe takes a trial per subscription, not per price: the price carries it in its metadata and the
    // checkout of a subscription to it asks for it (subscription_data.trial_period_days).
    if (trial !== null) params.metadata = { [TRIAL_DAYS_KEY]: String(trial) };
  } else if (input.trialDays) {
    throw new PaymentError('VALIDATION', 'Only a recurring price can have a free trial.', {
      trialDays: 'Only for recurring prices.',
    });
  }
  return params;
}

/** A product with its first price (what the builder fills in one form). */
export async function createCatalogProduct(
  services: PaymentServices,
  projectId: number,
  input: { name: string; description?: string | null; image?: string | null; price: NewPriceInput },
): Promise<CatalogProduct> {
  const name = input.name.trim();
  if (!name) throw new PaymentError('VALIDATION', 'Give the product a name.', { name: 'Required.' });
  const image = input.image?.trim() || null;
  if (image && !/^https:\/\//.test(image))
    throw new PaymentError('VALIDATION', 'The picture must be a web address starting with https://.', {
      image: 'Starts with https://.',
    });
  const price = priceParams(input.price);
  const stripe = await stripeOf(services, projectId);
  return call(async () => {
    const product = await stripe.products.create({
      name,
      ...(input.description?.trim() ? { description: input.description.trim() } : {}),
      ...(image ? { images: [image] } : {}),
    });
    const created = await stripe.prices.create({ ...price, product: product.id });
    return {
      id: product.id,
      name: product.name,
      description: product.description ?? null,
      image: product.images?.[0] ?? null,
      prices: [toPrice(created)],
    };
  });
}

export async function addCatalogPrice(
  services: PaymentServices,
  projectId: number,
  input: { productId: string; price: NewPriceInput },
): Promise<CatalogPrice> {
  const price = priceParams(input.price);
  const stripe = await stripeOf(services, projectId);
  return call(async () => toPrice(await stripe.prices.create({ ...price, product: input.productId })));
}

export async function updateCatalogProduct(
  services: PaymentServices,
  projectId: number,
  input: { productId: string; name: string; description?: string | null },
): Promise<void> {
  const name = input.name.trim();
  if (!name) throw new PaymentError('VALIDATION', 'Give the product a name.', { name: 'Required.' });
  const stripe = await stripeOf(services, projectId);
  await call(() => stripe.products.update(input.productId, { name, description: input.description?.trim() || '' }));
}

/** Archives a product and its prices (Stripe keeps them for past payments; new checkouts cannot use them). */
export async function archiveCatalogProduct(
  services: PaymentServices,
  projectId: number,
  productId: string,
): Promise<void> {
  const stripe = await stripeOf(services, projectId);
  await call(async () => {
    const prices = await stripe.prices.list({ product: productId, active: true, limit: 100 });
    for (const p of prices.data) await stripe.prices.update(p.id, { active: false });
    await stripe.products.update(productId, { active: false });
  });
}

export async function archiveCatalogPrice(services: PaymentServices, projectId: number, priceId: string) {
  const stripe = await stripeOf(services, projectId);
  await call(() => stripe.prices.update(priceId, { active: false }));
}

export interface CatalogCoupon {
  id: string;
  name: string | null;
  /** "25% off", "$5.00 off". */
  offDisplay: string;
  /** "once", "for 3 months", "forever". */
  durationDisplay: string;
  timesRedeemed: number;
  valid: boolean;
  codes: { id: string; code: string; active: boolean; timesRedeemed: number }[];
}

function couponOf(c: Stripe.Coupon, codes: Stripe.PromotionCode[]): CatalogCoupon {
  const off =
    c.percent_off !== null
      ? `${c.percent_off}% off`
      : `${formatMinorUnits(c.amount_off ?? 0, c.currency ?? 'usd')} off`;
  const duration =
    c.duration === 'repeating'
      ? `for ${c.duration_in_months} month${c.duration_in_months === 1 ? '' : 's'}`
      : c.duration === 'once'
        ? 'once'
        : 'forever';
  return {
    id: c.id,
    name: c.name ?? null,
    offDisplay: off,
    durationDisplay: duration,
    timesRedeemed: c.times_redeemed,
    valid: c.valid,
    codes: codes
      .filter((p) => couponIdOf(p) === c.id)
      .map((p) => ({ id: p.id, code: p.code, active: p.active, timesRedeemed: p.times_redeemed })),
  };
}

/** The coupon a promotion code names (under `promotion` since 2025-09-30, `coupon` before). */
function couponIdOf(p: Stripe.PromotionCode): string | null {
  const promotion = (p as unknown as { promotion?: { coupon?: string | { id: string } } }).promotion;
  const legacy = (p as unknown as { coupon?: string | { id: string } }).coupon;
  const c = promotion?.coupon ?? legacy;
  return typeof c === 'string' ? c : (c?.id ?? null);
}

export async function listCoupons(services: PaymentServices, projectId: number): Promise<CatalogCoupon[]> {
  const stripe = await stripeOf(services, projectId);
  return call(async () => {
    const [coupons, codes] = await Promise.all([
      stripe.coupons.list({ limit: 100 }),
      stripe.promotionCodes.list({ limit: 100 }),
    ]);
    return coupons.data.map((c) => couponOf(c, codes.data));
  });
}

export interface NewCouponInput {
  name?: string | null;
  /** Either a percentage ("25") … */
  percentOff?: string | null;
  /** … or an amount in major units ("5.00") of `currency`. */
  amountOff?: string | null;
  currency?: string | null;
  duration: 'once' | 'repeating' | 'forever';
  durationInMonths?: number | null;
  /** A code shoppers type (e.g. SPRING25); optional. */
  code?: string | null;
}

export async function createCoupon(
  services: PaymentServices,
  projectId: number,
  input: NewCouponInput,
): Promise<CatalogCoupon> {
  const percentText = input.percentOff?.trim() || '';
  const amountText = input.amountOff?.trim() || '';
  if (!percentText === !amountText)
    throw new PaymentError('VALIDATION', 'Give either a percentage or an amount off.', {
      percentOff: 'A percentage or an amount.',
    });
  const params: Stripe.CouponCreateParams = { duration: input.duration };
  if (input.name?.trim()) params.name = input.name.trim();
  if (percentText) {
    const percent = Number(percentText.replace(/%$/, ''));
    if (!Number.isFinite(percent) || percent <= 0 || percent > 100)
      throw new PaymentError('VALIDATION', 'The percentage is more than 0 and at most 100.', {
        percentOff: 'From 0.01 to 100.',
      });
    params.percent_off = percent;
  } else {
    const currency = checkCurrency(input.currency ?? '');
    const parsed = tryParseMoney(amountText, currency);
    if (!parsed.ok) throw new PaymentError('VALIDATION', parsed.message, { amountOff: parsed.message });
    if (parsed.amount <= 0)
      throw new PaymentError('VALIDATION', 'The amount off is more than zero.', { amountOff: 'More than zero.' });
    params.amount_off = parsed.amount;
    params.currency = currency;
  }
  if (input.duration === 'repeating') {
    const months = input.durationInMonths ?? 0;
    if (!Number.isInteger(months) || months < 1 || months > 36)
      throw new PaymentError('VALIDATION', 'A repeating discount lasts 1 to 36 months.', {
        durationInMonths: 'From 1 to 36.',
      });
    params.duration_in_months = months;
  }
  const code = input.code?.trim().toUpperCase() || null;
  if (code && !/^[A-Z0-9_-]{3,40}$/.test(code))
    throw new PaymentError('VALIDATION', 'A code has 3 to 40 letters, digits, - or _.', { code: 'Like SPRING25.' });
  const stripe = await stripeOf(services, projectId);
  return call(async () => {
    const coupon = await stripe.coupons.create(params);
    const codes = code
      ? [await stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: coupon.id }, code })]
      : [];
    return couponOf(coupon, codes);
  });
}

export async function addPromotionCode(
  services: PaymentServices,
  projectId: number,
  input: { couponId: string; code: string },
): Promise<void> {
  const code = input.code.trim().toUpperCase();
  if (!/^[A-Z0-9_-]{3,40}$/.test(code))
    throw new PaymentError('VALIDATION', 'A code has 3 to 40 letters, digits, - or _.', { code: 'Like SPRING25.' });
  const stripe = await stripeOf(services, projectId);
  await call(() => stripe.promotionCodes.create({ promotion: { type: 'coupon', coupon: input.couponId }, code }));
}

export async function deleteCoupon(services: PaymentServices, projectId: number, couponId: string): Promise<void> {
  const stripe = await stripeOf(services, projectId);
  await call(() => stripe.coupons.del(couponId));
}
