import { resourceMissing } from './errors';
import type { FormObject } from './form-decode';
import { newId, nowSeconds } from './ids';
import { type Account, type Collection, type Store, storeObject } from './store';

export interface RequestInfo {
  id: string | null;
  idempotency_key: string | null;
}

/** What every resource handler needs: state, time, and the event stream. */
export interface SandboxCore {
  store: Store;
  baseUrl(): string;
  /** Why webhooks may not go to this URL (the sandbox's webhookOrigins), or null when they may. */
  webhookUrlProblem(url: string): string | null;
  emit(account: Account, type: string, object: any, previous?: Record<string, unknown>, request?: RequestInfo): void;
}

export interface Ctx {
  core: SandboxCore;
  account: Account;
  params: Record<string, string>;
  body: FormObject;
  query: FormObject;
  request: RequestInfo;
}

/** A handler context for work the sandbox does outside an API request (hosted pages, test controls). */
export function pageCtx(core: SandboxCore, account: Account): Ctx {
  return { core, account, params: {}, body: {}, query: {}, request: { id: newId('req', 14), idempotency_key: null } };
}

export type Handler = (ctx: Ctx) => any;
export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  handler: Handler;
  /** Reads nothing but state: answering it does not count as a change (search routes keep their index). */
  pure?: boolean;
  /** A list route's filter parameters (the rest but pagination is refused); see render.ts › filteredList. */
  filters?: string[];
}

export function getObject(account: Account, collection: Collection, id: string, noun: string, param = 'id'): any {
  const found = account.data[collection][id];
  // Deleted customers stay retrievable as `{deleted: true}` (see customers.ts) but are gone for everything else.
  if (!found || found._deleted) throw resourceMissing(noun, id, param);
  return found;
}

export function putObject(account: Account, collection: Collection, object: { id: string; [key: string]: any }): any {
  storeObject(account, collection, object);
  return object;
}

/** Current time for objects under a customer: the customer's test clock if it has one. */
export function timeForCustomer(account: Account, customerId: string | null | undefined): number {
  if (!customerId) return nowSeconds();
  const clockId = account.data.customers[customerId]?.test_clock;
  const clock = clockId ? account.data.test_clocks[clockId] : undefined;
  return clock ? clock.frozen_time : nowSeconds();
}

/** Emits an event for `object`, snapshotting it so later changes never leak into delivered payloads. */
export function emit(ctx: Ctx, type: string, object: any, previous?: Record<string, unknown>): void {
  ctx.core.emit(ctx.account, type, object, previous, ctx.request);
}

/** The fields of `before` that differ from `after`: Stripe's `data.previous_attributes`. */
export function diff(before: any, after: any): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(before)) {
    if (key.startsWith('_')) continue;
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = before[key];
  }
  return out;
}

export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
