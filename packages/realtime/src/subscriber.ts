import type { Actor } from '@tillflow/data-model';
import type { ChangeEvent } from './visibility';

// A slow client that falls this far behind is cut off; it reconnects with its
// last position and replays from the log instead of growing memory without bound.
const MAX_QUEUED = 10_000;

/**
 * One subscription's queue: the hub pushes, the subscription's iterator pulls. Or, once a consumer listens
 * (listen), each event is handed to it as the hub pushes it, with no queue and no promise per event.
 */
export class Subscriber {
  private readonly queue: ChangeEvent[] = [];
  private waiting: ((event: ChangeEvent | null) => void) | null = null;
  private listener: ((event: ChangeEvent | null) => void) | null = null;
  private ended = false;
  /** Set when the actor no longer stands (role changed, session gone): the client should reconnect. */
  stale = false;
  /** Asks whether the actor still stands; ends the subscription as stale if not (set by the hub). */
  revalidate: () => void = () => {};
  private readonly tables: Set<string> | null;

  constructor(
    readonly actor: Actor,
    tables: string[] | null,
    signal?: AbortSignal,
  ) {
    this.tables = tables && tables.length > 0 ? new Set(tables) : null;
    signal?.addEventListener('abort', () => this.end(), { once: true });
    if (signal?.aborted) this.end();
  }

  wantsTable(name: string): boolean {
    return this.tables === null || this.tables.has(name);
  }

  push(event: ChangeEvent) {
    if (this.ended) return;
    if (this.listener) {
      this.listener(event);
      return;
    }
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(event);
      return;
    }
    if (this.queue.length >= MAX_QUEUED) {
      this.end();
      return;
    }
    this.queue.push(event);
  }

  /** The next event, or null once ended (aborted, closed or overflowed). */
  next(): Promise<ChangeEvent | null> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /**
   * From now on events go to `listener` as they are pushed (what was queued first, in order), and null once the
   * subscription ends. The listener decides how far behind its consumer may fall; next() is not to be called.
   */
  listen(listener: (event: ChangeEvent | null) => void) {
    if (this.ended) {
      listener(null);
      return;
    }
    this.listener = listener;
    for (const event of this.queue.splice(0)) {
      if (this.ended) return; // (ended meanwhile: the listener has had its null)
      listener(event);
    }
  }

  /** Ends the subscription because its actor no longer stands (see ChangeHub's stillValid). */
  endStale() {
    if (this.ended) return;
    this.stale = true;
    this.end();
  }

  end() {
    if (this.ended) return;
    this.ended = true;
    this.queue.length = 0;
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.(null);
    const listener = this.listener;
    this.listener = null;
    listener?.(null);
  }
}
