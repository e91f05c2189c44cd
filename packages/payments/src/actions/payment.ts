import { type Actor, BACKEND, insertRow, queryRows, updateRows } from '@tillflow/data-model';
import { z } from 'zod';
import { amountProblem } from '../currencies';
import { ensureStripeCustomer } from '../customers';
import { fromStripeError, PaymentError, parseInput } from '../errors';
import { allowedReturnOrigins, checkReturnUrl } from '../return-urls';
import { lockRow } from '../row-lock';
import type { PaymentServices } from '../stripe-accounts';
import { PAYMENT_TABLE } from '../system-tables';
import { type Charge, orderCharge, refuseChargeFields } from './charge';
import { endUserOf, loadOrderAs, prepareAction } from './context';
import { discountOfSession, findPromotionCode } from './discounts';
import { lineItemsInput, priceLineItems } from './line-items';
import { recordOrderTotal, sameItems } from './order-total';

export const createPaymentInput = z.object({
  orderId: z.number().int().positive(),
  /** Only for callers that may set the charge (a project API key, the studio); else the order's own amount. */
  currency: z.string().trim().length(3, 'Use a three-letter ISO currency code, e.g. usd.').optional(),
  amount: z.number().int('The amount is in minor units (e.g. cents) and must be a whole number.').optional(),
  method: z.enum(['checkout', 'payment_intent']).default('checkout'),
  successUrl: z.string().max(2000).optional(),
  cancelUrl: z.string().max(2000).optional(),
  /** Catalog prices and quantities; each price is read from the project's Stripe account, which decides the amount. */
  items: lineItemsInput.optional(),
  /** A promotion code the shopper typed; Stripe decides what it takes off (Checkout only). */
  promotionCode: z.string().trim().min(1).max(100).optional(),
  /** Let the shopper type a promotion code on Stripe's Checkout page. */
  allowPromotionCodes: z.boolean().optional(),
});

export interface PaymentActionOptions {
  /**
   * What to charge, decided by server code (e.g. the app's catalog item the order was made for).
   * Never taken from a request; without it the order's own amount is charged.
   */
  charge?: Charge;
  /** What the shopper is buying, shown on the checkout page ("Sourdough loaf" rather than "Order #1"). */
  itemName?: string;
}

export interface CreatedPayment {
  paymentId: number;
  status: string;
  checkoutUrl: string | null;
  clientSecret: string | null;
  reused: boolean;
}

/**
 * The Stripe payment action. What is charged is the order's own amount (or, for the builder's
 * backend, the amount it names); an end user's request naming an amount, currency or price is
 * refused, and return URLs must be on the studio's origin or a site the shop allowed.
 * A double click (or a retried request) finds the pending payment made by the first one under the
 * order's row lock and returns it; the Stripe call carries an Idempotency-Key derived from the
 * payment row, so an SDK retry never creates a second session or intent.
 */
export async function createPaymentAction(
  services: PaymentServices,
  projectId: number,
  actor: Actor,
  rawInput: z.input<typeof createPaymentInput>,
  options: PaymentActionOptions = {},
): Promise<CreatedPayment> {
  const handle = services.database;
  refuseChargeFields(actor, rawInput, 'payment');
  const request = parseInput(createPaymentInput, rawInput);
  if ((request.amount === undefined) !== (request.currency === undefined))
    throw new PaymentError(
      'VALIDATION',
      'Name both the amount and its currency, or neither to charge the order’s own amount.',
      request.amount === undefined ? { amount: 'Required with currency.' } : { currency: 'Required with amount.' },
    );
  if (request.items && request.amount !== undefined)
    throw new PaymentError('VALIDATION', 'Name the items or an amount, not both: the items decide what is charged.', {
      amount: 'Leave out with items.',
    });
  if (request.method !== 'checkout' && (request.promotionCode || request.allowPromotionCodes))
    throw new PaymentError('VALIDATION', 'Promotion codes are taken on Stripe’s Checkout page; use method checkout.', {
      promotionCode: 'Checkout only.',
    });
  if (request.method === 'checkout' && (!request.successUrl || !request.cancelUrl))
    throw new PaymentError('VALIDATION', 'Checkout needs a success URL and a cancel URL.', { successUrl: 'Required.' });

  const ctx = await prepareAction(services, projectId, actor, 'stripe.payment');
  const allowed = allowedReturnOrigins(ctx.settings?.returnOrigins);
  checkReturnUrl('successUrl', request.successUrl, allowed);
  checkReturnUrl('cancelUrl', request.cancelUrl, allowed);
  const order = await loadOrderAs(handle.db, projectId, actor, ctx.orderTable, request.orderId);
  const priced = !options.charge && request.items ? await priceLineItems(ctx.stripe, request.items) : null;
  const promotion = request.promotionCode ? await findPromotionCode(ctx.stripe, request.promotionCode) : null;
  const charge =
    options.charge ??
    priced?.charge ??
    (request.amount !== undefined && request.currency !== undefined
      ? { amount: request.amount, currency: request.currency }
      : await orderCharge(handle.db, projectId, ctx.orderTable, order));
  const input = { ...request, amount: charge.amount, currency: charge.currency.toLowerCase() };
  const problem = amountProblem(input.amount, input.currency);
  if (problem) throw new PaymentError('VALIDATION', problem, { amount: problem });
  const payer = await endUserOf(handle.db, projectId, actor);

  const { payment, reused } = await handle.db.transaction(async (tx) => {
    await lockRow(tx, projectId, ctx.orderTable, input.orderId);
    if (priced) await recordOrderTotal(tx, projectId, ctx.orderTable, order, priced.charge);
    const { rows: pending } = await queryRows(tx, projectId, BACKEND, PAYMENT_TABLE, {
      filters: [
        { column: 'order_id', op: 'eq', value: input.orderId },
        { column: 'status', op: 'eq', value: 'PENDING' },
        { column: 'amount', op: 'eq', value: input.amount },
        { column: 'currency', op: 'eq', value: input.currency },
        { column: 'method', op: 'eq', value: input.method },
        { column: 'created_at', op: 'gt', value: new Date(Date.now() - 23 * 3600_000) },
      ],
      sort: [{ column: 'id', direction: 'desc' }],
      limit: 1,
    });
    const soldItems = priced ? priced.items : null;
    if (
      pending[0] &&
      sameItems(pending[0].items, soldItems) &&
      (pending[0].discount_code ?? null) === (promotion?.code ?? null)
    )
      return { payment: pending[0], reused: true };
    const row = await insertRow(tx, projectId, BACKEND, PAYMENT_TABLE, {
      order_id: input.orderId,
      // Test and live never mix: callbacks ignore events of the other mode for this row.
      livemode: ctx.mode === 'live',
      payer: payer?.id ?? null,
      amount: input.amount,
      currency: input.currency,
      status: 'PENDING',
      method: input.method,
      items: soldItems,
      discount_code: promotion?.code ?? null,
    });
    const [keyed] = await updateRows(
      tx,
      projectId,
      BACKEND,
      PAYMENT_TABLE,
      [{ column: 'id', op: 'eq', value: row.id }],
      {
        idempotency_key: `tillflow-payment-${projectId}-${row.id}`,
      },
    );
    return { payment: keyed, reused: false };
  });

  const paymentId = payment.id;
  const idempotencyKey = String(payment.idempotency_key);
  const metadata = {
    tillflow_payment_id: String(paymentId),
    order_id: String(input.orderId),
    tillflow_project_id: String(projectId),
  };
  try {
    const customer = payer ? await ensureStripeCustomer(handle.db, ctx.stripe, projectId, payer) : undefined;
    if (input.method === 'checkout') {
      if (reused && payment.checkout_url)
        return { paymentId, status: 'PENDING', checkoutUrl: String(payment.checkout_url), clientSecret: null, reused };
      const brand = ctx.settings;
      const session = await ctx.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: priced
            ? priced.items.map((item) => ({ price: item.price, quantity: item.quantity }))
            : [
                {
                  quantity: 1,
                  price_data: {
                    currency: input.currency,
                    unit_amount: input.amount,
                    product_data: { name: options.itemName?.trim() || `Order #${input.orderId}` },
                  },
                },
              ],
          ...(promotion ? { discounts: [{ promotion_code: promotion.id }] } : {}),
          ...(request.allowPromotionCodes && !promotion ? { allow_promotion_codes: true } : {}),
          success_url: input.successUrl as string,
          cancel_url: input.cancelUrl as string,
          client_reference_id: String(input.orderId),
          customer,
          metadata,
          payment_intent_data: { metadata },
          // The sandbox shows the account's brand; real Stripe takes it per session.
          ...(brand?.brandName && ctx.mode !== 'sandbox'
            ? { branding_settings: { display_name: brand.brandName } }
            : {}),
          ...(brand?.brandSlogan ? { custom_text: { submit: { message: brand.brandSlogan } } } : {}),
        },
        { idempotencyKey },
      );
      await updateRows(handle.db, projectId, BACKEND, PAYMENT_TABLE, [{ column: 'id', op: 'eq', value: paymentId }], {
        stripe_checkout_session_id: session.id,
        checkout_url: session.url,
        // What Stripe will take off for the code named at creation (Stripe's figure; the callback confirms it).
        ...discountOfSession(session),
      });
      return { paymentId, status: 'PENDING', checkoutUrl: session.url, clientSecret: null, reused };
    }
    const intent = await ctx.stripe.paymentIntents.create(
      { amount: input.amount, currency: input.currency, customer, metadata },
      { idempotencyKey },
    );
    await updateRows(handle.db, projectId, BACKEND, PAYMENT_TABLE, [{ column: 'id', op: 'eq', value: paymentId }], {
      stripe_payment_intent_id: intent.id,
    });
    return { paymentId, status: 'PENDING', checkoutUrl: null, clientSecret: intent.client_secret, reused };
  } catch (error) {
    // Only Stripe's calls and the row's update are in here: nothing of ours throws a PaymentError.
    throw fromStripeError(error);
  }
}
