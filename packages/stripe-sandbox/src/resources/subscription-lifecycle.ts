import { type Ctx, clone, diff, emit } from '../context';
import { objectsOf } from '../store';
import {
  attemptInvoicePayment,
  createSubscriptionInvoice,
  finalizeInvoice,
  markUncollectible,
  voidInvoice,
} from './invoices';

// What happens to a subscription over time: renewals, dunning, expiry, cancellation.
const DAY = 86_400;
export const INCOMPLETE_EXPIRY_SECONDS = 23 * 3600;

/** Adds a billing interval in UTC calendar terms (month ends clamp like Stripe's anchors do). */
export function addInterval(seconds: number, interval: string, count: number): number {
  const d = new Date(seconds * 1000);
  if (interval === 'day') return seconds + count * DAY;
  if (interval === 'week') return seconds + count * 7 * DAY;
  const months = interval === 'year' ? 12 * count : count;
  const day = d.getUTCDate();
  const target = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return Math.floor(target.getTime() / 1000);
}

export function paymentMethodFor(ctx: Ctx, sub: any): string | null {
  return (
    sub.default_payment_method ??
    ctx.account.data.customers[sub.customer]?.invoice_settings.default_payment_method ??
    null
  );
}

function setStatus(ctx: Ctx, sub: any, status: string, extra: Record<string, unknown> = {}): void {
  if (sub.status === status && Object.keys(extra).length === 0) return;
  const before = clone(sub);
  sub.status = status;
  Object.assign(sub, extra);
  emit(
    ctx,
    status === 'canceled' ? 'customer.subscription.deleted' : 'customer.subscription.updated',
    sub,
    status === 'canceled' ? undefined : diff(before, sub),
  );
}

/** Invoice hooks: paid invoices activate the subscription; failures make it past_due (or cancel it after the last retry). */
export function onInvoicePaid(ctx: Ctx, invoice: any, _now: number): void {
  const sub = ctx.account.data.subscriptions[invoice.parent?.subscription_details?.subscription];
  if (!sub || sub.status === 'canceled') return;
  if (sub.status === 'incomplete' || sub.status === 'past_due' || sub.status === 'unpaid')
    setStatus(ctx, sub, 'active');
}

export function onInvoicePaymentFailed(ctx: Ctx, invoice: any, now: number): void {
  const sub = ctx.account.data.subscriptions[invoice.parent?.subscription_details?.subscription];
  if (!sub || invoice.billing_reason === 'subscription_create') return;
  if (invoice.next_payment_attempt === null) {
    const final = ctx.account.failedRenewalBehavior ?? 'cancel';
    if (final === 'unpaid') setStatus(ctx, sub, 'unpaid');
    else cancelSubscription(ctx, sub, now, 'payment_failed');
  } else if (sub.status === 'active' || sub.status === 'trialing') {
    setStatus(ctx, sub, 'past_due');
  }
}

export function cancelSubscription(ctx: Ctx, sub: any, now: number, reason: string): void {
  if (sub.status === 'canceled') return;
  for (const invoice of [...objectsOf(ctx.account, 'invoices')] as any[]) {
    if (
      invoice.parent?.subscription_details?.subscription === sub.id &&
      invoice.status === 'open' &&
      reason !== 'payment_failed'
    ) {
      voidInvoice(ctx, invoice, now);
    }
  }
  setStatus(ctx, sub, 'canceled', {
    canceled_at: sub.canceled_at ?? now,
    ended_at: now,
    cancellation_details: { comment: null, feedback: null, reason },
  });
}

/** Stripe tells a trialing subscription's owner three days before the trial ends. */
export const TRIAL_WILL_END_SECONDS = 3 * DAY;

/** When `customer.subscription.trial_will_end` is due, if it is still to be sent. */
function trialWillEndAt(sub: any): number | null {
  if (sub.status !== 'trialing' || !sub.trial_end || sub._trial_will_end_sent === sub.trial_end) return null;
  return Math.max(sub.trial_start ?? sub.created, sub.trial_end - TRIAL_WILL_END_SECONDS);
}

/** The next moment this subscription needs attention from a test clock, if any. */
export function nextDueAt(ctx: Ctx, sub: any): number | null {
  if (sub.status === 'canceled' || sub.status === 'incomplete_expired') return null;
  if (sub.status === 'incomplete') return sub.created + INCOMPLETE_EXPIRY_SECONDS;
  const times = [sub.items.data[0].current_period_end];
  const trialNotice = trialWillEndAt(sub);
  if (trialNotice !== null) times.push(trialNotice);
  if (sub.pause_collection?.resumes_at) times.push(sub.pause_collection.resumes_at);
  for (const invoice of [...objectsOf(ctx.account, 'invoices')] as any[]) {
    if (
      invoice.parent?.subscription_details?.subscription === sub.id &&
      invoice.status === 'open' &&
      invoice.next_payment_attempt
    ) {
      times.push(invoice.next_payment_attempt);
    }
  }
  return Math.min(...times);
}

/** Runs whatever is due at `now`: renewal at period end, dunning retries, incomplete expiry. */
export function runDue(ctx: Ctx, sub: any, now: number): void {
  if (sub.status === 'incomplete') {
    if (now >= sub.created + INCOMPLETE_EXPIRY_SECONDS) {
      const invoice = ctx.account.data.invoices[sub.latest_invoice];
      if (invoice) voidInvoice(ctx, invoice, now);
      setStatus(ctx, sub, 'incomplete_expired', { ended_at: now });
    }
    return;
  }
  for (const invoice of [...objectsOf(ctx.account, 'invoices')] as any[]) {
    if (invoice.parent?.subscription_details?.subscription !== sub.id || invoice.status !== 'open') continue;
    if (invoice.next_payment_attempt && invoice.next_payment_attempt <= now) {
      attemptInvoicePayment(ctx, invoice, paymentMethodFor(ctx, sub), true, now);
    }
  }
  if (sub.status === 'canceled') return;
  const trialNotice = trialWillEndAt(sub);
  if (trialNotice !== null && now >= trialNotice) {
    sub._trial_will_end_sent = sub.trial_end;
    emit(ctx, 'customer.subscription.trial_will_end', sub);
  }
  if (sub.pause_collection?.resumes_at && now >= sub.pause_collection.resumes_at) {
    const before = clone(sub);
    sub.pause_collection = null;
    emit(ctx, 'customer.subscription.updated', sub, diff(before, sub));
  }
  const periodEnd = sub.items.data[0].current_period_end;
  if (now < periodEnd) return;
  if (sub.cancel_at_period_end || (sub.cancel_at && sub.cancel_at <= now)) {
    cancelSubscription(ctx, sub, periodEnd, 'cancellation_requested');
    return;
  }
  const before = clone(sub);
  const { interval, interval_count: count } = sub.items.data[0].price.recurring;
  for (const item of sub.items.data) {
    item.current_period_start = periodEnd;
    item.current_period_end = addInterval(periodEnd, interval, count);
  }
  if (sub.status === 'trialing') sub.status = 'active';
  emit(ctx, 'customer.subscription.updated', sub, diff(before, sub));
  const invoice = createSubscriptionInvoice(ctx, sub, 'subscription_cycle', periodEnd);
  sub.latest_invoice = invoice.id;
  // Paused collection (Stripe's pause_collection): the renewal invoice stays a draft, is voided, or is
  // marked uncollectible, and nothing is charged.
  const paused = sub.pause_collection?.behavior as 'keep_as_draft' | 'void' | 'mark_uncollectible' | undefined;
  if (paused === 'keep_as_draft') return;
  finalizeInvoice(ctx, invoice, periodEnd);
  if (paused === 'void') {
    if (invoice.status === 'open') voidInvoice(ctx, invoice, periodEnd);
    return;
  }
  if (paused === 'mark_uncollectible') {
    if (invoice.status === 'open') markUncollectible(ctx, invoice, periodEnd);
    return;
  }
  if (invoice.status === 'open') attemptInvoicePayment(ctx, invoice, paymentMethodFor(ctx, sub), true, periodEnd);
}
