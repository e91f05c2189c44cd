import type Stripe from 'stripe';
import { fromStripeError, PaymentError } from '../errors';

// Discounts are Stripe's: the shopper names a code, Stripe says whether it is valid and what it takes off.

/** The active promotion code a shopper typed, or a refusal in words. */
export async function findPromotionCode(stripe: Stripe, code: string): Promise<{ id: string; code: string }> {
  let found: Stripe.PromotionCode | undefined;
  try {
    found = (await stripe.promotionCodes.list({ code, active: true, limit: 1 })).data[0];
  } catch (error) {
    throw fromStripeError(error);
  }
  if (!found)
    throw new PaymentError('VALIDATION', `The code ${code} is not valid or has expired.`, {
      promotionCode: 'Not valid.',
    });
  return { id: found.id, code: found.code };
}

const idOf = (value: unknown): string | null =>
  typeof value === 'string' ? value : value && typeof value === 'object' && 'id' in value ? String(value.id) : null;

/** What a Checkout Session says its discount is: minor units off, and the coupon and promotion code applied. */
export function discountOfSession(session: {
  total_details?: { amount_discount?: number | null } | null;
  discounts?: Array<{ coupon?: unknown; promotion_code?: unknown }> | null;
}): { amount_discount?: number; discount_coupon?: string | null; discount_promotion_code?: string | null } {
  const amount = Number(session.total_details?.amount_discount ?? 0);
  if (!Number.isInteger(amount) || amount <= 0) return {};
  const applied = session.discounts?.[0];
  return {
    amount_discount: amount,
    discount_coupon: idOf(applied?.coupon),
    discount_promotion_code: idOf(applied?.promotion_code),
  };
}
