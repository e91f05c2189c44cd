import { type Ctx, emit, getObject, putObject, type Route } from '../context';
import { invalidRequest } from '../errors';
import { newId, nowSeconds } from '../ids';
import { allowOnly, int, str } from '../params';
import { filteredList } from '../render';
import { objectsOf, removeObject } from '../store';
import { nextDueAt, runDue } from './subscription-lifecycle';

const MAX_STEPS = 10_000;

function subscriptionsOnClock(ctx: Ctx, clockId: string): any[] {
  return objectsOf(ctx.account, 'subscriptions').filter((s: any) => s.test_clock === clockId);
}

/**
 * Moves a clock forward one due moment at a time (renewals, retries, expiries), so
 * three periods produce three renewals with their events in order.
 */
export function advanceClock(ctx: Ctx, clock: any, target: number): void {
  for (let step = 0; step < MAX_STEPS; step++) {
    let next: { at: number; sub: any } | null = null;
    for (const sub of subscriptionsOnClock(ctx, clock.id)) {
      const at = nextDueAt(ctx, sub);
      if (at !== null && at <= target && (!next || at < next.at)) next = { at, sub };
    }
    if (!next) break;
    clock.frozen_time = Math.max(clock.frozen_time, next.at);
    runDue(ctx, next.sub, next.at);
  }
  clock.frozen_time = target;
}

/** Renews subscriptions that are not on a test clock when their real time comes (checked periodically). */
export function runDueRealTime(ctx: Ctx, now: number): void {
  for (const sub of [...objectsOf(ctx.account, 'subscriptions')] as any[]) {
    if (sub.test_clock) continue;
    for (let step = 0; step < 100; step++) {
      const at = nextDueAt(ctx, sub);
      if (at === null || at > now) break;
      runDue(ctx, sub, at);
    }
  }
}

export const testClockRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/test_helpers/test_clocks',
    handler: (ctx) => {
      allowOnly(ctx.body, ['frozen_time', 'name']);
      const frozen = int(ctx.body, 'frozen_time', { required: true })!;
      const clock = putObject(ctx.account, 'test_clocks', {
        id: newId('clock'),
        object: 'test_helpers.test_clock',
        created: nowSeconds(),
        deletes_after: nowSeconds() + 30 * 86_400,
        frozen_time: frozen,
        livemode: false,
        name: str(ctx.body, 'name') ?? null,
        status: 'ready',
        status_details: {},
      });
      emit(ctx, 'test_helpers.test_clock.created', clock);
      return clock;
    },
  },
  {
    method: 'GET',
    path: '/v1/test_helpers/test_clocks/:id',
    handler: (ctx) => getObject(ctx.account, 'test_clocks', ctx.params.id, 'test_helpers.test_clock'),
  },
  {
    method: 'GET',
    path: '/v1/test_helpers/test_clocks',
    filters: [],
    handler: (ctx) =>
      filteredList(ctx.query, objectsOf(ctx.account, 'test_clocks'), '/v1/test_helpers/test_clocks', {}),
  },
  {
    method: 'DELETE',
    path: '/v1/test_helpers/test_clocks/:id',
    handler: (ctx) => {
      const clock = getObject(ctx.account, 'test_clocks', ctx.params.id, 'test_helpers.test_clock');
      removeObject(ctx.account, 'test_clocks', clock.id);
      emit(ctx, 'test_helpers.test_clock.deleted', clock);
      return { id: clock.id, object: 'test_helpers.test_clock', deleted: true };
    },
  },
  {
    method: 'POST',
    path: '/v1/test_helpers/test_clocks/:id/advance',
    handler: (ctx) => {
      allowOnly(ctx.body, ['frozen_time']);
      const clock = getObject(ctx.account, 'test_clocks', ctx.params.id, 'test_helpers.test_clock');
      const target = int(ctx.body, 'frozen_time', { required: true })!;
      if (target <= clock.frozen_time) {
        throw invalidRequest(
          `Cannot set frozen_time to ${target} because it is before or equal to the current frozen_time ${clock.frozen_time}.`,
          'frozen_time',
        );
      }
      clock.status = 'advancing';
      clock.status_details = { advancing: { target_frozen_time: target } };
      emit(ctx, 'test_helpers.test_clock.advancing', clock);
      const response = structuredClone(clock);
      // The work is done before responding; the response still says `advancing`, as Stripe's
      // does, so callers written to poll until `ready` behave the same here and on Stripe.
      advanceClock(ctx, clock, target);
      clock.status = 'ready';
      clock.status_details = {};
      emit(ctx, 'test_helpers.test_clock.ready', clock);
      return response;
    },
  },
];
