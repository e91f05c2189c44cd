import { type Ctx, getObject } from '../context';
import { metadata, str } from '../params';
import { resolvePaymentMethod } from './payment-methods';

/**
 * What updating a PaymentIntent and a SetupIntent (POST /v1/payment_intents/:id, /v1/setup_intents/:id) does
 * alike: a new customer, a new payment method (the intent then waits for confirmation), the description and
 * the metadata (merged; an empty value removes a key).
 */
export function updateIntentFields(ctx: Ctx, intent: any): void {
  const customer = str(ctx.body, 'customer');
  if (customer) intent.customer = getObject(ctx.account, 'customers', customer, 'customer', 'customer').id;
  const pmId = str(ctx.body, 'payment_method');
  if (pmId) {
    intent.payment_method = resolvePaymentMethod(ctx.account, pmId).id;
    intent.status = 'requires_confirmation';
  }
  const description = str(ctx.body, 'description');
  if (description !== undefined) intent.description = description;
  intent.metadata = metadata(ctx.body, intent.metadata);
}
