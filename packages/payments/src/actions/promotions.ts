import type Stripe from 'stripe';

/**
 * Whether a shopper's checkout offers the Promotion code field: when the shop has an active promotion code on
 * its Stripe account (made under Payments → Discounts, or in the Stripe Dashboard). A code shoppers cannot have
 * would only be an empty field. What the code takes off is Stripe's to apply to the shop's own price.
 */
export async function shopHasPromotionCodes(stripe: Stripe): Promise<boolean> {
  const { data } = await stripe.promotionCodes.list({ active: true, limit: 1 });
  return data.length > 0;
}
