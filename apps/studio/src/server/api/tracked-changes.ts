import { type ChangeEvent, type ChangeStream, PUSH_EVENTS, type PushHandlers } from '@tillflow/realtime';
import { type TrackedEnvelope, tracked } from '@trpc/server';

/** A tracked-message stream that can also be pushed to (handleSubscriptionRequest prefers that). */
export type TrackedChanges = AsyncIterable<TrackedEnvelope<ChangeEvent>> & {
  [PUSH_EVENTS](handlers: PushHandlers<TrackedEnvelope<ChangeEvent>>): void;
};

const trackedOf = (event: ChangeEvent) => tracked(String(event.position), event);

/**
 * A subscription's change events as tRPC tracked messages (id = change-log position, which the client sends back
 * as lastEventId to resume). A plain iterator rather than `for await … yield tracked(…)`: one promise per message
 * instead of another async generator's, which a change sent to a thousand subscribers pays a thousand times.
 * Ending it (return) ends the hub's subscription, as a generator's `finally` would. The SSE writer pushes instead
 * ([PUSH_EVENTS]): the hub hands each event straight to the stream, no promise per subscriber at all.
 */
export function trackedChanges(events: ChangeStream): TrackedChanges {
  const iterator: AsyncIterator<TrackedEnvelope<ChangeEvent>> = {
    next: () =>
      events
        .next()
        .then((step) =>
          step.done
            ? { done: true as const, value: undefined }
            : { done: false as const, value: trackedOf(step.value) },
        ),
    return: async () => {
      await events.return();
      return { done: true as const, value: undefined };
    },
  };
  return {
    [Symbol.asyncIterator]: () => iterator,
    [PUSH_EVENTS]: (handlers) =>
      events[PUSH_EVENTS]({ value: (event) => handlers.value(trackedOf(event)), end: handlers.end }),
  };
}
