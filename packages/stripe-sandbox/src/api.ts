import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ctx, SandboxCore } from './context';
import { authenticationError, expiredKeyError, idempotencyError, routeMissing, StripeApiError } from './errors';
import { decodeForm, type FormObject } from './form-decode';
import { findIdempotent, fingerprint, saveIdempotent } from './idempotency';
import { newId } from './ids';
import { expandResponse, publicView } from './render';
import type { Router } from './router';
import { checkKnownParams } from './spec-params';
import type { Account } from './store';

export const API_VERSION_HEADER = '2026-10-28.endive';

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

function bearerKey(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  if (header.startsWith('Bearer ')) return header.slice(7).trim();
  if (header.startsWith('Basic ')) return Buffer.from(header.slice(6), 'base64').toString('utf8').split(':')[0];
  return null;
}

/**
 * A publishable key can only do what Stripe.js does: create a card PaymentMethod, and with a
 * client secret retrieve and confirm that one PaymentIntent.
 */
function publishableKeyMayCall(account: Account, method: string, path: string, params: FormObject): boolean {
  if (method === 'POST' && path === '/v1/payment_methods') return params.type === 'card';
  const m = /^\/v1\/payment_intents\/(pi_[A-Za-z0-9]+)(\/confirm)?$/.exec(path);
  if (!m || (m[2] ? method !== 'POST' : method !== 'GET')) return false;
  const pi = account.data.payment_intents[m[1]];
  return Boolean(pi && typeof params.client_secret === 'string' && params.client_secret === pi.client_secret);
}

function publishableKeyError(): StripeApiError {
  return new StripeApiError(
    401,
    'invalid_request_error',
    'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
    { code: 'secret_key_required' },
  );
}

/** Serves `/v1/...`: auth, form decoding, idempotency, routing, expansion, Stripe's error envelope. */
export function handleApi(
  core: SandboxCore,
  router: Router,
  req: IncomingMessage,
  res: ServerResponse,
  rawBody: string,
): void {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const method = req.method ?? 'GET';
  const requestId = newId('req', 14);
  const headers: Record<string, string> = {
    'request-id': requestId,
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'Request-Id, Stripe-Version, Idempotency-Key, Idempotent-Replayed',
    'stripe-version': (req.headers['stripe-version'] as string) ?? API_VERSION_HEADER,
  };
  const fail = (error: StripeApiError) => send(res, error.status, JSON.stringify(error.toBody(), null, 2), headers);

  const query = decodeForm(url.search.slice(1));
  const form = method === 'POST' ? decodeForm(rawBody) : {};
  // Stripe.js sends the publishable key as a `key` parameter instead of a header.
  const paramKey = typeof form.key === 'string' ? form.key : typeof query.key === 'string' ? query.key : null;
  delete form.key;
  delete query.key;
  const key = bearerKey(req) ?? paramKey;
  const account = key ? core.store.byKey(key) : undefined;
  if (!key || !account) {
    fail(authenticationError(key));
    return;
  }
  if (account.publishableKey === key && !publishableKeyMayCall(account, method, url.pathname, { ...query, ...form })) {
    fail(publishableKeyError());
    return;
  }
  if (account.revoked) {
    fail(expiredKeyError(key));
    return;
  }

  const idempotencyKey = method === 'POST' ? ((req.headers['idempotency-key'] as string) ?? null) : null;
  let print = '';
  if (idempotencyKey) {
    headers['idempotency-key'] = idempotencyKey;
    print = fingerprint(method, url.pathname, rawBody);
    const previous = findIdempotent(account, idempotencyKey);
    if (previous) {
      if (previous.fingerprint !== print) fail(idempotencyError(idempotencyKey));
      else send(res, previous.status, previous.body, { ...headers, 'idempotent-replayed': 'true' });
      return;
    }
  }

  let status = 200;
  let body: string;
  let pure = false;
  try {
    const match = router.match(method, url.pathname);
    pure = match?.pure === true;
    if (!match) throw routeMissing(method, url.pathname);
    checkKnownParams(method, match.path, method === 'POST' ? form : query);
    const ctx: Ctx = {
      core,
      account,
      params: match.params,
      body: form,
      query,
      request: { id: requestId, idempotency_key: idempotencyKey },
    };
    const result = match.handler(ctx);
    const view = result.object === 'list' || result.deleted ? structuredClone(result) : publicView(result);
    body = JSON.stringify(expandResponse(account, view, method === 'GET' ? query : form), null, 2);
  } catch (e) {
    const error =
      e instanceof StripeApiError
        ? e
        : new StripeApiError(500, 'api_error', `Sandbox internal error: ${e instanceof Error ? e.message : String(e)}`);
    status = error.status;
    body = JSON.stringify(error.toBody(), null, 2);
  }
  // Stripe keeps the outcome of any request that reached processing, errors included, but not 5xx.
  if (idempotencyKey && status < 500) saveIdempotent(account, idempotencyKey, { fingerprint: print, status, body });
  if (!pure) core.store.changed();
  send(res, status, body, headers);
}
