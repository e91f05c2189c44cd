import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatMoney } from '@tillflow/core/money';
import {
  type Ctx,
  clone,
  diff,
  emit,
  getObject,
  pageCtx,
  putObject,
  type Route,
  type SandboxCore,
  timeForCustomer,
} from '../context';
import { invalidRequest, StripeApiError } from '../errors';
import { decodeForm, type FormObject } from '../form-decode';
import { escapeHtml, page } from '../html';
import { newId, nowSeconds, randomToken } from '../ids';
import { allowOnly, arr, bool, metadata, nullableStr, obj, oneOf, str, strArray } from '../params';
import { filteredList, flag } from '../render';
import { type Account, objectsOf } from '../store';
import { changeSubscription, paymentMethodSection, subscriptionControls, updatePaymentMethod } from './portal-actions';
import { changeSubscriptionItems } from './subscription-items';
import { cancelSubscription } from './subscription-lifecycle';

const SESSION_MINUTES = 5;
const PRORATIONS = ['always_invoice', 'create_prorations', 'none'] as const;
const CANCEL_REASONS = [
  'customer_service',
  'low_quality',
  'missing_features',
  'other',
  'switched_service',
  'too_complex',
  'too_expensive',
  'unused',
] as const;

function enabled(given: FormObject | undefined, param: string): boolean | undefined {
  if (!given) return undefined;
  const on = bool(given, 'enabled');
  if (on === undefined)
    throw invalidRequest(`Missing required param: ${param}[enabled].`, `${param}[enabled]`, 'parameter_missing');
  return on;
}

/** Reads `features[...]` onto `features` (create: from Stripe's defaults; update: from the stored ones). */
function applyFeatures(ctx: Ctx, features: any, given: FormObject): void {
  const customerUpdate = obj(given, 'customer_update');
  const on = enabled(customerUpdate, 'features[customer_update]');
  if (on !== undefined) {
    features.customer_update.enabled = on;
    const allowed = customerUpdate!.allowed_updates;
    if (allowed !== undefined)
      features.customer_update.allowed_updates = allowed === '' ? [] : strArray(customerUpdate!, 'allowed_updates');
  }
  for (const name of ['invoice_history', 'payment_method_update', 'subscription_pause'] as const) {
    const value = enabled(obj(given, name), `features[${name}]`);
    if (value !== undefined) features[name].enabled = value;
  }
  const cancel = obj(given, 'subscription_cancel');
  const cancelOn = enabled(cancel, 'features[subscription_cancel]');
  if (cancelOn !== undefined) {
    const c = features.subscription_cancel;
    c.enabled = cancelOn;
    c.mode = oneOf(cancel!, 'mode', ['at_period_end', 'immediately'] as const) ?? c.mode;
    c.proration_behavior = oneOf(cancel!, 'proration_behavior', PRORATIONS) ?? c.proration_behavior;
    const reason = obj(cancel!, 'cancellation_reason');
    if (reason) {
      c.cancellation_reason.enabled = bool(reason, 'enabled') ?? c.cancellation_reason.enabled;
      const options = reason.options === '' ? [] : (strArray(reason, 'options') ?? c.cancellation_reason.options);
      options.forEach((o: string, i: number) => {
        if (!(CANCEL_REASONS as readonly string[]).includes(o))
          throw invalidRequest(
            `Invalid option: ${o}`,
            `features[subscription_cancel][cancellation_reason][options][${i}]`,
          );
      });
      c.cancellation_reason.options = options;
    }
  }
  const update = obj(given, 'subscription_update');
  const updateOn = enabled(update, 'features[subscription_update]');
  if (updateOn !== undefined) {
    const u = features.subscription_update;
    const p = 'features[subscription_update]';
    u.enabled = updateOn;
    if (update!.default_allowed_updates !== undefined) {
      const allowed = update!.default_allowed_updates === '' ? [] : strArray(update!, 'default_allowed_updates')!;
      allowed.forEach((a, i) => {
        if (!['price', 'promotion_code', 'quantity'].includes(a))
          throw invalidRequest(`Invalid value: ${a}`, `${p}[default_allowed_updates][${i}]`);
      });
      u.default_allowed_updates = allowed;
    }
    u.proration_behavior = oneOf(update!, 'proration_behavior', PRORATIONS) ?? u.proration_behavior;
    if (update!.products !== undefined) {
      const raw = update!.products === '' ? [] : (arr(update!, 'products') ?? []);
      u.products = raw.map((entry, i) => {
        const q = `${p}[products][${i}]`;
        if (typeof entry !== 'object' || Array.isArray(entry)) throw invalidRequest(`Invalid ${q}`, q);
        const product = getObject(ctx.account, 'products', str(entry, 'product', true), 'product', `${q}[product]`);
        const prices = strArray(entry, 'prices');
        if (!prices?.length)
          throw invalidRequest(`Missing required param: ${q}[prices].`, `${q}[prices]`, 'parameter_missing');
        prices.forEach((id, j) => {
          const price = getObject(ctx.account, 'prices', id, 'price', `${q}[prices][${j}]`);
          if (price.product !== product.id || !price.recurring)
            throw invalidRequest(`The price ${id} is not a recurring price of ${product.id}.`, `${q}[prices][${j}]`);
        });
        return { adjustable_quantity: { enabled: false, maximum: null, minimum: 1 }, prices, product: product.id };
      });
    }
    if (u.enabled && u.default_allowed_updates.length === 0)
      throw invalidRequest(
        `Missing required param: ${p}[default_allowed_updates].`,
        `${p}[default_allowed_updates]`,
        'parameter_missing',
      );
    if (u.enabled && u.default_allowed_updates.includes('price') && !u.products?.length)
      throw invalidRequest(`Missing required param: ${p}[products].`, `${p}[products]`, 'parameter_missing');
  }
}

function businessProfile(target: any, given: FormObject | undefined): void {
  if (!given) return;
  for (const k of ['headline', 'privacy_policy_url', 'terms_of_service_url'] as const) {
    const v = nullableStr(given, k);
    if (v === undefined) continue;
    if (v && k !== 'headline' && !/^https?:\/\//.test(v))
      throw invalidRequest('Not a valid URL', `business_profile[${k}]`, 'url_invalid');
    target[k] = v;
  }
}

function newConfiguration(isDefault: boolean): any {
  const now = nowSeconds();
  return {
    id: newId('bpc', 24),
    object: 'billing_portal.configuration',
    active: true,
    application: null,
    business_profile: { headline: null, privacy_policy_url: null, terms_of_service_url: null },
    created: now,
    default_return_url: null,
    features: {
      customer_update: { allowed_updates: [], enabled: false },
      invoice_history: { enabled: true },
      payment_method_update: { enabled: false, payment_method_configuration: null },
      subscription_cancel: {
        cancellation_reason: { enabled: false, options: [] },
        enabled: true,
        mode: 'at_period_end',
        proration_behavior: 'none',
      },
      subscription_pause: { enabled: false },
      subscription_update: {
        billing_cycle_anchor: null,
        default_allowed_updates: [],
        enabled: false,
        products: [],
        proration_behavior: 'none',
        schedule_at_period_end: { conditions: [] },
        trial_update_behavior: 'end_trial',
      },
    },
    is_default: isDefault,
    livemode: false,
    login_page: { enabled: false, url: null },
    metadata: {},
    name: null,
    updated: now,
  };
}

/** The account's default portal configuration (made on first need, like the one a Stripe Dashboard saves). */
function defaultConfiguration(ctx: Ctx): any {
  const found = (objectsOf(ctx.account, 'billing_portal_configurations') as any[]).find((c) => c.is_default);
  return found ?? putObject(ctx.account, 'billing_portal_configurations', newConfiguration(true));
}

const CONFIG_FIELDS = ['business_profile', 'default_return_url', 'features', 'login_page', 'metadata', 'name'];

function configure(ctx: Ctx, config: any): void {
  businessProfile(config.business_profile, obj(ctx.body, 'business_profile'));
  const returnUrl = nullableStr(ctx.body, 'default_return_url');
  if (returnUrl && !/^https?:\/\//.test(returnUrl))
    throw invalidRequest('Not a valid URL', 'default_return_url', 'url_invalid');
  if (returnUrl !== undefined) config.default_return_url = returnUrl;
  const login = obj(ctx.body, 'login_page');
  if (login && bool(login, 'enabled'))
    throw invalidRequest('The sandbox has no portal login page.', 'login_page[enabled]');
  const name = nullableStr(ctx.body, 'name');
  if (name !== undefined) config.name = name;
  config.metadata = metadata(ctx.body, config.metadata);
  const features = obj(ctx.body, 'features');
  if (features) applyFeatures(ctx, config.features, features);
}

/** `billing_portal.sessions.create`: a short-lived link to the hosted customer portal (`/p/session/…`). */
export const billingPortalRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/billing_portal/configurations',
    handler: (ctx) => {
      allowOnly(ctx.body, CONFIG_FIELDS);
      if (!obj(ctx.body, 'features'))
        throw invalidRequest('Missing required param: features.', 'features', 'parameter_missing');
      const config = newConfiguration(false);
      defaultConfiguration(ctx);
      configure(ctx, config);
      putObject(ctx.account, 'billing_portal_configurations', config);
      emit(ctx, 'billing_portal.configuration.created', config);
      return config;
    },
  },
  {
    method: 'GET',
    path: '/v1/billing_portal/configurations/:id',
    handler: (ctx) =>
      getObject(ctx.account, 'billing_portal_configurations', ctx.params.id, 'billing_portal.configuration'),
  },
  {
    method: 'POST',
    path: '/v1/billing_portal/configurations/:id',
    handler: (ctx) => {
      allowOnly(ctx.body, [...CONFIG_FIELDS, 'active']);
      const config = getObject(
        ctx.account,
        'billing_portal_configurations',
        ctx.params.id,
        'billing_portal.configuration',
      );
      const before = clone(config);
      const active = bool(ctx.body, 'active');
      if (active === false && config.is_default)
        throw invalidRequest('The default configuration cannot be deactivated.', 'active');
      if (active !== undefined) config.active = active;
      configure(ctx, config);
      config.updated = nowSeconds();
      emit(ctx, 'billing_portal.configuration.updated', config, diff(before, config));
      return config;
    },
  },
  {
    method: 'GET',
    path: '/v1/billing_portal/configurations',
    filters: ['active', 'is_default'],
    handler: (ctx) => {
      defaultConfiguration(ctx);
      return filteredList(
        ctx.query,
        objectsOf(ctx.account, 'billing_portal_configurations'),
        '/v1/billing_portal/configurations',
        { active: flag((c) => c.active), is_default: flag((c) => c.is_default) },
      );
    },
  },
  {
    method: 'POST',
    path: '/v1/billing_portal/sessions',
    handler: (ctx) => {
      allowOnly(ctx.body, ['customer', 'return_url', 'configuration', 'flow_data', 'locale', 'on_behalf_of']);
      const customer = getObject(ctx.account, 'customers', str(ctx.body, 'customer', true), 'customer', 'customer');
      const configId = str(ctx.body, 'configuration');
      const config = configId
        ? getObject(
            ctx.account,
            'billing_portal_configurations',
            configId,
            'billing_portal.configuration',
            'configuration',
          )
        : defaultConfiguration(ctx);
      if (!config.active) throw invalidRequest('This portal configuration is not active.', 'configuration');
      const returnUrl = str(ctx.body, 'return_url') ?? config.default_return_url ?? null;
      if (returnUrl && !/^https?:\/\//.test(returnUrl))
        throw invalidRequest('Not a valid URL', 'return_url', 'url_invalid');
      const id = newId('bps', 24);
      const token = randomToken(32);
      return putObject(ctx.account, 'billing_portal_sessions', {
        id,
        object: 'billing_portal.session',
        configuration: config.id,
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
    for (const session of [...objectsOf(account, 'billing_portal_sessions')] as any[]) {
      if (session._token === token) return { account, session };
    }
  }
  return null;
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(body);
}

/** What the portal lets this session's customer do (older sessions without a stored configuration: defaults). */
function configOf(account: Account, session: any): any {
  return account.data.billing_portal_configurations[session.configuration] ?? newConfiguration(true);
}

/** The prices a subscription may switch to under the configuration (same currency, not its current one). */
function switchOptions(account: Account, config: any, sub: any): any[] {
  const update = config.features.subscription_update;
  if (!update.enabled || !update.default_allowed_updates.includes('price') || sub.items.data.length !== 1) return [];
  const current = sub.items.data[0].price.id;
  return (update.products ?? [])
    .flatMap((p: any) => p.prices)
    .map((id: string) => account.data.prices[id])
    .filter(
      (price: any) => price?.active && price.recurring && price.currency === sub.currency && price.id !== current,
    );
}

function every(price: any): string {
  return `${price.recurring.interval_count > 1 ? `${price.recurring.interval_count} ` : ''}${price.recurring.interval}`;
}

function portalPage(account: Account, session: any, notice: string | null): string {
  const config = configOf(account, session);
  const customer = account.data.customers[session.customer];
  const subs = (objectsOf(account, 'subscriptions') as any[]).filter(
    (s) => s.customer === session.customer && s.status !== 'canceled' && s.status !== 'incomplete_expired',
  );
  const hidden = (s: any) => `<input type="hidden" name="subscription" value="${escapeHtml(s.id)}">`;
  const rows = subs
    .map((s) => {
      const item = s.items.data[0];
      const product = account.data.products[item.price.product];
      const ends = new Date(item.current_period_end * 1000).toISOString().slice(0, 10);
      const cancelable = config.features.subscription_cancel.enabled;
      const state = s.cancel_at_period_end
        ? `<p class="notice">Cancels on ${ends}.</p><form method="post">${hidden(s)}<button type="submit" name="action" value="renew">Renew plan</button></form>`
        : `<p class="notice">${s.status === 'trialing' ? 'Trial ends' : 'Renews'} on ${ends}.</p>${cancelable ? `<form method="post">${hidden(s)}<button type="submit" name="action" value="cancel" class="secondary">Cancel plan</button></form>` : ''}`;
      const options = s.cancel_at_period_end ? [] : switchOptions(account, config, s);
      const switches = options.length
        ? `<h4>Change plan</h4>${options
            .map((price: any) => {
              const name = account.data.products[price.product]?.name ?? 'Plan';
              const label = `${name} – ${formatMoney(price.unit_amount * item.quantity, price.currency)} / ${every(price)}`;
              return `<form method="post">${hidden(s)}<input type="hidden" name="price" value="${escapeHtml(price.id)}"><button type="submit" name="action" value="switch" class="secondary">Switch to ${escapeHtml(label)}</button></form>`;
            })
            .join('')}`
        : '';
      const quantity = item.quantity > 1 ? ` (quantity ${item.quantity})` : '';
      return `<article aria-label="${escapeHtml(product?.name ?? 'Plan')}"><h3>${escapeHtml(product?.name ?? 'Plan')}</h3><p>${formatMoney(item.price.unit_amount * item.quantity, item.price.currency)} / ${escapeHtml(every(item.price))}${quantity}</p>${state}${subscriptionControls(config, s)}${switches}</article>`;
    })
    .join('');
  const back = session.return_url
    ? `<p><a href="${escapeHtml(session.return_url)}">Return to ${escapeHtml(account.brand.name)}</a></p>`
    : '';
  const headline = config.business_profile.headline ? `<p>${escapeHtml(config.business_profile.headline)}</p>` : '';
  return page(
    `${account.brand.name} – Manage your subscription`,
    `<main><section><h1>${escapeHtml(account.brand.name)}</h1>${headline}<h2>Manage your subscription</h2><p>${escapeHtml(customer?.email ?? '')}</p>${notice ? `<p role="status">${escapeHtml(notice)}</p>` : ''}${rows || '<p>No current subscriptions.</p>'}${paymentMethodSection(account, config, session.customer)}${back}</section></main>`,
  );
}

/** The hosted customer portal: the customer's subscriptions; cancel, renew and switch plan as configured. */
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
  if (form.action === 'payment_method') {
    const done = updatePaymentMethod(pageCtx(core, account), configOf(account, session), session.customer, form);
    core.store.changed();
    html(res, done.status, portalPage(account, session, done.notice));
    return true;
  }
  const sub = account.data.subscriptions[form.subscription];
  if (!sub || sub.customer !== session.customer) {
    html(res, 404, portalPage(account, session, 'That subscription is not yours.'));
    return true;
  }
  const ctx = pageCtx(core, account);
  const config = configOf(account, session);
  const now = timeForCustomer(account, sub.customer);
  const before = clone(sub);
  let notice: string;
  const other = changeSubscription(ctx, config, sub, form);
  if (other) {
    core.store.changed();
    html(res, other.status, portalPage(account, session, other.notice));
    return true;
  }
  if (form.action === 'switch') {
    const price = switchOptions(account, config, sub).find((p) => p.id === form.price);
    if (!price) {
      html(res, 403, portalPage(account, session, 'That plan is not offered here.'));
      return true;
    }
    const item = sub.items.data[0];
    try {
      changeSubscriptionItems(
        ctx,
        sub,
        { items: [{ id: item.id, price: price.id }] },
        config.features.subscription_update.proration_behavior,
        now,
      );
    } catch (e) {
      if (!(e instanceof StripeApiError)) throw e;
      html(res, 400, portalPage(account, session, e.message));
      return true;
    }
    emit(ctx, 'customer.subscription.updated', sub, diff(before, sub));
    notice = `Your plan is now ${account.data.products[price.product]?.name ?? 'changed'} (${formatMoney(price.unit_amount * item.quantity, price.currency)} / ${every(price)}).`;
  } else if (form.action === 'cancel' || form.action === 'renew') {
    const cancel = form.action === 'cancel';
    if (cancel && !config.features.subscription_cancel.enabled) {
      html(res, 403, portalPage(account, session, 'Canceling is not offered here.'));
      return true;
    }
    if (cancel && config.features.subscription_cancel.mode === 'immediately') {
      cancelSubscription(ctx, sub, now, 'cancellation_requested');
      notice = 'Your plan is canceled.';
    } else {
      sub.cancel_at_period_end = cancel;
      sub.cancel_at = cancel ? sub.items.data[0].current_period_end : null;
      sub.canceled_at = cancel ? now : null;
      sub.cancellation_details = { comment: null, feedback: null, reason: cancel ? 'cancellation_requested' : null };
      emit(ctx, 'customer.subscription.updated', sub, diff(before, sub));
      notice = cancel ? 'Your plan will be canceled at the end of the period.' : 'Your plan will renew.';
    }
  } else {
    html(res, 400, portalPage(account, session, 'Unknown action.'));
    return true;
  }
  core.store.changed();
  html(res, 200, portalPage(account, session, notice));
  return true;
}
