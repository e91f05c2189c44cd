import { setting, TillflowError } from '@tillflow/core';
import { getChangeHub } from '@tillflow/realtime';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { getSessionFromHeaders } from '../../auth';
import { trackLiveStream } from '../../teams/live-streams';
import { membershipOf } from '../../teams/members';
import { createTRPCRouter, projectProcedure } from '../trpc';

export const realtimeRouter = createTRPCRouter({
  /**
   * Live changes to the project's tables as the builder sees them (every row), e.g. live tables on the
   * Payments page. Each event's id is its change-log position, replayed from on reconnect.
   */
  changes: projectProcedure
    .input(
      z.object({
        tables: z.array(z.string().max(100)).max(20).optional(),
        lastEventId: z.string().regex(/^\d+$/).nullish(),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      // Ends at once when the member is removed, their role changes or this session is revoked (server/teams).
      const live = await trackLiveStream(
        ctx.db,
        { projectId: ctx.project.id, userId: ctx.user.id, sessionId: ctx.user.sessionId ?? null },
        signal,
      );
      const events = getChangeHub(ctx.db).subscribe({
        project: { id: ctx.project.id, schemaName: ctx.project.schemaName },
        actor: { kind: 'builder' },
        tables: input.tables,
        after: input.lastEventId ? Number(input.lastEventId) : null,
        signal: live.signal,
        stillValid: async () =>
          (await getSessionFromHeaders(ctx.headers))?.user.id === ctx.user.id &&
          (await membershipOf(ctx.db.db, ctx.project.id, ctx.user.id))?.role === ctx.role,
        revalidateMs: setting('TILLFLOW_REALTIME_REVALIDATE_MS'),
      });
      try {
        for await (const event of events) yield tracked(String(event.position), event);
      } finally {
        live.done();
      }
      if (live.ended()) throw new TillflowError('FORBIDDEN', 'Your access to this project changed. Reload the page.');
    }),
});
