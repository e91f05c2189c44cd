import type { IncomingMessage, ServerResponse } from 'node:http';
import { SANDBOX_TOKEN_HEADER, sameToken } from '@tillflow/core';
import { z } from 'zod';
import type { Account, Brand, DeliveryOptions, DeliveryRecord } from './store';

/** What the control surface needs from the sandbox; the programmatic API implements the same calls. */
export interface SandboxControls {
  createAccount(opts?: { brand?: Partial<Brand>; livemode?: boolean }): AccountKeys;
  /** In-process callers (tests, the CLI): by id or either key; the HTTP surface uses the two below. */
  findAccount(idOrKey?: string | null): Account | undefined;
  accountById(id: string): Account | undefined;
  /** Never by publishable key: that one is public (every visitor of a generated app can read it). */
  accountBySecretKey(secretKey: string): Account | undefined;
  listAccounts(): Account[];
  revokeKey(idOrKey: string): void;
  reset(idOrKey?: string): void;
  setDeliveryOptions(options: Partial<DeliveryOptions>, idOrKey?: string): DeliveryOptions;
  listDeliveries(idOrKey?: string, filter?: { eventId?: string; endpointId?: string }): DeliveryRecord[];
  setBrand(brand: Partial<Brand>, idOrKey?: string): Brand;
  setFailedRenewalBehavior(behavior: 'cancel' | 'unpaid', idOrKey?: string): void;
  payCheckoutSession(
    sessionId: string,
    card?: {
      number?: string;
      email?: string;
      name?: string;
      /** Pays by ACH Direct Debit (routing 110000000 and one of Stripe's test account numbers) instead. */
      bankAccount?: { routingNumber: string; accountNumber: string };
    },
  ): unknown;
  /** Settles the processing bank debits now (Stripe's test mode does it within minutes; the sandbox after 3). */
  settleBankDebits(idOrKey?: string): number;
}

export interface AccountKeys {
  accountId: string;
  secretKey: string;
  publishableKey: string;
}

const safeUrl = z
  .string()
  .max(1_500_000)
  .refine(
    (u) => /^(https?:\/\/|data:image\/(png|jpeg|gif|webp|svg\+xml);)/i.test(u),
    'logoUrl must be an http(s) URL or an image data URL',
  )
  .nullable();
const brandSchema = z.object({
  name: z.string().min(1).max(100).optional(),
  logoUrl: safeUrl.optional(),
  slogan: z.string().max(200).nullable().optional(),
});
const deliverySchema = z.object({
  duplicate: z.boolean().optional(),
  shuffle: z.boolean().optional(),
  delayMs: z.number().int().min(0).max(600_000).optional(),
});

export { brandSchema, deliverySchema };

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function parseBody(raw: string): Record<string, any> {
  if (!raw) return {};
  const parsed = JSON.parse(raw);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
  return parsed;
}

/** What an account looks like on the control surface: never its secret key (see `/keys`). */
function publicAccount(account: Account) {
  return {
    id: account.id,
    publishable_key: account.publishableKey,
    revoked: account.revoked,
    brand: account.brand,
    delivery_options: account.deliveryOptions,
  };
}

const refuse = (res: ServerResponse, status: number, message: string) =>
  json(res, status, { error: { type: 'invalid_request_error', message } });

/**
 * Why a control call is refused before it runs, or null. The studio calls from its
 * server: no Origin, no Sec-Fetch-Site, JSON bodies, and the install's token header,
 * none of which a cross-site page or a form post can produce.
 */
function refusal(req: IncomingMessage, token: string): [number, string] | null {
  const site = req.headers['sec-fetch-site'];
  if ((site && site !== 'same-origin' && site !== 'none') || req.headers.origin)
    return [403, 'The sandbox control surface does not answer browsers from other sites.'];
  const type = req.headers['content-type'] ?? '';
  if (req.method !== 'GET' && req.method !== 'HEAD' && !type.startsWith('application/json'))
    return [415, 'The sandbox control surface takes JSON bodies only (Content-Type: application/json).'];
  if (!sameToken(req.headers[SANDBOX_TOKEN_HEADER] as string | undefined, token))
    return [
      401,
      `The sandbox control surface needs this install's control token in the ${SANDBOX_TOKEN_HEADER} header (TILLFLOW_SANDBOX_TOKEN, or sandbox.token in the data folder).`,
    ];
  return null;
}

/**
 * `/_sandbox/...`: test and demo controls, outside Stripe's paths, for the studio's own
 * server-side calls only (see refusal). Per-account routes take an account id
 * (`/_sandbox/accounts/acct_.../...`); the short forms take the account's secret key as
 * Bearer, or the default account. Accounts are never found by publishable key, and
 * only `POST /accounts` and `GET /accounts/:id/keys` answer with a secret key.
 */
export function handleControl(
  controls: SandboxControls,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
  raw: string,
) {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const method = req.method ?? 'GET';
  let path = url.pathname.replace(/^\/_sandbox/, '') || '/';
  if (method === 'GET' && path === '/health') return json(res, 200, { ok: true });
  const refused = refusal(req, token);
  if (refused) return refuse(res, refused[0], refused[1]);
  let body: Record<string, any>;
  try {
    body = parseBody(raw);
  } catch {
    return refuse(res, 400, 'The body must be a JSON object.');
  }
  const bearer = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7).trim() : null;
  const scoped = /^\/accounts\/([^/]+)(\/.*)?$/.exec(path);
  const accountId = scoped ? decodeURIComponent(scoped[1]) : (url.searchParams.get('account') ?? body.account ?? null);
  if (scoped) path = scoped[2] ?? '/';
  try {
    if (!scoped && method === 'POST' && path === '/accounts') {
      const brand = body.brand ? brandSchema.parse(body.brand) : undefined;
      const keys = controls.createAccount({ brand: brand as Partial<Brand> });
      const account = controls.accountById(keys.accountId)!;
      return json(res, 200, { ...publicAccount(account), ...keys });
    }
    if (!scoped && method === 'GET' && path === '/accounts')
      return json(res, 200, { object: 'list', data: controls.listAccounts().map(publicAccount) });
    const account = accountId
      ? controls.accountById(String(accountId))
      : bearer
        ? controls.accountBySecretKey(bearer)
        : controls.findAccount(null);
    if (!account) return refuse(res, 404, 'No such sandbox account (give its id, or its secret key as Bearer).');
    const ref = account.id;
    if (method === 'GET' && path === '/') return json(res, 200, publicAccount(account));
    if (method === 'GET' && path === '/keys')
      return json(res, 200, { id: account.id, secret_key: account.secretKey, publishable_key: account.publishableKey });
    if (method === 'POST' && path === '/revoke') {
      controls.revokeKey(ref);
      return json(res, 200, { ...publicAccount(account), revoked: true });
    }
    if (method === 'POST' && path === '/reset') {
      controls.reset(ref);
      return json(res, 200, { reset: true, account: ref });
    }
    if (path === '/brand') {
      if (method === 'POST') controls.setBrand(brandSchema.parse(body) as Partial<Brand>, ref);
      return json(res, 200, account.brand);
    }
    if (path === '/delivery-options') {
      if (method === 'POST') controls.setDeliveryOptions(deliverySchema.parse(body), ref);
      return json(res, 200, account.deliveryOptions);
    }
    if (path === '/settings' && method === 'POST') {
      const parsed = z.object({ failedRenewalBehavior: z.enum(['cancel', 'unpaid']) }).parse(body);
      controls.setFailedRenewalBehavior(parsed.failedRenewalBehavior, ref);
      return json(res, 200, { failedRenewalBehavior: parsed.failedRenewalBehavior });
    }
    if (method === 'GET' && path === '/deliveries') {
      const data = controls.listDeliveries(ref, {
        eventId: url.searchParams.get('event_id') ?? undefined,
        endpointId: url.searchParams.get('endpoint_id') ?? undefined,
      });
      return json(res, 200, { object: 'list', data });
    }
    const pay = /^\/checkout_sessions\/(cs_[A-Za-z0-9_]+)\/pay$/.exec(path);
    if (pay && method === 'POST') {
      const input = z
        .object({
          number: z.string().optional(),
          email: z.string().optional(),
          name: z.string().optional(),
          bankAccount: z.object({ routingNumber: z.string(), accountNumber: z.string() }).optional(),
        })
        .parse(body);
      return json(res, 200, controls.payCheckoutSession(pay[1], input));
    }
    if (method === 'POST' && path === '/bank_debits/settle') {
      return json(res, 200, { settled: controls.settleBankDebits(ref) });
    }
    return json(res, 404, {
      error: { type: 'invalid_request_error', message: `Unknown sandbox control ${method} ${url.pathname}` },
    });
  } catch (e) {
    const message =
      e instanceof z.ZodError
        ? e.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')
        : String(e);
    return json(res, 400, { error: { type: 'invalid_request_error', message } });
  }
}
