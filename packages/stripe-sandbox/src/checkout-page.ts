import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatMoney } from '@tillflow/core/money';
import { completeSession, payCheckoutSession, successRedirect } from './checkout-flow';
import { pageCtx, type SandboxCore } from './context';
import { decodeForm } from './form-decode';
import { escapeHtml, page } from './html';
import { expireIfDue } from './resources/checkout';
import { applySessionDiscount, couponValid, promotionCodeByCode } from './resources/coupons';
import { completeAuthentication } from './resources/payment-intents';
import type { Account } from './store';

function findOwner(core: SandboxCore, collection: 'checkout_sessions' | 'payment_intents', id: string) {
  for (const account of core.store.accounts.values()) {
    const found = account.data[collection][id];
    if (found) return { account, object: found };
  }
  return null;
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location });
  res.end();
}

function brandHeader(account: Account, session?: any): string {
  const branding = session?.branding_settings;
  const name = branding?.display_name || account.brand.name;
  const logoUrl = branding?.logo?.url ?? account.brand.logoUrl;
  const slogan = account.brand.slogan;
  const logo = logoUrl ? `<img src="${escapeHtml(logoUrl)}" alt="${escapeHtml(name)} logo">` : '';
  return `<header class="brand">${logo}<h1>${escapeHtml(name)}</h1></header>${slogan ? `<p class="slogan">${escapeHtml(slogan)}</p>` : ''}`;
}

function summary(account: Account, session: any): string {
  if (session.mode === 'setup') return '<p class="notice">Save a card for later payments. Nothing is charged now.</p>';
  const rows = session._line_items
    .map((li: any) => {
      const every = li.price.recurring
        ? ` / ${li.price.recurring.interval_count > 1 ? `${li.price.recurring.interval_count} ` : ''}${li.price.recurring.interval}`
        : '';
      const image = account.data.products[li.price.product]?.images?.[0];
      const picture =
        image && /^https?:\/\//.test(image)
          ? `<img class="item" src="${escapeHtml(image)}" alt="${escapeHtml(li.description ?? 'Item')}" width="40" height="40"> `
          : '';
      return `<tr><td>${picture}${escapeHtml(li.description ?? 'Item')} × ${li.quantity}</td><td class="amount">${formatMoney(li.amount_subtotal, li.currency)}${every}</td></tr>`;
    })
    .join('');
  const trial = session._subscription_data?.trial_period_days;
  const trialRow = trial ? `<tr><td colspan="2">${trial}-day free trial</td></tr>` : '';
  const discount = session.total_details?.amount_discount ?? 0;
  const applied = session.discounts?.[0];
  const label = applied
    ? (account.data.promotion_codes[applied.promotion_code]?.code ??
      account.data.coupons[applied.coupon]?.name ??
      applied.coupon)
    : '';
  const discountRow = discount
    ? `<tr class="discount"><td>Discount (${escapeHtml(label)})</td><td class="amount">−${formatMoney(discount, session.currency)}</td></tr>`
    : '';
  return `<table aria-label="Order summary"><tbody>${rows}${trialRow}${discountRow}<tr class="total"><td>Total due today</td><td class="amount">${formatMoney(trial ? 0 : session.amount_total, session.currency)}</td></tr></tbody></table>`;
}

function checkoutPage(
  account: Account,
  session: any,
  error: string | null,
  values: Record<string, string> = {},
): string {
  const heading = brandHeader(account, session);
  if (session.status !== 'open') {
    const text =
      session.status !== 'complete'
        ? 'This Checkout Session has expired.'
        : session.mode === 'setup'
          ? 'Your card is saved. Thank you!'
          : 'This payment is complete. Thank you!';
    const link =
      session.status === 'complete' && session.success_url
        ? `<p><a href="${escapeHtml(successRedirect(session))}">Continue</a></p>`
        : '';
    return page(
      account.brand.name,
      `<main><section>${heading}${summary(account, session)}</section><section><p role="status">${text}</p>${link}</section></main>`,
    );
  }
  const needsEmail = !session.customer_email && !session.customer;
  const email = needsEmail
    ? `<label>Email<input name="email" type="email" autocomplete="email" required value="${escapeHtml(values.email)}"></label>`
    : `<p class="notice">Paying as ${escapeHtml(session.customer_email ?? account.data.customers[session.customer]?.email ?? '')}</p>`;
  const payLabel =
    session.mode === 'subscription'
      ? 'Subscribe'
      : session.mode === 'setup'
        ? 'Save card'
        : `Pay ${formatMoney(session.amount_total, session.currency)}`;
  const cancel = session.cancel_url ? `<p><a href="${escapeHtml(session.cancel_url)}">Cancel and go back</a></p>` : '';
  const promo =
    session.allow_promotion_codes && !session.discounts?.length
      ? `<form method="post" action="/c/pay/${escapeHtml(session.id)}" class="promo"><label>Promotion code<input name="promotion_code" autocomplete="off"></label><button type="submit" name="apply" value="1" class="secondary">Apply</button></form>`
      : '';
  const form = `<form method="post" action="/c/pay/${escapeHtml(session.id)}" novalidate>
${error ? `<div class="error" role="alert">${escapeHtml(error)}</div>` : ''}
${email}
<label>Card number<input name="card_number" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" required value="${escapeHtml(values.card_number)}"></label>
<div class="row"><label>Expiration date (MM / YY)<input name="expiry" autocomplete="cc-exp" placeholder="MM / YY" required value="${escapeHtml(values.expiry)}"></label>
<label>CVC<input name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" required value="${escapeHtml(values.cvc)}"></label></div>
<label>Name on card<input name="name" autocomplete="cc-name" value="${escapeHtml(values.name)}"></label>
<button type="submit"${session.branding_settings ? ` style="background:${escapeHtml(session.branding_settings.button_color)}"` : ''}>${escapeHtml(payLabel)}</button>
${session.custom_text.submit ? `<p class="notice">${escapeHtml(session.custom_text.submit.message)}</p>` : ''}
<p class="notice">Sandbox: use 4242 4242 4242 4242 to succeed, 4000 0000 0000 0002 to decline, 4000 0025 0000 3155 for authentication.</p>
</form>${promo}${cancel}`;
  return page(
    `${account.brand.name} – Checkout`,
    `<main><section>${heading}${summary(account, session)}</section><section>${form}</section></main>`,
  );
}

export function parseExpiry(text: string): { month: number; year: number } | null {
  const m = /^\s*(\d{1,2})\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(text.replace(/\s+\/\s+/, '/'));
  if (!m) return null;
  const month = Number(m[1]);
  const year = m[2].length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  if (month < 1 || month > 12) return null;
  return { month, year };
}

export function validateCard(form: Record<string, any>): string | null {
  const number = String(form.card_number ?? '').replace(/\s+/g, '');
  if (!/^\d{12,19}$/.test(number)) return 'Your card number is incomplete.';
  const expiry = parseExpiry(String(form.expiry ?? ''));
  if (!expiry) return "Your card's expiration date is incomplete.";
  const now = new Date();
  if (
    expiry.year < now.getUTCFullYear() ||
    (expiry.year === now.getUTCFullYear() && expiry.month < now.getUTCMonth() + 1)
  ) {
    return "Your card's expiration year is in the past.";
  }
  if (!/^\d{3,4}$/.test(String(form.cvc ?? ''))) return "Your card's security code is incomplete.";
  return null;
}

/** Serves the hosted checkout page (`/c/pay/cs_test_…`) and the 3DS challenge page (`/3ds/pi_…`). */
export function handlePage(core: SandboxCore, req: IncomingMessage, res: ServerResponse, rawBody: string): boolean {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const checkout = /^\/c\/pay\/(cs_[A-Za-z0-9_]+)$/.exec(url.pathname);
  if (checkout) {
    const owner = findOwner(core, 'checkout_sessions', checkout[1]);
    if (!owner) {
      html(
        res,
        404,
        page('Not found', '<main><p role="alert">Something went wrong: this checkout link is not valid.</p></main>'),
      );
      return true;
    }
    const ctx = pageCtx(core, owner.account);
    const session = expireIfDue(ctx, owner.object);
    if (req.method !== 'POST') {
      html(res, 200, checkoutPage(owner.account, session, url.searchParams.get('error')));
      core.store.changed();
      return true;
    }
    const form = decodeForm(rawBody) as Record<string, any>;
    if (form.apply && session.status === 'open') {
      const promo = session.allow_promotion_codes ? promotionCodeByCode(ctx, String(form.promotion_code ?? '')) : null;
      const coupon = promo ? owner.account.data.coupons[promo.promotion.coupon] : null;
      if (!promo || !coupon || !couponValid(coupon)) {
        html(res, 400, checkoutPage(owner.account, session, 'This code is invalid.'));
        return true;
      }
      applySessionDiscount(session, coupon, promo);
      core.store.changed();
      html(res, 200, checkoutPage(owner.account, session, null));
      return true;
    }
    const invalid = session.status === 'open' ? validateCard(form) : null;
    if (invalid) {
      html(res, 400, checkoutPage(owner.account, session, invalid, form));
      return true;
    }
    const expiry = parseExpiry(String(form.expiry ?? ''));
    const result = payCheckoutSession(ctx, session, {
      card: { number: String(form.card_number ?? ''), exp_month: expiry?.month ?? 12, exp_year: expiry?.year ?? 2099 },
      email: form.email || undefined,
      name: form.name || undefined,
    });
    core.store.changed();
    if (result.outcome === 'succeeded') redirect(res, result.redirectUrl);
    else if (result.outcome === 'requires_action') redirect(res, result.authenticateUrl);
    else html(res, 402, checkoutPage(owner.account, session, result.message, { email: form.email, name: form.name }));
    return true;
  }
  const challenge = /^\/3ds\/(pi_[A-Za-z0-9]+)$/.exec(url.pathname);
  if (challenge) {
    const owner = findOwner(core, 'payment_intents', challenge[1]);
    if (!owner) {
      html(res, 404, page('Not found', '<main><p role="alert">Unknown payment.</p></main>'));
      return true;
    }
    const pi = owner.object;
    if (req.method !== 'POST') {
      const body = `<main><section>${brandHeader(owner.account)}<h2>Authenticate your payment</h2><p>${formatMoney(pi.amount, pi.currency)} — this is a sandbox 3D Secure test page.</p>
<form method="post"><input type="hidden" name="result" value="approve"><button type="submit">Complete authentication</button></form>
<form method="post"><input type="hidden" name="result" value="fail"><button type="submit" class="secondary">Fail authentication</button></form></section></main>`;
      html(res, 200, page('Authenticate payment', body));
      return true;
    }
    const ctx = pageCtx(core, owner.account);
    const returnUrl = pi.next_action?.redirect_to_url?.return_url ?? null;
    const approved = (decodeForm(rawBody) as Record<string, any>).result === 'approve';
    const { error } = completeAuthentication(ctx, pi, approved);
    core.store.changed();
    const sessionId = pi._checkout_session as string | undefined;
    const session = sessionId ? owner.account.data.checkout_sessions[sessionId] : null;
    if (session) {
      if (error || pi.status !== 'succeeded') {
        redirect(res, `/c/pay/${session.id}?error=${encodeURIComponent(error?.message ?? 'Authentication failed.')}`);
        return true;
      }
      const done = completeSession(ctx, session);
      redirect(res, done.outcome === 'succeeded' ? done.redirectUrl : `/c/pay/${session.id}`);
      return true;
    }
    if (returnUrl) {
      const target = new URL(returnUrl);
      target.searchParams.set('payment_intent', pi.id);
      target.searchParams.set('payment_intent_client_secret', pi.client_secret);
      target.searchParams.set('redirect_status', pi.status === 'succeeded' ? 'succeeded' : 'failed');
      redirect(res, target.toString());
      return true;
    }
    html(
      res,
      200,
      page(
        'Authentication',
        `<main><p role="status">${pi.status === 'succeeded' ? 'Payment authenticated.' : escapeHtml(error?.message ?? 'Authentication failed.')}</p></main>`,
      ),
    );
    return true;
  }
  return false;
}
