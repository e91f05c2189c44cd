import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newId, randomToken } from './ids';

export const DEFAULT_SECRET_KEY = 'sk_test_tillflow_sandbox';
export const DEFAULT_PUBLISHABLE_KEY = 'pk_test_tillflow_sandbox';
export const DEFAULT_ACCOUNT_ID = 'acct_tillflow_sandbox';

export const COLLECTIONS = [
  'customers',
  'products',
  'prices',
  'checkout_sessions',
  'payment_intents',
  'payment_methods',
  'charges',
  'refunds',
  'disputes',
  'subscriptions',
  'invoices',
  'test_clocks',
  'webhook_endpoints',
  'events',
  'coupons',
  'promotion_codes',
  'billing_portal_sessions',
  'setup_intents',
  'invoiceitems',
  'discounts',
  'billing_portal_configurations',
] as const;
export type Collection = (typeof COLLECTIONS)[number];

/** Which collection an id belongs to, by Stripe's prefix (used by retrieve-by-id and `expand[]`). */
const PREFIXES: [string, Collection][] = [
  ['cus_', 'customers'],
  ['prod_', 'products'],
  ['price_', 'prices'],
  ['cs_', 'checkout_sessions'],
  ['pi_', 'payment_intents'],
  ['pm_', 'payment_methods'],
  ['ch_', 'charges'],
  ['re_', 'refunds'],
  ['dp_', 'disputes'],
  ['sub_', 'subscriptions'],
  ['in_', 'invoices'],
  ['clock_', 'test_clocks'],
  ['we_', 'webhook_endpoints'],
  ['evt_', 'events'],
  ['promo_', 'promotion_codes'],
  ['bps_', 'billing_portal_sessions'],
  ['seti_', 'setup_intents'],
  ['ii_', 'invoiceitems'],
  ['di_', 'discounts'],
  ['bpc_', 'billing_portal_configurations'],
];

/**
 * Each collection's objects in creation order, kept beside the id-keyed record: `Object.values` over a record
 * of 10 000 ids costs tens of milliseconds per call (searches and lists ran it per request). Built from the
 * record on first use (after a load or reset the record is a new object), then kept in step by
 * `storeObject` / `removeObject`, which every write goes through.
 */
const ORDER = new WeakMap<Record<string, any>, any[]>();

export function objectsOf(account: Account, collection: Collection): any[] {
  const record = account.data[collection];
  let list = ORDER.get(record);
  if (!list) {
    list = Object.values(record);
    ORDER.set(record, list);
  }
  return list;
}

export function storeObject(account: Account, collection: Collection, object: { id: string }): void {
  // A live-looking account's objects say so (they are built with `livemode: false`, as test objects are).
  if (account.livemode && 'livemode' in object) (object as { livemode: boolean }).livemode = true;
  const record = account.data[collection];
  const previous = record[object.id];
  record[object.id] = object;
  const list = ORDER.get(record);
  if (!list || previous === object) return;
  if (previous === undefined) list.push(object);
  else list[list.indexOf(previous)] = object;
}

export function removeObject(account: Account, collection: Collection, id: string): void {
  const record = account.data[collection];
  const previous = record[id];
  if (previous === undefined) return;
  delete record[id];
  const list = ORDER.get(record);
  if (list) list.splice(list.indexOf(previous), 1);
}

export function collectionOfId(id: string): Collection | undefined {
  return PREFIXES.find(([prefix]) => id.startsWith(prefix))?.[1];
}

export interface Brand {
  name: string;
  logoUrl: string | null;
  slogan: string | null;
}

export interface DeliveryOptions {
  duplicate: boolean;
  shuffle: boolean;
  delayMs: number;
}

export interface DeliveryRecord {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  url: string;
  attempt: number;
  status: 'succeeded' | 'failed';
  response_status: number | null;
  error: string | null;
  duration_ms: number;
  created: number;
  next_retry_at: number | null;
}

/** A delivery not yet made (or to be retried): saved with the account, so it survives a restart. */
export interface PendingDelivery {
  id: string;
  event_id: string;
  event_type: string;
  endpoint_id: string;
  /** The exact bytes every attempt sends. */
  payload: string;
  /** The number of the next attempt (1 = never tried). */
  attempt: number;
  first_attempt_at: number | null;
  /** Epoch ms when the next attempt is due. */
  due_at: number;
}

export interface IdempotentResult {
  fingerprint: string;
  status: number;
  body: string;
  createdAt: number;
}

export interface Account {
  id: string;
  secretKey: string;
  publishableKey: string;
  revoked: boolean;
  brand: Brand;
  /**
   * A live-looking account (tests of live/test separation): `sk_live_` / `pk_live_` keys, and its objects and
   * events say `livemode: true`, as real Stripe's do with live keys. Still the sandbox: no real money moves.
   */
  livemode?: boolean;
  deliveryOptions: DeliveryOptions;
  /** What happens after the last failed renewal retry (Stripe's dashboard setting); default cancel. */
  failedRenewalBehavior?: 'cancel' | 'unpaid';
  data: Record<Collection, Record<string, any>>;
  idempotency: Record<string, IdempotentResult>;
  deliveries: DeliveryRecord[];
  /** Deliveries not yet made, in order (see webhooks/deliver.ts). */
  webhookQueue?: PendingDelivery[];
}

function emptyData(): Record<Collection, Record<string, any>> {
  return Object.fromEntries(COLLECTIONS.map((c) => [c, {}])) as Record<Collection, Record<string, any>>;
}

export function newAccount(opts: {
  id?: string;
  secretKey?: string;
  publishableKey?: string;
  brand?: Partial<Brand>;
  livemode?: boolean;
}) {
  const token = randomToken(24);
  const mode = opts.livemode ? 'live' : 'test';
  const account: Account = {
    id: opts.id ?? newId('acct', 16),
    secretKey: opts.secretKey ?? `sk_${mode}_${token}`,
    publishableKey: opts.publishableKey ?? `pk_${mode}_${token}`,
    ...(opts.livemode ? { livemode: true } : {}),
    revoked: false,
    brand: { name: 'Tillflow Sandbox', logoUrl: null, slogan: null, ...opts.brand },
    deliveryOptions: { duplicate: false, shuffle: false, delayMs: 0 },
    data: emptyData(),
    idempotency: {},
    deliveries: [],
    webhookQueue: [],
  };
  return account;
}

/** All accounts, in memory, optionally mirrored to a JSON file (saved debounced after each change). */
export class Store {
  readonly accounts = new Map<string, Account>();
  private saveTimer: NodeJS.Timeout | null = null;

  constructor(private readonly persistPath?: string) {
    if (persistPath && existsSync(persistPath)) {
      const saved = JSON.parse(readFileSync(persistPath, 'utf8')) as { accounts: Account[] };
      for (const account of saved.accounts) {
        account.data = { ...emptyData(), ...account.data };
        account.deliveries ??= [];
        account.webhookQueue ??= [];
        account.idempotency ??= {};
        this.accounts.set(account.id, account);
      }
    }
    if (!this.accounts.has(DEFAULT_ACCOUNT_ID)) {
      this.add(
        newAccount({ id: DEFAULT_ACCOUNT_ID, secretKey: DEFAULT_SECRET_KEY, publishableKey: DEFAULT_PUBLISHABLE_KEY }),
      );
    }
  }

  add(account: Account): Account {
    this.accounts.set(account.id, account);
    this.changed();
    return account;
  }

  byKey(key: string): Account | undefined {
    for (const account of this.accounts.values()) {
      if (account.secretKey === key || account.publishableKey === key) return account;
    }
    return undefined;
  }

  bySecretKey(key: string): Account | undefined {
    for (const account of this.accounts.values()) if (account.secretKey === key) return account;
    return undefined;
  }

  /** Resolves an account by id or by one of its keys (in-process callers; the HTTP control surface never uses it). */
  find(idOrKey: string): Account | undefined {
    return this.accounts.get(idOrKey) ?? this.byKey(idOrKey);
  }

  /**
   * Counts changes: anything that may have changed an object bumps it (every mutating path calls `changed()`),
   * so derived data such as the search indexes knows when to rebuild.
   */
  generation = 0;

  changed(): void {
    this.generation++;
    if (!this.persistPath || this.saveTimer) return;
    this.saveTimer = setTimeout(() => this.flush(), 100);
    this.saveTimer.unref();
  }

  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    if (!this.persistPath) return;
    mkdirSync(path.dirname(this.persistPath), { recursive: true });
    const tmp = `${this.persistPath}.tmp`;
    // Write-then-rename so a crash mid-save never leaves a truncated file. The file holds
    // every account's secret key: readable by its owner only (0600), whatever umask says.
    writeFileSync(tmp, JSON.stringify({ version: 1, accounts: [...this.accounts.values()] }), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.persistPath);
  }
}
