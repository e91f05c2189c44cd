import { formatMoney } from '@tillflow/core/money';
import { parseExpiry, validateCard } from '../checkout-page';
import { type Ctx, clone, diff, emit, timeForCustomer } from '../context';
import { StripeApiError } from '../errors';
import { escapeHtml } from '../html';
import { type Account, objectsOf } from '../store';
import { attachPaymentMethod, createCardPaymentMethod } from './payment-methods';
import { changeSubscriptionItems } from './subscription-items';

/**
 * What the hosted portal lets a customer do besides cancel and switch plans, each only when the session's
 * configuration allows it (Stripe's `features`): change a subscription's quantity (`subscription_update` with
 * `quantity` among `default_allowed_updates`, prorated as configured), pause and resume collection
 * (`subscription_pause`: `pause_collection[behavior]=void`), and replace the default payment method
 * (`payment_method_update`). Each sends the events Stripe sends for the same change.
 */
export type PortalOutcome = { status: number; notice: string };

const hidden = (s: any) => `<input type="hidden" name="subscription" value="${escapeHtml(s.id)}">`;

function mayChangeQuantity(config: any, sub: any): boolean {
  const update = config.features.subscription_update;
  return update.enabled && update.default_allowed_updates.includes('quantity') && sub.items.data.length === 1;
}

/** The quantity and pause controls of one subscription on the portal page. */
export function subscriptionControls(config: any, sub: any): string {
  if (sub.cancel_at_period_end) return '';
  const item = sub.items.data[0];
  const quantity = mayChangeQuantity(config, sub)
    ? `<form method="post">${hidden(sub)}<label>Quantity<input name="quantity" type="number" min="1" value="${item.quantity}"></label><button type="submit" name="action" value="quantity" class="secondary">Update quantity</button></form>`
    : '';
  if (!config.features.subscription_pause.enabled) return quantity;
  const pause = sub.pause_collection
    ? `<p class="notice">Payments are paused.</p><form method="post">${hidden(sub)}<button type="submit" name="action" value="resume">Resume payments</button></form>`
    : `<form method="post">${hidden(sub)}<button type="submit" name="action" value="pause" class="secondary">Pause payments</button></form>`;
  return quantity + pause;
}

/** The customer's default payment method and, when allowed, a form to replace it. */
export function paymentMethodSection(account: Account, config: any, customerId: string): string {
  if (!config.features.payment_method_update.enabled) return '';
  const customer = account.data.customers[customerId];
  const pm = account.data.payment_methods[customer?.invoice_settings.default_payment_method];
  const current = pm?.card
    ? `<p>${escapeHtml(pm.card.brand[0].toUpperCase() + pm.card.brand.slice(1))} ending in ${escapeHtml(pm.card.last4)}</p>`
    : '<p>No payment method on file.</p>';
  return `<section aria-label="Payment method"><h3>Payment method</h3>${current}<form method="post"><label>Card number<input name="card_number" inputmode="numeric" autocomplete="cc-number" required></label><label>Expiration date (MM / YY)<input name="expiry" autocomplete="cc-exp" required></label><label>CVC<input name="cvc" inputmode="numeric" autocomplete="cc-csc" required></label><button type="submit" name="action" value="payment_method">Update payment method</button></form></section>`;
}

/** A new card becomes the customer's default, and the default of their subscriptions that named one. */
export function updatePaymentMethod(
  ctx: Ctx,
  config: any,
  customerId: string,
  form: Record<string, string>,
): PortalOutcome {
  if (!config.features.payment_method_update.enabled)
    return { status: 403, notice: 'Updating the payment method is not offered here.' };
  const problem = validateCard(form);
  if (problem) return { status: 400, notice: problem };
  const expiry = parseExpiry(form.expiry)!;
  let pm: any;
  try {
    pm = createCardPaymentMethod(ctx.account, {
      number: form.card_number,
      exp_month: expiry.month,
      exp_year: expiry.year,
    });
    attachPaymentMethod(ctx, pm, customerId);
  } catch (e) {
    if (e instanceof StripeApiError) return { status: 402, notice: e.message };
    throw e;
  }
  const customer = ctx.account.data.customers[customerId];
  const before = clone(customer);
  customer.invoice_settings.default_payment_method = pm.id;
  emit(ctx, 'customer.updated', customer, diff(before, customer));
  for (const sub of objectsOf(ctx.account, 'subscriptions') as any[]) {
    if (sub.customer !== customerId || !sub.default_payment_method) continue;
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired') continue;
    const was = clone(sub);
    sub.default_payment_method = pm.id;
    emit(ctx, 'customer.subscription.updated', sub, diff(was, sub));
  }
  return { status: 200, notice: `Your payment method is now the card ending in ${pm.card.last4}.` };
}

/** Quantity, pause and resume on one of the session customer's subscriptions. */
export function changeSubscription(
  ctx: Ctx,
  config: any,
  sub: any,
  form: Record<string, string>,
): PortalOutcome | null {
  const before = clone(sub);
  const now = timeForCustomer(ctx.account, sub.customer);
  if (form.action === 'quantity') {
    const quantity = Number(form.quantity);
    if (!mayChangeQuantity(config, sub) || sub.cancel_at_period_end)
      return { status: 403, notice: 'Changing the quantity is not offered here.' };
    if (!Number.isInteger(quantity) || quantity < 1) return { status: 400, notice: 'Enter a quantity of 1 or more.' };
    const item = sub.items.data[0];
    if (quantity !== item.quantity) {
      try {
        changeSubscriptionItems(
          ctx,
          sub,
          { items: [{ id: item.id, quantity: String(quantity) }] },
          config.features.subscription_update.proration_behavior,
          now,
        );
      } catch (e) {
        if (e instanceof StripeApiError) return { status: 400, notice: e.message };
        throw e;
      }
      emit(ctx, 'customer.subscription.updated', sub, diff(before, sub));
    }
    const price = item.price;
    return {
      status: 200,
      notice: `Your quantity is now ${quantity} (${formatMoney(price.unit_amount * quantity, price.currency)} / ${price.recurring.interval}).`,
    };
  }
  if (form.action === 'pause' || form.action === 'resume') {
    if (!config.features.subscription_pause.enabled)
      return { status: 403, notice: 'Pausing payments is not offered here.' };
    const pause = form.action === 'pause';
    sub.pause_collection = pause ? { behavior: 'void', resumes_at: null } : null;
    const previous = diff(before, sub);
    if (Object.keys(previous).length) emit(ctx, 'customer.subscription.updated', sub, previous);
    return { status: 200, notice: pause ? 'Your payments are paused.' : 'Your payments are resumed.' };
  }
  return null;
}
