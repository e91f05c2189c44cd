import type { AddressInfo } from 'node:net';
import { type PayResult, payCheckoutSession } from './checkout-flow';
import { pageCtx, type SandboxCore } from './context';
import type { AccountKeys, SandboxControls } from './control';
import { createEvent } from './events';
import { nowSeconds, randomToken } from './ids';
import { settleBankDebits } from './resources/bank-debits';
import { runDueRealTime } from './resources/test-clocks';
import { createSandboxServer } from './server';
import {
  type Account,
  type Brand,
  COLLECTIONS,
  DEFAULT_PUBLISHABLE_KEY,
  DEFAULT_SECRET_KEY,
  type DeliveryOptions,
  type DeliveryRecord,
  newAccount,
  Store,
} from './store';
import { WebhookDispatcher } from './webhooks/deliver';
import { webhookTargetPolicy } from './webhooks/targets';

export { API_VERSION } from './events';
export { DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY } from './store';
export { signPayload } from './webhooks/sign';
export type { AccountKeys, Brand, DeliveryOptions, DeliveryRecord, PayResult };

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** JSON file: loaded on start, saved (debounced) after changes. */
  persistPath?: string;
  /**
   * First webhook retry delay. Retries follow Stripe's schedule (doubling, each wait at most 12 h,
   * for up to 3 days) scaled by retryBaseMs / 60 s: the default 60 s is Stripe's own; tests use e.g. 50.
   */
  retryBaseMs?: number;
  /** A delivery without a 2xx within this time counts as failed. Default 10 s. */
  deliveryTimeoutMs?: number;
  /** Attempts per delivery before giving up. Default: as many as fit in the three-day window (15). */
  maxDeliveryAttempts?: number;
  /** How often subscriptions without a test clock are checked for renewal. Default 30 s. */
  renewalCheckMs?: number;
  /**
   * The token `/_sandbox` control calls must carry (header x-tillflow-sandbox-token). The studio
   * and the CLI pass the install's token; by default a random one (see `controlToken` on the result).
   */
  controlToken?: string;
  /**
   * Where webhooks may go: only endpoint URLs on these origins (e.g. the studio's own `PUBLIC_URL` origin) are
   * accepted when registered and delivered to, so an account's secret key cannot point the sandbox at another
   * port on this machine or at a cloud metadata address. The studio's embedded sandbox passes its own origin;
   * unset (a standalone sandbox for development), any http(s) URL is accepted.
   */
  webhookOrigins?: string[];
}

export interface Sandbox extends SandboxControls {
  url: string;
  port: number;
  /** What `/_sandbox` control calls must send in the x-tillflow-sandbox-token header. */
  controlToken: string;
  close(): Promise<void>;
  /** Async twin of the control call, so callers can `await` it like the HTTP control surface. */
  createAccount(opts?: { brand?: Partial<Brand>; livemode?: boolean }): AccountKeys & Promise<AccountKeys>;
  /** Resolves once no webhook delivery is queued, in flight or scheduled for retry. */
  waitForDeliveries(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const store = new Store(options.persistPath);
  let baseUrl = '';
  const webhookUrlProblem = webhookTargetPolicy(options.webhookOrigins);
  const dispatcher = new WebhookDispatcher({
    urlProblem: webhookUrlProblem,
    retryBaseMs: options.retryBaseMs ?? 60_000,
    deliveryTimeoutMs: options.deliveryTimeoutMs ?? 10_000,
    maxAttempts: options.maxDeliveryAttempts,
    onChange: () => store.changed(),
  });
  const core: SandboxCore = {
    store,
    baseUrl: () => baseUrl,
    webhookUrlProblem,
    emit(account, type, object, previous, request) {
      dispatcher.enqueue(account, createEvent(account, type, object, previous, request));
    },
  };
  const resolve = (idOrKey?: string | null): Account => {
    const account = idOrKey ? store.find(idOrKey) : store.find(DEFAULT_SECRET_KEY);
    if (!account) throw new Error(`No such sandbox account: ${idOrKey}`);
    return account;
  };

  const controls: SandboxControls = {
    createAccount(opts = {}) {
      const account = store.add(newAccount({ brand: opts.brand, livemode: opts.livemode }));
      return { accountId: account.id, secretKey: account.secretKey, publishableKey: account.publishableKey };
    },
    findAccount: (idOrKey) => (idOrKey ? store.find(idOrKey) : store.find(DEFAULT_SECRET_KEY)),
    accountById: (id) => store.accounts.get(id),
    accountBySecretKey: (key) => store.bySecretKey(key),
    listAccounts: () => [...store.accounts.values()],
    revokeKey(idOrKey) {
      resolve(idOrKey).revoked = true;
      store.changed();
    },
    reset(idOrKey) {
      const account = resolve(idOrKey);
      dispatcher.clear(account.id, store);
      for (const c of COLLECTIONS) account.data[c] = {};
      account.idempotency = {};
      account.deliveries = [];
      account.deliveryOptions = { duplicate: false, shuffle: false, delayMs: 0 };
      store.changed();
    },
    setDeliveryOptions(opts, idOrKey) {
      const account = resolve(idOrKey);
      account.deliveryOptions = { ...account.deliveryOptions, ...opts };
      store.changed();
      return account.deliveryOptions;
    },
    listDeliveries(idOrKey, filter = {}) {
      return resolve(idOrKey).deliveries.filter(
        (d) =>
          (!filter.eventId || d.event_id === filter.eventId) &&
          (!filter.endpointId || d.endpoint_id === filter.endpointId),
      );
    },
    setBrand(brand, idOrKey) {
      const account = resolve(idOrKey);
      account.brand = { ...account.brand, ...brand };
      store.changed();
      return account.brand;
    },
    setFailedRenewalBehavior(behavior, idOrKey) {
      resolve(idOrKey).failedRenewalBehavior = behavior;
      store.changed();
    },
    payCheckoutSession(sessionId, input = {}) {
      for (const account of store.accounts.values()) {
        const session = account.data.checkout_sessions[sessionId];
        if (!session) continue;
        const ctx = pageCtx(core, account);
        const year = new Date().getUTCFullYear() + 2;
        const result = payCheckoutSession(ctx, session, {
          card: { number: input.number ?? '4242424242424242', exp_month: 12, exp_year: year },
          email: input.email ?? 'customer@example.com',
          name: input.name,
          bankAccount: input.bankAccount,
        });
        store.changed();
        return result;
      }
      throw new Error(`No such checkout session: ${sessionId}`);
    },
    settleBankDebits(idOrKey) {
      const accounts = idOrKey ? [resolve(idOrKey)] : [...store.accounts.values()];
      let settled = 0;
      for (const account of accounts) settled += settleBankDebits(pageCtx(core, account), true);
      store.changed();
      return settled;
    },
  };

  const renewals = setInterval(() => {
    for (const account of store.accounts.values()) {
      const ctx = { core, account, params: {}, body: {}, query: {}, request: { id: null, idempotency_key: null } };
      runDueRealTime(ctx, nowSeconds());
      settleBankDebits(ctx, false);
    }
    store.changed();
  }, options.renewalCheckMs ?? 30_000);
  renewals.unref();

  // Deliveries saved before a restart (or a crash) go out at their due times.
  dispatcher.resume(store);

  const controlToken = options.controlToken ?? randomToken(32);
  const server = createSandboxServer(core, controls, controlToken);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  baseUrl = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}`;

  return {
    ...controls,
    createAccount(opts) {
      const keys = controls.createAccount(opts);
      return Object.assign(Promise.resolve(keys), keys);
    },
    url: baseUrl,
    port,
    controlToken,
    waitForDeliveries: () => dispatcher.idle(),
    async close() {
      clearInterval(renewals);
      dispatcher.close();
      store.flush();
      server.closeAllConnections?.();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

export { DEFAULT_PUBLISHABLE_KEY as defaultPublishableKey, DEFAULT_SECRET_KEY as defaultSecretKey };
