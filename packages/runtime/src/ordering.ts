import { type Executor, executeRows } from '@tillflow/db';
import { sql } from 'drizzle-orm';

// Stripe sends events out of order and retries old ones for days. Each
// object's state must end where Stripe's ended: a handler writes only if the
// event is not older than the last one it applied to that row.

export interface StripeObjectVersion {
  /** The event's `created` (unix seconds). */
  eventCreated: number;
  eventId?: string | null;
  eventType?: string | null;
}

// Within one second, lifecycle order decides: created < updated < deleted.
function lifecycleRank(type: string | null | undefined): number {
  if (!type) return 1;
  if (type.endsWith('.created')) return 0;
  if (type.endsWith('.deleted')) return 2;
  return 1;
}

/**
 * Whether an event may overwrite a row last written from `current`. Newer
 * events win; within the same second the later lifecycle step wins; an event
 * already applied is not applied again.
 */
export function shouldApplyStripeObjectUpdate(
  current: StripeObjectVersion | null | undefined,
  incoming: StripeObjectVersion,
): boolean {
  if (!current || !Number.isFinite(current.eventCreated)) return true;
  if (incoming.eventId && current.eventId && incoming.eventId === current.eventId) return false;
  if (incoming.eventCreated !== current.eventCreated) return incoming.eventCreated > current.eventCreated;
  return lifecycleRank(incoming.eventType) >= lifecycleRank(current.eventType);
}

export function stripeObjectVersionOf(event: { id: string; type: string; created: number }): StripeObjectVersion {
  return { eventCreated: event.created, eventId: event.id, eventType: event.type };
}

/**
 * True when the project has stored a newer event about the same Stripe object
 * (from the event log): the incoming one is stale and must not overwrite. The
 * newer event's own run applies (or applied) the newer state.
 */
export async function hasNewerEventForObject(
  db: Executor,
  projectId: number,
  event: { id: string; type: string; created: number; data: { object: { id?: string } } },
): Promise<boolean> {
  const objectId = event.data.object.id;
  if (!objectId) return false;
  const rows = await executeRows<{ event_id: string; type: string; event_created: number }>(
    db,
    sql`select event_id, type, event_created from stripe_event
        where project_id = ${projectId} and object_id = ${objectId} and event_id <> ${event.id}
          and event_created >= ${event.created}`,
  );
  const incoming = stripeObjectVersionOf(event);
  return rows.some(
    (r) =>
      !shouldApplyStripeObjectUpdate(
        { eventCreated: Number(r.event_created), eventId: r.event_id, eventType: r.type },
        incoming,
      ),
  );
}
