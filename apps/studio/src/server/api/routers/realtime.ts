import { setting } from '@tillflow/core';
import { getChangeHub } from '@tillflow/realtime';
import { tracked } from '@trpc/server';
import { z } from 'zod';
import { getSessionFromHeaders } from '../../auth';
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
      const events = getChangeHub(ctx.db).subscribe({
        project: { id: ctx.project.id, schemaName: ctx.project.schemaName },
        actor: { kind: 'builder' },
        tables: input.tables,
        after: input.lastEventId ? Number(input.lastEventId) : null,
        signal,
        stillValid: async () => (await getSessionFromHeaders(ctx.headers))?.user.id === ctx.user.id,
        revalidateMs: setting('TILLFLOW_REALTIME_REVALIDATE_MS'),
      });
      for await (const event of events) yield tracked(String(event.position), event);
    }),
});
