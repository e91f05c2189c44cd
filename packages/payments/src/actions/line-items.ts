import type Stripe from 'stripe';
import { z } from 'zod';
import { amountProblem, formatMinorUnits } from '../currencies';
import { fromStripeError, PaymentError } from '../errors';
import type { Charge } from './charge';

// Selling catalog prices: the request names Stripe prices and quantities, and the server reads each price
// from the project's own Stripe account; what one costs is Stripe's, never the request's.

export const lineItemsInput = z
  .array(
    z.object({
      price: z.string().trim().min(1, 'Name a price.').max(200),
      quantity: z.number().int('A quantity is a whole number.').min(1, 'A quantity is at least 1.').max(999).default(1),
    }),
  )
  .min(1, 'Name at least one item.')
  .max(20, 'One checkout sells at most 20 items.');

/** One item as the payment row records it (minor units). */
export interface SoldItem {
  price: string;
  quantity: number;
  name: string;
  unitAmount: number;
  currency: string;
}

const refuse = (message: string): never => {
  throw new PaymentError('VALIDATION', message, { items: message });
};

async function retrieve(stripe: Stripe, id: string): Promise<Stripe.Price> {
  try {
    return await stripe.prices.retrieve(id, { expand: ['product'] });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'resource_missing') return refuse(`The price ${id} is not in this shop’s catalog.`);
    throw fromStripeError(error);
  }
}

/**
 * Reads each named price from the project's Stripe account and totals the order. An archived price or product,
 * a price of another account, a recurring price, one without a fixed amount, or items in different currencies
 * are refused in words.
 */
export async function priceLineItems(
  stripe: Stripe,
  items: z.output<typeof lineItemsInput>,
): Promise<{ items: SoldItem[]; charge: Charge }> {
  const sold: SoldItem[] = [];
  for (const item of items) {
    const price = await retrieve(stripe, item.price);
    const product = typeof price.product === 'object' ? (price.product as Stripe.Product) : null;
    const name = product && !('deleted' in product && product.deleted) ? product.name : item.price;
    if (!price.active || (product && product.active === false))
      refuse(`“${name}” is no longer sold: its price was archived.`);
    if (price.type === 'recurring' || price.recurring)
      refuse(`“${name}” is a subscription price; start a subscription for it instead of a one-time payment.`);
    if (price.unit_amount === null || price.unit_amount === undefined)
      refuse(`“${name}” has no fixed amount, so it cannot be sold here.`);
    sold.push({
      price: price.id,
      quantity: item.quantity,
      name,
      unitAmount: Number(price.unit_amount),
      currency: price.currency.toLowerCase(),
    });
  }
  const currency = sold[0].currency;
  const other = sold.find((s) => s.currency !== currency);
  if (other)
    refuse(
      `All items of one checkout are in one currency: “${sold[0].name}” is in ${currency.toUpperCase()}, “${other.name}” in ${other.currency.toUpperCase()}.`,
    );
  const amount = sold.reduce((sum, s) => sum + s.unitAmount * s.quantity, 0);
  const problem = amountProblem(amount, currency);
  if (problem) refuse(`These items come to ${formatMinorUnits(amount, currency)}: ${problem}`);
  return { items: sold, charge: { amount, currency } };
}
