import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatMoney } from '@tillflow/core/money';
import {
  type Ctx,
  clone,
  diff,
  emit,
  getObject,
  putObject,
  type Route,
  type SandboxCore,
  timeForCustomer,
} from '../context';
import { invalidRequest } from '../errors';
import { decodeForm } from '../form-decode';
import { escapeHtml, page } from '../html';
import { newId, nowSeconds, randomToken } from '../ids';
import { allowOnly, str } from '../params';
import type { Account } from '../store';

const SESSION_MINUTES = 5;

/** `billing_portal.sessions.create`: a short-lived link to the hosted customer portal (`/p/session/…`). */
export const billingPortalRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/billing_portal/sessions',
    handler: (ctx) => {
      allowOnly(ctx.body, ['customer', 'return_url', 'configuration', 'flow_data', 'locale', 'on_behalf_of']);
      const customer = getObject(ctx.account, 'customers', str(ctx.body, 'customer', true), 'customer', 'customer');
      const returnUrl = str(ctx.body, 'return_url') ?? null;
      if (returnUrl && !/^https?:\/\//.test(returnUrl))
        throw invalidRequest('Not a valid URL', 'return_url', 'url_invalid');
      const id = newId('bps', 24);
      const token = randomToken(32);
      return putObject(ctx.account, 'billing_portal_sessions', {
        id,
        object: 'billing_portal.session',
        configuration: 'bpc_tillflow_sandbox_default',
        created: nowSeconds(),
        customer: customer.id,
        customer_account: null,
        flow: null,
        livemode: false,
        locale: str(ctx.body, 'locale') ?? null,
        on_behalf_of: null,
        return_url: returnUrl,
        url: `${ctx.core.baseUrl()}/p/session/${token}`,
        _token: token,
        _expires_at: nowSeconds() + SESSION_MINUTES * 60,
      });
    },
  },
];

function findSession(core: SandboxCore, token: string): { account: Account; session: any } | null {
  for (const account of core.store.accounts.values()) {
    for (const session of Object.values(account.data.billing_portal_sessions) as any[]) {
      if (session._token === token) return { account, session };
    }
  }
  return null;
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

function portalPage(account: Account, session: any, notice: string | null): string {
  const customer = account.data.customers[session.customer];
  const subs = (Object.values(account.data.subscriptions) as any[]).filter(
    (s) => s.customer === session.customer && s.status !== 'canceled' && s.status !== 'incomplete_expired',
  );
  const rows = subs
    .map((s) => {
      const item = s.items.data[0];
      const product = account.data.products[item.price.product];
      const every = `${item.price.recurring.interval_count > 1 ? `${item.price.recurring.interval_count} ` : ''}${item.price.recurring.interval}`;
      const ends = new Date(item.current_period_end * 1000).toISOString().slice(0, 10);
      const state = s.cancel_at_period_end
        ? `<p class="notice">Cancels on ${ends}.</p><form method="post"><input type="hidden" name="subscription" value="${escapeHtml(s.id)}"><button type="submit" name="action" value="renew">Renew plan</button></form>`
        : `<p class="notice">${s.status === 'trialing' ? 'Trial ends' : 'Renews'} on ${ends}.</p><form method="post"><input type="hidden" name="subscription" value="${escapeHtml(s.id)}"><button type="submit" name="action" value="cancel" class="secondary">Cancel plan</button></form>`;
      return `<article aria-label="${escapeHtml(product?.name ?? 'Plan')}"><h3>${escapeHtml(product?.name ?? 'Plan')}</h3><p>${formatMoney(item.price.unit_amount * item.quantity, item.price.currency)} / ${escapeHtml(every)}</p>${state}</article>`;
    })
    .join('');
  const back = session.return_url
    ? `<p><a href="${escapeHtml(session.return_url)}">Return to ${escapeHtml(account.brand.name)}</a></p>`
    : '';
  return page(
    `${account.brand.name} – Manage your subscription`,
    `<main><section><h1>${escapeHtml(account.brand.name)}</h1><h2>Manage your subscription</h2><p>${escapeHtml(customer?.email ?? '')}</p>${notice ? `<p role="status">${escapeHtml(notice)}</p>` : ''}${rows || '<p>No current subscriptions.</p>'}${back}</section></main>`,
  );
}

/** The hosted customer portal: the customer's subscriptions, cancel at period end or renew. */
export function handlePortalPage(
  core: SandboxCore,
  req: IncomingMessage,
  res: ServerResponse,
  rawBody: string,
): boolean {
  const m = /^\/p\/session\/([A-Za-z0-9]+)$/.exec(new URL(req.url ?? '/', 'http://sandbox').pathname);
  if (!m) return false;
  const found = findSession(core, m[1]);
  if (!found || nowSeconds() > found.session._expires_at) {
    html(
      res,
      404,
      page(
        'Link expired',
        '<main><p role="alert">This portal link has expired. Open it again from the site.</p></main>',
      ),
    );
    return true;
  }
  const { account, session } = found;
  if (req.method !== 'POST') {
    html(res, 200, portalPage(account, session, null));
    return true;
  }
  const form = decodeForm(rawBody) as Record<string, string>;
  const sub = account.data.subscriptions[form.subscription];
  if (!sub || sub.customer !== session.customer) {
    html(res, 404, portalPage(account, session, 'That subscription is not yours.'));
    return true;
  }
  const ctx: Ctx = {
    core,
    account,
    params: {},
    body: {},
    query: {},
    request: { id: newId('req', 14), idempotency_key: null },
  };
  const before = clone(sub);
  const cancel = form.action === 'cancel';
  sub.cancel_at_period_end = cancel;
  sub.cancel_at = cancel ? sub.items.data[0].current_period_end : null;
  sub.canceled_at = cancel ? timeForCustomer(account, sub.customer) : null;
  sub.cancellation_details = { comment: null, feedback: null, reason: cancel ? 'cancellation_requested' : null };
  emit(ctx, 'customer.subscription.updated', sub, diff(before, sub));
  core.store.changed();
  html(
    res,
    200,
    portalPage(
      account,
      session,
      cancel ? 'Your plan will be canceled at the end of the period.' : 'Your plan will renew.',
    ),
  );
  return true;
}
