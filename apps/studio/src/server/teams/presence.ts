import { authUser, canvasPresence, type Executor } from '@tillflow/db';
import { and, asc, eq, gt, lt } from 'drizzle-orm';

// Canvas presence: who else has a flow open on the Automations canvas. Each open canvas sends a heartbeat every
// few seconds (flows.presence mutation), one row per (project, flow, browser session); a row older than
// PRESENCE_TTL_MS no longer counts, and stale rows are swept on each heartbeat.

/**
 * A heartbeat older than this means the canvas was closed without saying so (a crashed tab or a lost network;
 * a closed or hidden tab leaves at once): a little over two of the canvas's 5 s heartbeats.
 */
export const PRESENCE_TTL_MS = 12_000;

/** A person on the canvas and the nodes they have selected (their most recent tab's selection). */
export type PresentMember = { userId: string; name: string; email: string; you: boolean; selection: string[] };

/** At most this many selected node ids are kept per heartbeat (a select-all on a big flow sends the first ones). */
export const MAX_SHARED_SELECTION = 50;

export async function heartbeat(
  db: Executor,
  input: { projectId: number; flowId: string; sessionId: string; userId: string; selection?: string[] },
  now = new Date(),
) {
  const selection = (input.selection ?? []).slice(0, MAX_SHARED_SELECTION);
  await db
    .insert(canvasPresence)
    .values({ ...input, selection, seenAt: now })
    .onConflictDoUpdate({
      target: [canvasPresence.projectId, canvasPresence.flowId, canvasPresence.sessionId],
      set: { seenAt: now, userId: input.userId, selection },
    });
  await db.delete(canvasPresence).where(lt(canvasPresence.seenAt, new Date(now.getTime() - PRESENCE_TTL_MS * 3)));
}

/** Leaving the canvas: the row goes at once, so others stop seeing this person without waiting for the TTL. */
export async function leave(db: Executor, input: { projectId: number; flowId: string; sessionId: string }) {
  await db
    .delete(canvasPresence)
    .where(
      and(
        eq(canvasPresence.projectId, input.projectId),
        eq(canvasPresence.flowId, input.flowId),
        eq(canvasPresence.sessionId, input.sessionId),
      ),
    );
}

/** Everyone with this flow open now (one entry per person, even with several tabs), the caller marked `you`. */
export async function present(
  db: Executor,
  projectId: number,
  flowId: string,
  youId: string,
  now = new Date(),
): Promise<PresentMember[]> {
  const rows = await db
    .select({
      userId: authUser.id,
      name: authUser.name,
      email: authUser.email,
      selection: canvasPresence.selection,
      seenAt: canvasPresence.seenAt,
    })
    .from(canvasPresence)
    .innerJoin(authUser, eq(authUser.id, canvasPresence.userId))
    .where(
      and(
        eq(canvasPresence.projectId, projectId),
        eq(canvasPresence.flowId, flowId),
        gt(canvasPresence.seenAt, new Date(now.getTime() - PRESENCE_TTL_MS)),
      ),
    )
    .orderBy(asc(authUser.name), asc(authUser.id));
  const people = new Map<string, PresentMember & { seenAt: Date }>();
  for (const r of rows) {
    const seen = people.get(r.userId);
    // Several tabs: the selection of the one heard from last.
    if (!seen || r.seenAt > seen.seenAt)
      people.set(r.userId, {
        userId: r.userId,
        name: r.name,
        email: r.email,
        you: r.userId === youId,
        selection: Array.isArray(r.selection) ? (r.selection as string[]) : [],
        seenAt: r.seenAt,
      });
  }
  return [...people.values()].map(({ seenAt: _seenAt, ...person }) => person);
}
