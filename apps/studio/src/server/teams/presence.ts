import { authUser, canvasPresence, type Executor } from '@tillflow/db';
import { and, asc, eq, gt, lt } from 'drizzle-orm';

// Canvas presence: who else has a flow open on the Automations canvas. Each open canvas sends a heartbeat every
// few seconds (flows.presence mutation), one row per (project, flow, browser session); a row older than
// PRESENCE_TTL_MS no longer counts, and stale rows are swept on each heartbeat.

/** A heartbeat older than this means the canvas was closed. */
export const PRESENCE_TTL_MS = 20_000;

export type PresentMember = { userId: string; name: string; email: string; you: boolean };

export async function heartbeat(
  db: Executor,
  input: { projectId: number; flowId: string; sessionId: string; userId: string },
  now = new Date(),
) {
  await db
    .insert(canvasPresence)
    .values({ ...input, seenAt: now })
    .onConflictDoUpdate({
      target: [canvasPresence.projectId, canvasPresence.flowId, canvasPresence.sessionId],
      set: { seenAt: now, userId: input.userId },
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
    .select({ userId: authUser.id, name: authUser.name, email: authUser.email })
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
  const people = new Map<string, PresentMember>();
  for (const r of rows) people.set(r.userId, { ...r, you: r.userId === youId });
  return [...people.values()];
}
