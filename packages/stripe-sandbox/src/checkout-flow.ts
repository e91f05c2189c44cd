import type { Ctx } from './context';
import { emit } from './context';
import { StripeApiError } from './errors';
import { nowSeconds } from './ids';
import { type BankAccountInput, createBankPaymentMethod } from './resources/bank-debits';
import { expireIfDue } from './resources/checkout';
import { redeem } from './resources/coupons';
import { createCustomer } from './resources/customers';
import { confirmPayment, createPaymentIntent } from './resources/payment-intents';
import { attachPaymentMethod, behaviourOf, type CardInput, createCardPaymentMethod } from './resources/payment-methods';
import { confirmSetup } from './resources/setup-intents';
import { createSubscription } from './resources/subscriptions';

export interface PayInput {
  card: CardInput;
  /** Pays by ACH Direct Debit instead of the card (payment mode, USD): the session completes unpaid, settles later. */
  bankAccount?: BankAccountInput;
  email?: string;
  name?: string;
}

export type PayResult =
  | { outcome: 'succeeded'; redirectUrl: string }
  | { outcome: 'declined'; message: string; code: string; declineCode?: string }
  | { outcome: 'requires_action'; authenticateUrl: string };

/** Pays an open Checkout Session the way the hosted page does: card → PaymentIntent or Subscription. */
export function payCheckoutSession(ctx: Ctx, session: any, input: PayInput): PayResult {
  expireIfDue(ctx, session);
  if (session.status !== 'open') {
    return {
      outcome: 'declined',
      message: `This Checkout Session is ${session.status}.`,
      code: 'checkout_session_not_open',
    };
  }
  const email =
    session.customer_email ??
    input.email ??
    (session.customer ? ctx.account.data.customers[session.customer]?.email : null);
  if (!email && !session.customer)
    return { outcome: 'declined', message: 'Your email is incomplete.', code: 'email_invalid' };
  if (input.bankAccount && (session.mode !== 'payment' || session.currency !== 'usd')) {
    return {
      outcome: 'declined',
      message: 'This Checkout Session does not accept US bank accounts.',
      code: 'payment_method_unactivated',
    };
  }
  let pm: any;
  try {
    pm = input.bankAccount
      ? createBankPaymentMethod(ctx, input.bankAccount, { email, name: input.name ?? null })
      : createCardPaymentMethod(ctx.account, input.card, { email, name: input.name ?? null });
  } catch (e) {
    if (e instanceof StripeApiError)
      return { outcome: 'declined', message: e.message, code: e.extra.code ?? 'card_error' };
    throw e;
  }
  session.customer_details = {
    address: null,
    email: email ?? null,
    name: input.name ?? null,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
  if (session.mode === 'setup') return paySetup(ctx, session, pm);
  return session.mode === 'subscription' ? paySubscription(ctx, session, pm) : payPayment(ctx, session, pm);
}

/** Setup mode: the card is checked and saved through the session's SetupIntent (attached to its customer). */
function paySetup(ctx: Ctx, session: any, pm: any): PayResult {
  const si = ctx.account.data.setup_intents[session.setup_intent];
  try {
    confirmSetup(ctx, si, pm.id);
  } catch (e) {
    if (!(e instanceof StripeApiError)) throw e;
    return {
      outcome: 'declined',
      message: e.message,
      code: e.extra.code ?? 'card_declined',
      declineCode: e.extra.decline_code,
    };
  }
  return completeSession(ctx, session);
}

function ensureCustomer(ctx: Ctx, session: any): string | null {
  if (session.customer) return session.customer;
  if (session.customer_creation !== 'always') return null;
  const customer = createCustomer(ctx, {
    email: session.customer_details?.email,
    name: session.customer_details?.name,
  });
  emit(ctx, 'customer.created', customer);
  session.customer = customer.id;
  return customer.id;
}

function payPayment(ctx: Ctx, session: any, pm: any): PayResult {
  let pi = session.payment_intent ? ctx.account.data.payment_intents[session.payment_intent] : null;
  if (pi?.status !== 'requires_payment_method') {
    const data = session._payment_intent_data;
    pi = createPaymentIntent(ctx, {
      amount: session.amount_total,
      currency: session.currency,
      customer: ensureCustomer(ctx, session),
      description: data.description,
      metadata: structuredClone(data.metadata),
      receipt_email: data.receipt_email ?? session.customer_details?.email ?? null,
      setup_future_usage: data.setup_future_usage,
      capture_method: data.capture_method,
    });
    pi._checkout_session = session.id;
    session.payment_intent = pi.id;
  }
  const { error } = confirmPayment(ctx, pi, pm, { returnUrl: `${ctx.core.baseUrl()}/c/pay/${session.id}` });
  if (error)
    return {
      outcome: 'declined',
      message: error.message,
      code: error.extra.code ?? 'card_declined',
      declineCode: error.extra.decline_code,
    };
  if (pi.status === 'requires_action') return { outcome: 'requires_action', authenticateUrl: `/3ds/${pi.id}` };
  return completeSession(ctx, session);
}

function paySubscription(ctx: Ctx, session: any, pm: any): PayResult {
  const behaviour = behaviourOf(pm);
  const trial = session._subscription_data.trial_period_days;
  // Hosted Checkout checks the card before it creates anything when the card cannot pay.
  if (behaviour.decline && (behaviour.attachFails || !trial)) {
    return {
      outcome: 'declined',
      message: behaviour.decline.message,
      code: behaviour.decline.code,
      declineCode: behaviour.decline.decline_code,
    };
  }
  const customerId = ensureCustomer(ctx, session)!;
  attachPaymentMethod(ctx, pm, customerId);
  const recurring = session._line_items.filter((li: any) => li.price.recurring);
  const sub = createSubscription(ctx, {
    customer: customerId,
    items: recurring.map((li: any) => ({ price: li.price.id, quantity: li.quantity })),
    default_payment_method: pm.id,
    trial_period_days: trial ?? undefined,
    metadata: structuredClone(session._subscription_data.metadata),
    description: session._subscription_data.description,
    payment_behavior: 'allow_incomplete',
    // The session's coupon goes onto the subscription (its invoices); completing the session counts it.
    discounts: (session.discounts ?? []).map((d: any) => ({
      coupon: ctx.account.data.coupons[d.coupon],
      promotionCode: d.promotion_code ? ctx.account.data.promotion_codes[d.promotion_code] : null,
    })),
    redeemed: true,
  });
  sub._checkout_session = session.id;
  session.subscription = sub.id;
  session.invoice = sub.latest_invoice;
  const invoice = ctx.account.data.invoices[sub.latest_invoice];
  const piId = invoice?.payments.data[0]?.payment.payment_intent;
  const pi = piId ? ctx.account.data.payment_intents[piId] : null;
  if (pi?.status === 'requires_action') {
    pi._checkout_session = session.id;
    return { outcome: 'requires_action', authenticateUrl: `/3ds/${pi.id}` };
  }
  if (sub.status === 'active' || sub.status === 'trialing') return completeSession(ctx, session);
  return { outcome: 'declined', message: 'Your card was declined.', code: 'card_declined' };
}

/** Marks the session complete and returns where the browser goes next. */
export function completeSession(ctx: Ctx, session: any): PayResult {
  if (session.status !== 'complete') {
    session.status = 'complete';
    const sub = session.subscription ? ctx.account.data.subscriptions[session.subscription] : null;
    const pi = session.payment_intent ? ctx.account.data.payment_intents[session.payment_intent] : null;
    if (session.mode !== 'setup')
      session.payment_status =
        session.amount_total === 0 || sub?.status === 'trialing'
          ? 'no_payment_required'
          : pi?.status === 'processing'
            ? 'unpaid' // a delayed method: async_payment_succeeded / _failed follows when it settles
            : 'paid';
    session.url = null;
    session._completed_at = nowSeconds();
    for (const d of session.discounts ?? []) redeem(ctx, d.coupon, d.promotion_code);
    emit(ctx, 'checkout.session.completed', session);
  }
  return { outcome: 'succeeded', redirectUrl: successRedirect(session) };
}

export function successRedirect(session: any): string {
  return String(session.success_url ?? '').replaceAll('{CHECKOUT_SESSION_ID}', session.id);
}
