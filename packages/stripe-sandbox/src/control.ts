import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { decodeForm } from './form-decode';
import type { Account, Brand, DeliveryOptions, DeliveryRecord } from './store';

/** What the control surface needs from the sandbox; the programmatic API implements the same calls. */
export interface SandboxControls {
  createAccount(opts?: { brand?: Partial<Brand> }): AccountKeys;
  findAccount(idOrKey?: string | null): Account | undefined;
  revokeKey(idOrKey: string): void;
  reset(idOrKey?: string): void;
  setDeliveryOptions(options: Partial<DeliveryOptions>, idOrKey?: string): DeliveryOptions;
  listDeliveries(idOrKey?: string, filter?: { eventId?: string; endpointId?: string }): DeliveryRecord[];
  setBrand(brand: Partial<Brand>, idOrKey?: string): Brand;
  setFailedRenewalBehavior(behavior: 'cancel' | 'unpaid', idOrKey?: string): void;
  payCheckoutSession(sessionId: string, card?: { number?: string; email?: string; name?: string }): unknown;
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

function parseBody(req: IncomingMessage, raw: string): Record<string, any> {
  if (!raw) return {};
  if ((req.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(raw);
  const form = decodeForm(raw) as Record<string, any>;
  for (const [k, v] of Object.entries(form)) {
    if (v === 'true' || v === 'false') form[k] = v === 'true';
    else if (typeof v === 'string' && /^\d+$/.test(v) && k !== 'name') form[k] = Number(v);
  }
  return form;
}

function publicAccount(account: Account) {
  return {
    id: account.id,
    secret_key: account.secretKey,
    publishable_key: account.publishableKey,
    revoked: account.revoked,
    brand: account.brand,
    delivery_options: account.deliveryOptions,
  };
}

/**
 * `/_sandbox/...`: test and demo controls, outside Stripe's paths. Per-account routes take an account id
 * or one of its keys (`/_sandbox/accounts/:account/...`); the short forms use the Bearer key or the default account.
 */
export function handleControl(controls: SandboxControls, req: IncomingMessage, res: ServerResponse, raw: string) {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const method = req.method ?? 'GET';
  let body: Record<string, any>;
  try {
    body = parseBody(req, raw);
  } catch {
    return json(res, 400, { error: { type: 'invalid_request_error', message: 'Body must be JSON or form-encoded.' } });
  }
  const bearer = req.headers.authorization?.startsWith('Bearer ') ? req.headers.authorization.slice(7) : null;
  let path = url.pathname.replace(/^\/_sandbox/, '') || '/';
  let accountRef: string | null = bearer ?? url.searchParams.get('account') ?? body.account ?? null;
  const scoped = /^\/accounts\/([^/]+)(\/.*)?$/.exec(path);
  if (scoped) {
    accountRef = decodeURIComponent(scoped[1]);
    path = scoped[2] ?? '/';
  }
  try {
    if (!scoped && method === 'GET' && path === '/health') return json(res, 200, { ok: true });
    if (!scoped && method === 'POST' && path === '/accounts') {
      const brand = body.brand ? brandSchema.parse(body.brand) : undefined;
      const keys = controls.createAccount({ brand: brand as Partial<Brand> });
      const account = controls.findAccount(keys.accountId)!;
      return json(res, 200, { ...publicAccount(account), ...keys });
    }
    const account = controls.findAccount(accountRef);
    if (!account)
      return json(res, 404, { error: { type: 'invalid_request_error', message: 'No such sandbox account.' } });
    const ref = account.id;
    if (method === 'GET' && path === '/') return json(res, 200, publicAccount(account));
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
        .object({ number: z.string().optional(), email: z.string().optional(), name: z.string().optional() })
        .parse(body);
      return json(res, 200, controls.payCheckoutSession(pay[1], input));
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
