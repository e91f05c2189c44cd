import { newId } from '../ids';
import type { Account, DeliveryRecord, PendingDelivery, Store } from '../store';
import { matchingEndpoints } from '../webhook-endpoints';
import { postWebhook } from './post';
import { nextAttemptAt } from './schedule';
import { signPayload } from './sign';

export interface DispatcherOptions {
  /** First retry delay; Stripe's schedule scaled by it (see schedule.ts). */
  retryBaseMs: number;
  deliveryTimeoutMs: number;
  /** Gives up after this many attempts even inside the three-day window (tests). */
  maxAttempts?: number;
  onChange: () => void;
  /** Why a webhook may not go to this URL; checked again at every attempt (endpoints stored before a policy). */
  urlProblem?: (url: string) => string | null;
}

interface Job {
  account: Account;
  /** The persisted queue entry (account.webhookQueue): it outlives this process. */
  pending: PendingDelivery;
}

const MAX_RECORDS_PER_ACCOUNT = 5000;

/**
 * Delivers events to webhook endpoints: one in-order queue per endpoint, Stripe's signature,
 * retries on non-2xx or timeout on Stripe's schedule (schedule.ts), every attempt recorded on the
 * account. Every delivery not yet made sits in `account.webhookQueue`, saved with the rest of the
 * sandbox's state, so a restart resumes them at their due times (`resume`), as Stripe keeps
 * retrying while a receiver is down.
 */
export class WebhookDispatcher {
  private readonly queues = new Map<string, Job[]>();
  private readonly busy = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending: Job[][] = [];
  private closed = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: DispatcherOptions) {}

  /** Queues an event for every endpoint subscribed to it, honouring the account's delivery options. */
  enqueue(account: Account, event: any): void {
    const endpoints = matchingEndpoints(account, event.type);
    if (endpoints.length === 0 || this.closed) return;
    const { duplicate, shuffle, delayMs } = account.deliveryOptions;
    const jobs: Job[] = [];
    // Serialized once: every endpoint and every retry receives the very same bytes.
    const payload = JSON.stringify(event, null, 2);
    account.webhookQueue ??= [];
    const queue = account.webhookQueue;
    const dueAt = Date.now() + delayMs;
    const entry = (endpointId: string): Job => {
      const pending: PendingDelivery = {
        id: newId('whq'),
        event_id: event.id,
        event_type: event.type,
        endpoint_id: endpointId,
        payload,
        attempt: 1,
        first_attempt_at: null,
        due_at: dueAt,
      };
      queue.push(pending);
      return { account, pending };
    };
    for (const endpoint of endpoints) {
      jobs.push(entry(endpoint.id));
      if (duplicate) jobs.push(entry(endpoint.id));
    }
    this.options.onChange();
    if (shuffle) {
      // Shuffled within a short window, so a request's events arrive out of order.
      this.pending.push(jobs);
      if (this.pending.length === 1) this.later(() => this.flushShuffled(), Math.max(delayMs, 20));
      return;
    }
    if (delayMs > 0) this.later(() => this.push(jobs), delayMs);
    else this.push(jobs);
  }

  private flushShuffled(): void {
    const jobs = this.pending.splice(0).flat();
    for (let i = jobs.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [jobs[i], jobs[j]] = [jobs[j], jobs[i]];
    }
    this.push(jobs);
  }

  /** Schedules every saved delivery of every account at its due time (overdue ones at once). */
  resume(store: Store): number {
    let count = 0;
    const now = Date.now();
    for (const account of store.accounts.values()) {
      for (const pending of account.webhookQueue ?? []) {
        count++;
        const job = { account, pending };
        this.inFlight++;
        this.later(() => this.push([job]), Math.max(0, pending.due_at - now), true);
      }
    }
    return count;
  }

  private push(jobs: Job[]): void {
    for (const job of jobs) {
      const key = `${job.account.id}/${job.pending.endpoint_id}`;
      const queue = this.queues.get(key) ?? [];
      this.queues.set(key, queue);
      queue.push(job);
      this.inFlight++;
      void this.drain(key);
    }
  }

  private async drain(key: string): Promise<void> {
    if (this.busy.has(key)) return;
    this.busy.add(key);
    try {
      const queue = this.queues.get(key)!;
      while (queue.length && !this.closed) {
        const job = queue.shift()!;
        await this.attempt(job);
      }
    } finally {
      this.busy.delete(key);
    }
  }

  private async attempt(job: Job): Promise<void> {
    const { account, pending } = job;
    // Dropped meanwhile (account reset).
    if (!account.webhookQueue?.includes(pending)) return this.settle();
    const endpoint = account.data.webhook_endpoints[pending.endpoint_id];
    if (endpoint?.status !== 'enabled') {
      this.forget(account, pending);
      return this.settle();
    }
    const payload = pending.payload;
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    const refused = this.options.urlProblem?.(endpoint.url) ?? null;
    try {
      if (refused) throw new Error(refused);
      status = await postWebhook(
        endpoint.url,
        payload,
        {
          'content-type': 'application/json; charset=utf-8',
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'stripe-signature': signPayload(payload, endpoint._secret),
        },
        this.options.deliveryTimeoutMs,
      );
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    // Closing mid-attempt: the entry stays queued and is sent again after the restart.
    if (this.closed) return this.settle();
    const ok = status !== null && status >= 200 && status < 300;
    const now = Date.now();
    pending.first_attempt_at ??= started;
    const next = ok
      ? null
      : nextAttemptAt(
          pending.attempt,
          pending.first_attempt_at,
          now,
          this.options.retryBaseMs,
          this.options.maxAttempts,
        );
    this.record(account, {
      id: newId('whdel'),
      event_id: pending.event_id,
      event_type: pending.event_type,
      endpoint_id: pending.endpoint_id,
      url: endpoint.url,
      attempt: pending.attempt,
      status: ok ? 'succeeded' : 'failed',
      response_status: status,
      error,
      duration_ms: now - started,
      created: started,
      next_retry_at: next,
    });
    if (ok) {
      const stored = account.data.events[pending.event_id];
      if (stored && stored.pending_webhooks > 0) stored.pending_webhooks--;
    }
    if (next === null) this.forget(account, pending);
    else {
      pending.attempt += 1;
      pending.due_at = next;
      this.options.onChange();
      this.inFlight++;
      this.later(() => this.push([job]), next - now, true);
    }
    this.settle();
  }

  private forget(account: Account, pending: PendingDelivery): void {
    const queue = account.webhookQueue ?? [];
    const at = queue.indexOf(pending);
    if (at !== -1) queue.splice(at, 1);
    this.options.onChange();
  }

  private record(account: Account, record: DeliveryRecord): void {
    account.deliveries.push(record);
    if (account.deliveries.length > MAX_RECORDS_PER_ACCOUNT) account.deliveries.splice(0, 1000);
    this.options.onChange();
  }

  private settle(): void {
    this.inFlight--;
    if (this.inFlight <= 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private later(fn: () => void, ms: number, counted = false): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (counted) this.inFlight--;
      if (!this.closed) fn();
    }, ms);
    timer.unref?.();
    this.timers.add(timer);
  }

  /** Resolves when nothing is queued, in flight, or waiting for a retry. */
  idle(): Promise<void> {
    if (this.inFlight <= 0 && this.timers.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops queued and scheduled deliveries (used by reset). */
  clear(accountId?: string, store?: Store): void {
    for (const account of store?.accounts.values() ?? []) {
      if (!accountId || account.id === accountId) account.webhookQueue = [];
    }
    for (const [key, queue] of this.queues) {
      if (!accountId || key.startsWith(`${accountId}/`)) {
        this.inFlight -= queue.length;
        queue.length = 0;
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
