import { type Actor, getRow } from '@tillflow/data-model';
import type Stripe from 'stripe';
import { z } from 'zod';
import { ensureStripeCustomer } from '../customers';
import { fromStripeError, PaymentError, parseInput } from '../errors';
import { allowedReturnOrigins, checkReturnUrl } from '../return-urls';
import type { PaymentServices } from '../stripe-accounts';
import { RECURRING_PAYMENT_TABLE } from '../system-tables';
import { endUserOf, liveSubscriptionId, prepareAction } from './context';
import { describePlans, offeredPlans } from './plans';

// A subscriber's self-service: switching to another plan the shop offers (the proration shown before it is
// confirmed) and Stripe's customer portal. What is charged is Stripe's proration of the shop's own prices,
// decided on the server; the browser names only the subscription and one of the offered plans.

export const changePlanInput = z.object({
  recurringPaymentId: z.number().int().positive(),
  /** One of the plans the shop offers (studio → App), by price id. */
  plan: z.string().trim().min(1),
  /** False: only say what the switch would charge now. True: switch. */
  confirm: z.boolean().default(false),
});

export interface PlanChange {
  recurringPaymentId: number;
  /** Charged now for the switch (the new plan's remaining time less the unused time of the old), minor units. */
  amountDue: number;
  currency: string;
  /** The proration's lines in Stripe's words ("Unused time on …", "Remaining time on …"). */
  lines: { description: string; amount: number }[];
  confirmed: boolean;
}

export async function changePlanAction(
  services: PaymentServices,
  projectId: number,
  actor: Actor,
  rawInput: z.input<typeof changePlanInput>,
): Promise<PlanChange> {
  const input = parseInput(changePlanInput, rawInput);
  const ctx = await prepareAction(services, projectId, actor, 'stripe.recurring');
  const db = services.database.db;
  // Read as the caller: a subscriber changes only a subscription they can see (their own).
  const row = await getRow(db, projectId, actor, RECURRING_PAYMENT_TABLE, input.recurringPaymentId);
  if (!row) throw new PaymentError('NOT_FOUND', 'That subscription was not found, or it is not yours.');
  const subscriptionId = liveSubscriptionId(row, 'This subscription is canceled; its plan cannot change.');
  const plans = await offeredPlans(db, projectId);
  if (!plans.priceIds.includes(input.plan))
    throw new PaymentError(
      'VALIDATION',
      `The shop does not offer the plan "${input.plan}"; choose one of: ${describePlans(plans.priceIds)}.`,
      { plan: 'Not offered.' },
    );
  try {
    const subscription = await ctx.stripe.subscriptions.retrieve(subscriptionId);
    const item = subscription.items.data[0];
    if (item.price.id === input.plan)
      throw new PaymentError('VALIDATION', 'The subscription is on that plan already.', { plan: 'Current plan.' });
    const items = [{ id: item.id, price: input.plan }];
    // always_invoice: the difference is charged now, so what the preview shows is what the subscriber pays.
    const preview = await ctx.stripe.invoices.createPreview({
      customer: typeof subscription.customer === 'string' ? subscription.customer : subscription.customer.id,
      subscription: subscriptionId,
      subscription_details: { items, proration_behavior: 'always_invoice' },
    });
    const change: PlanChange = {
      recurringPaymentId: row.id,
      amountDue: preview.amount_due,
      currency: preview.currency,
      lines: preview.lines.data.map((l) => ({ description: l.description ?? '', amount: l.amount })),
      confirmed: false,
    };
    if (!input.confirm) return change;
    // One switch per key: a retried or doubled confirm of this switch replays it, while a later switch back and
    // forth between the same two plans is a new request (each switch invoices at once, so the subscription's latest
    // invoice names the state the switch starts from).
    const from = subscription.latest_invoice; // not expanded: an id
    const startsFrom = typeof from === 'string' ? from : 'none';
    await ctx.stripe.subscriptions.update(
      subscriptionId,
      { items, proration_behavior: 'always_invoice' },
      { idempotencyKey: `tillflow-plan-${projectId}-${row.id}-${item.price.id}-${input.plan}-${startsFrom}` },
    );
    return { ...change, confirmed: true };
  } catch (error) {
    if (error instanceof PaymentError) throw error;
    throw fromStripeError(error);
  }
}

export const portalSessionInput = z.object({ returnUrl: z.string().max(2000) });

/** Marks the portal configuration Tillflow keeps on the project's Stripe account. */
const PORTAL_MARK = 'tillflow_portal';

/**
 * What subscribers may do in the portal: cancel at the end of the period, switch between the plans the shop
 * offers (prorated, charged at once), and replace their card. Kept in one configuration on the account,
 * brought up to date with the offered plans each time a session opens.
 */
async function portalConfiguration(stripe: Stripe, priceIds: string[]): Promise<string> {
  const prices = await Promise.all(priceIds.map((id) => stripe.prices.retrieve(id)));
  const byProduct = new Map<string, string[]>();
  for (const price of prices.filter((p) => p.active && p.recurring)) {
    const product = typeof price.product === 'string' ? price.product : price.product.id;
    byProduct.set(product, [...(byProduct.get(product) ?? []), price.id]);
  }
  const products = [...byProduct].map(([product, ids]) => ({ product, prices: ids }));
  const features: Stripe.BillingPortal.ConfigurationCreateParams.Features = {
    subscription_cancel: { enabled: true, mode: 'at_period_end' },
    payment_method_update: { enabled: true },
    invoice_history: { enabled: true },
    subscription_update: products.length
      ? {
          enabled: true,
          default_allowed_updates: ['price'],
          proration_behavior: 'always_invoice',
          products,
        }
      : { enabled: false },
  };
  const existing = (await stripe.billingPortal.configurations.list({ active: true, limit: 100 })).data.find(
    (c) => c.metadata?.[PORTAL_MARK] === 'true',
  );
  if (existing) return (await stripe.billingPortal.configurations.update(existing.id, { features })).id;
  return (await stripe.billingPortal.configurations.create({ features, metadata: { [PORTAL_MARK]: 'true' } })).id;
}

/** "Manage subscription": a link to Stripe's customer portal for the signed-in subscriber. */
export async function portalSessionAction(
  services: PaymentServices,
  projectId: number,
  actor: Actor,
  rawInput: z.input<typeof portalSessionInput>,
): Promise<{ url: string }> {
  const input = parseInput(portalSessionInput, rawInput);
  const ctx = await prepareAction(services, projectId, actor, 'stripe.recurring');
  checkReturnUrl('returnUrl', input.returnUrl, allowedReturnOrigins(ctx.settings?.returnOrigins));
  const db = services.database.db;
  const subscriber = await endUserOf(db, projectId, actor);
  if (!subscriber) throw new PaymentError('FORBIDDEN', 'Only a signed-in shopper can manage their own subscriptions.');
  try {
    const customer = await ensureStripeCustomer(db, ctx.stripe, projectId, subscriber);
    const configuration = await portalConfiguration(ctx.stripe, (await offeredPlans(db, projectId)).priceIds);
    const session = await ctx.stripe.billingPortal.sessions.create({
      customer,
      configuration,
      return_url: input.returnUrl,
    });
    return { url: session.url };
  } catch (error) {
    throw fromStripeError(error);
  }
}
