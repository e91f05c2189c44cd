import { newId } from '../ids';
import type { Account, DeliveryRecord } from '../store';
import { matchingEndpoints } from '../webhook-endpoints';
import { postWebhook } from './post';
import { signPayload } from './sign';

export interface DispatcherOptions {
  retryBaseMs: number;
  deliveryTimeoutMs: number;
  maxAttempts: number;
  onChange: () => void;
}

interface Job {
  account: Account;
  event: any;
  payload: string;
  endpointId: string;
  attempt: number;
}

const MAX_RECORDS_PER_ACCOUNT = 5000;

/**
 * Delivers events to webhook endpoints: one in-order queue per endpoint, Stripe's signature,
 * exponential-backoff retries on non-2xx or timeout, every attempt recorded on the account.
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
    for (const endpoint of endpoints) {
      jobs.push({ account, event, payload, endpointId: endpoint.id, attempt: 1 });
      if (duplicate) jobs.push({ account, event, payload, endpointId: endpoint.id, attempt: 1 });
    }
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

  private push(jobs: Job[]): void {
    for (const job of jobs) {
      const key = `${job.account.id}/${job.endpointId}`;
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
    const endpoint = job.account.data.webhook_endpoints[job.endpointId];
    if (endpoint?.status !== 'enabled') return this.settle();
    const payload = job.payload;
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
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
    if (this.closed) return this.settle();
    const ok = status !== null && status >= 200 && status < 300;
    const retry = !ok && job.attempt < this.options.maxAttempts;
    const delay = this.options.retryBaseMs * 2 ** (job.attempt - 1);
    this.record(job.account, {
      id: newId('whdel'),
      event_id: job.event.id,
      event_type: job.event.type,
      endpoint_id: job.endpointId,
      url: endpoint.url,
      attempt: job.attempt,
      status: ok ? 'succeeded' : 'failed',
      response_status: status,
      error,
      duration_ms: Date.now() - started,
      created: started,
      next_retry_at: retry ? Date.now() + delay : null,
    });
    if (ok) {
      const stored = job.account.data.events[job.event.id];
      if (stored && stored.pending_webhooks > 0) stored.pending_webhooks--;
    }
    if (retry) {
      this.inFlight++;
      this.later(() => this.push([{ ...job, attempt: job.attempt + 1 }]), delay, true);
    }
    this.settle();
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
  clear(accountId?: string): void {
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
