import type { ChangeEvent } from '@tillflow/realtime';
import { type TrackedEnvelope, tracked } from '@trpc/server';

/**
 * A subscription's change events as tRPC tracked messages (id = change-log position, which the client sends back
 * as lastEventId to resume). A plain iterator rather than `for await … yield tracked(…)`: one promise per message
 * instead of another async generator's, which a change sent to a thousand subscribers pays a thousand times.
 * Ending it (return) ends the hub's subscription, as a generator's `finally` would.
 */
export function trackedChanges(events: AsyncIterator<ChangeEvent>): AsyncIterable<TrackedEnvelope<ChangeEvent>> {
  const iterator: AsyncIterator<TrackedEnvelope<ChangeEvent>> = {
    next: () =>
      events
        .next()
        .then((step) =>
          step.done
            ? { done: true as const, value: undefined }
            : { done: false as const, value: tracked(String(step.value.position), step.value) },
        ),
    return: async () => {
      await events.return?.(undefined);
      return { done: true as const, value: undefined };
    },
  };
  return { [Symbol.asyncIterator]: () => iterator };
}
