import { type DbHandle, preparedRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';

/** A published flow listening for a delivery's event: it gets one run of that version. */
export type SubscribedFlow = { id: string; publishedVersionId: string };

/** One verified delivery to store: its event row, its delivery row and the runs it queues. */
export interface AckToStore {
  projectId: number;
  endpointId: string;
  eventId: string;
  type: string;
  livemode: boolean;
  objectId: string | null;
  eventCreated: number;
  /** The body as received: JSON already parsed once, so it is embedded as it is. */
  rawText: string;
  /** The published flows listening, each queued once if the event is new. */
  targets: SubscribedFlow[];
}

export interface StoredAck {
  eventRowId: string;
  duplicate: boolean;
  runs: number;
}

/**
 * Group commit for acknowledgements. Each delivery is answered only after its event is committed, but a
 * commit costs the database (a WAL flush) and the server (a round trip) about as much as the rows: while
 * MAX_IN_FLIGHT statements are being stored, deliveries arriving wait and go together as the next one
 * (one statement, one transaction, one commit for all). A delivery arriving at a quiet server goes at once,
 * alone. Two deliveries of one event are never in one statement (the second waits for the next), each
 * statement takes its rows in one order (no two statements can deadlock on each other's unique keys), and a
 * statement that fails is retried row by row, so one bad delivery never fails the others.
 */
export const ACK_BATCH_MAX_IN_FLIGHT = 2;
export const ACK_BATCH_MAX_ROWS = 64;
/**
 * A statement still unanswered after this long no longer holds its place: the deliveries behind it go ahead
 * on other connections (a half-open connection must not stop every acknowledgement), its own wait on.
 */
export const ACK_BATCH_STALL_MS = 2000;

interface Waiting {
  ack: AckToStore;
  key: string;
  resolve: (stored: StoredAck) => void;
  reject: (error: unknown) => void;
}

export class AckBatcher {
  private inFlight = 0;
  private waiting: Waiting[] = [];

  constructor(
    private readonly handle: DbHandle,
    private readonly limits = {
      maxInFlight: ACK_BATCH_MAX_IN_FLIGHT,
      maxRows: ACK_BATCH_MAX_ROWS,
      stallMs: ACK_BATCH_STALL_MS,
    },
  ) {}

  store(ack: AckToStore): Promise<StoredAck> {
    return new Promise<StoredAck>((resolve, reject) => {
      this.waiting.push({ ack, key: `${ack.projectId}|${ack.endpointId}|${ack.eventId}`, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.limits.maxInFlight && this.waiting.length > 0) {
      const batch = this.takeBatch();
      this.inFlight += 1;
      let counted = true;
      const giveBackPlace = () => {
        if (!counted) return;
        counted = false;
        this.inFlight -= 1;
        this.pump();
      };
      const stalled = setTimeout(giveBackPlace, this.limits.stallMs);
      stalled.unref?.();
      void this.send(batch).finally(() => {
        clearTimeout(stalled);
        giveBackPlace();
      });
    }
  }

  /** The oldest waiting deliveries, at most one per event, in key order (the lock order of every statement). */
  private takeBatch(): Waiting[] {
    const keys = new Set<string>();
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    for (const item of this.waiting) {
      if (batch.length < this.limits.maxRows && !keys.has(item.key)) {
        keys.add(item.key);
        batch.push(item);
      } else rest.push(item);
    }
    this.waiting = rest;
    return batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  private async send(batch: Waiting[]): Promise<void> {
    try {
      const stored = await storeAcks(
        this.handle,
        batch.map((w) => w.ack),
      );
      for (const [i, w] of batch.entries()) w.resolve(stored[i]);
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
      // One row's failure (a payload PostgreSQL's jsonb refuses, say) must not fail the deliveries beside it.
      await Promise.all(
        batch.map((w) =>
          storeAcks(this.handle, [w.ack]).then(
            ([stored]) => w.resolve(stored),
            (e: unknown) => w.reject(e),
          ),
        ),
      );
    }
  }
}

/**
 * One statement, so one transaction and one round trip for the whole batch: store each event (or count a
 * re-delivery: ON CONFLICT DO UPDATE sees a concurrently committed twin, `xmax = 0` tells a fresh insert
 * apart), record each delivery, queue the runs of each new event (the outbox: workers claim them from
 * flow_run; a run's trigger is its event's payload, read at claim). The batch travels as one JSON array
 * whose `payload`s are the bodies as received. Results come back in the batch's order.
 */
export async function storeAcks(handle: DbHandle, acks: AckToStore[]): Promise<StoredAck[]> {
  const items = acks.map(
    (a, n) =>
      `{"n":${n},"project_id":${a.projectId},"endpoint_id":${JSON.stringify(a.endpointId)},` +
      `"event_id":${JSON.stringify(a.eventId)},"type":${JSON.stringify(a.type)},"livemode":${a.livemode},` +
      `"object_id":${JSON.stringify(a.objectId)},"event_created":${Math.trunc(a.eventCreated)},` +
      `"flows":${JSON.stringify(a.targets.map((t) => t.id))},` +
      `"versions":${JSON.stringify(a.targets.map((t) => t.publishedVersionId))},"payload":${a.rawText}}`,
  );
  const rows = await preparedRows<{ n: number; id: string; inserted: boolean; runs: number }>(
    handle.db,
    sql`with input as (
          select * from jsonb_to_recordset(${`[${items.join(',')}]`}::jsonb) as x(n int, project_id int,
            endpoint_id uuid, event_id text, type text, livemode boolean, object_id text, event_created bigint,
            flows uuid[], versions uuid[], payload jsonb)),
        ev as (
          insert into stripe_event (project_id, endpoint_id, event_id, type, livemode, object_id, event_created, payload)
          select project_id, endpoint_id, event_id, type, livemode, object_id, event_created, payload
          from input order by n
          on conflict (project_id, endpoint_id, event_id) do update set delivery_count = stripe_event.delivery_count + 1
          returning id, project_id, endpoint_id, event_id, (xmax = 0) as inserted),
        matched as (
          select i.n, i.project_id, i.flows, i.versions, ev.id, ev.inserted
          from input i join ev on ev.project_id = i.project_id and ev.endpoint_id = i.endpoint_id
            and ev.event_id = i.event_id),
        delivery as (
          insert into webhook_delivery (endpoint_id, event_row_id, duplicate)
          select ev.endpoint_id, ev.id, not ev.inserted from ev),
        runs as (
          insert into flow_run (project_id, flow_id, flow_version_id, event_row_id)
          select m.project_id, f.flow_id, f.version_id, m.id
          from matched m, unnest(m.flows, m.versions) as f(flow_id, version_id)
          where m.inserted
          order by m.n
          returning event_row_id)
        select m.n, m.id, m.inserted, (select count(*) from runs r where r.event_row_id = m.id)::int as runs
        from matched m order by m.n`,
  );
  if (rows.length !== acks.length) throw new Error(`stored ${rows.length} of ${acks.length} acknowledgements`);
  return rows.map((r) => ({ eventRowId: r.id, duplicate: !r.inserted, runs: Number(r.runs) }));
}

const batchers = new WeakMap<DbHandle, AckBatcher>();

/** The database handle's batcher (one per handle, made on first use, gone with the handle). */
export function ackBatcher(handle: DbHandle): AckBatcher {
  let batcher = batchers.get(handle);
  if (!batcher) {
    batcher = new AckBatcher(handle);
    batchers.set(handle, batcher);
  }
  return batcher;
}
