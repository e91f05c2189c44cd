import { type Actor, BACKEND, getRow, insertRow, queryRows, updateRows } from '@tillflow/data-model';
import { z } from 'zod';
import { trialDaysOf } from '../catalog';
import { ensureStripeCustomer } from '../customers';
import { fromStripeError, PaymentError, parseInput } from '../errors';
import { allowedReturnOrigins, checkReturnUrl } from '../return-urls';
import { lockRow } from '../row-lock';
import type { PaymentServices } from '../stripe-accounts';
import { RECURRING_PAYMENT_TABLE } from '../system-tables';
import { maySetCharge, refuseChargeFields } from './charge';
import { endUserOf, liveSubscriptionId, loadOrderAs, prepareAction } from './context';
import { assertOrderIsForPlan, describePlans, offeredPlans } from './plans';
import { shopHasPromotionCodes } from './promotions';

const priceIdSchema = z
  .string()
  .trim()
  .regex(/^price_[A-Za-z0-9_]+$/, 'A Stripe price id starts with price_.');

export const initiateRecurringInput = z.object({
  orderId: z.number().int().positive(),
  /** One of the plans the shop offers (studio → App: its recurring prices), by price id. */
  plan: priceIdSchema.optional(),
  /** Any recurring price, with its own trial: only for the builder's backend (project API key). */
  priceId: priceIdSchema.optional(),
  trialDays: z.number().int().min(1).max(730).optional(),
  /** The hosted checkout's Promotion code field; by default there when the shop has an active code. */
  allowPromotionCodes: z.boolean().optional(),
  successUrl: z.string().max(2000),
  cancelUrl: z.string().max(2000),
});

/**
 * Recurring payment "Initiate": a Checkout Session in subscription mode. An end user names one of the
 * plans the shop offers (`plan`); its price and trial come from the shop's settings, and a request
 * naming a price, amount or trial is refused. The builder's backend may name any recurring price.
 */
export async function initiateRecurringAction(
  services: PaymentServices,
  projectId: number,
  actor: Actor,
  rawInput: z.input<typeof initiateRecurringInput>,
) {
  const handle = services.database;
  refuseChargeFields(actor, rawInput, 'subscription');
  const input = parseInput(initiateRecurringInput, rawInput);
  const ctx = await prepareAction(services, projectId, actor, 'stripe.recurring');
  const allowed = allowedReturnOrigins(ctx.settings?.returnOrigins);
  checkReturnUrl('successUrl', input.successUrl, allowed);
  checkReturnUrl('cancelUrl', input.cancelUrl, allowed);
  const order = await loadOrderAs(handle.db, projectId, actor, ctx.orderTable, input.orderId);
  const plans = await offeredPlans(handle.db, projectId);
  const priceId = input.priceId ?? input.plan;
  if (!priceId)
    throw new PaymentError('VALIDATION', `Name the plan to subscribe to: ${describePlans(plans.priceIds)}.`, {
      plan: 'Required.',
    });
  if (input.plan && !plans.priceIds.includes(input.plan))
    throw new PaymentError(
      'VALIDATION',
      `The shop does not offer the plan "${input.plan}"; choose one of: ${describePlans(plans.priceIds)}.`,
      { plan: 'Not offered.' },
    );
  let price: Awaited<ReturnType<typeof ctx.stripe.prices.retrieve>>;
  try {
    price = await ctx.stripe.prices.retrieve(priceId);
  } catch (error) {
    throw fromStripeError(error);
  }
  if (!price.recurring)
    throw new PaymentError('VALIDATION', `Price ${priceId} is a one-time price; choose a recurring price.`, {
      [input.priceId ? 'priceId' : 'plan']: 'Not recurring.',
    });
  // The trial: the backend's own, else the price's (the Products card's tillflow_trial_days or Stripe's
  // recurring.trial_period_days), else the shop's plans setting.
  const trialDays = (input.priceId ? input.trialDays : undefined) ?? trialDaysOf(price) ?? plans.trialDays;
  if (!maySetCharge(actor)) await assertOrderIsForPlan(handle.db, projectId, ctx.orderTable, order, price);
  const subscriber = await endUserOf(handle.db, projectId, actor);

  const { row, reused } = await handle.db.transaction(async (tx) => {
    await lockRow(tx, projectId, ctx.orderTable, input.orderId);
    const { rows } = await queryRows(tx, projectId, BACKEND, RECURRING_PAYMENT_TABLE, {
      filters: [
        { column: 'order_id', op: 'eq', value: input.orderId },
        { column: 'status', op: 'eq', value: 'INCOMPLETE' },
        { column: 'stripe_price_id', op: 'eq', value: priceId },
        { column: 'stripe_subscription_id', op: 'is_null' },
      ],
      limit: 1,
    });
    if (rows[0]?.checkout_url) return { row: rows[0], reused: true };
    const created = await insertRow(tx, projectId, BACKEND, RECURRING_PAYMENT_TABLE, {
      order_id: input.orderId,
      // Test and live never mix: callbacks ignore events of the other mode for this row.
      livemode: ctx.mode === 'live',
      subscriber: subscriber?.id ?? null,
      stripe_price_id: priceId,
      status: 'INCOMPLETE',
      initial_amount: price.unit_amount,
      currency: price.currency,
      trial_days: trialDays ?? null,
      cancel_at_period_end: false,
    });
    return { row: created, reused: false };
  });
  if (reused) return { recurringPaymentId: row.id, checkoutUrl: String(row.checkout_url), reused };

  const metadata = {
    order_id: String(input.orderId),
    tillflow_recurring_payment_id: String(row.id),
    tillflow_project_id: String(projectId),
  };
  try {
    const customer = subscriber ? await ensureStripeCustomer(handle.db, ctx.stripe, projectId, subscriber) : undefined;
    const promotionCodes = input.allowPromotionCodes ?? (await shopHasPromotionCodes(ctx.stripe));
    const session = await ctx.stripe.checkout.sessions.create(
      {
        mode: 'subscription',
        ...(promotionCodes ? { allow_promotion_codes: true } : {}),
        line_items: [{ price: priceId, quantity: 1 }],
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        client_reference_id: String(input.orderId),
        customer,
        metadata,
        subscription_data: { metadata, ...(trialDays ? { trial_period_days: trialDays } : {}) },
        ...(ctx.settings?.brandName && ctx.mode !== 'sandbox'
          ? { branding_settings: { display_name: ctx.settings.brandName } }
          : {}),
      },
      { idempotencyKey: `tillflow-recurring-${projectId}-${row.id}` },
    );
    await updateRows(
      handle.db,
      projectId,
      BACKEND,
      RECURRING_PAYMENT_TABLE,
      [{ column: 'id', op: 'eq', value: row.id }],
      {
        stripe_checkout_session_id: session.id,
        checkout_url: session.url,
        stripe_customer_id: customer ?? null,
        idempotency_key: `tillflow-recurring-${projectId}-${row.id}`,
      },
    );
    return { recurringPaymentId: row.id, checkoutUrl: session.url as string, reused };
  } catch (error) {
    throw fromStripeError(error);
  }
}

export const cancelRecurringInput = z.object({
  recurringPaymentId: z.number().int().positive(),
  atPeriodEnd: z.boolean().default(true),
});

/** Recurring payment "Cancel": now, or at the end of the paid period. The webhook mirrors the result. */
export async function cancelRecurringAction(
  services: PaymentServices,
  projectId: number,
  actor: Actor,
  rawInput: z.input<typeof cancelRecurringInput>,
) {
  const handle = services.database;
  const input = parseInput(cancelRecurringInput, rawInput);
  const ctx = await prepareAction(services, projectId, actor, 'stripe.recurring');
  // Read as the caller: a user can cancel only a subscription they can see (their own).
  const row = await getRow(handle.db, projectId, actor, RECURRING_PAYMENT_TABLE, input.recurringPaymentId);
  if (!row) throw new PaymentError('NOT_FOUND', 'That subscription was not found, or it is not yours.');
  const subscriptionId = liveSubscriptionId(row, 'This subscription is already canceled.');
  try {
    const subscription = input.atPeriodEnd
      ? await ctx.stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true })
      : await ctx.stripe.subscriptions.cancel(subscriptionId);
    return {
      recurringPaymentId: row.id,
      stripeStatus: subscription.status,
      cancelAtPeriodEnd: subscription.cancel_at_period_end,
    };
  } catch (error) {
    throw fromStripeError(error);
  }
}
