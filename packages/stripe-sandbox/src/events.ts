import type { Route, SandboxCore } from './context';
import { getObject } from './context';
import { newId, nowSeconds } from './ids';
import { str } from './params';
import { created, filteredList, flag, type ListFilters, oneOfList, publicView } from './render';

const EVENT_FILTERS: ListFilters = {
  created,
  // Every webhook of the event delivered (none still pending or failing).
  delivery_success: flag((e) => e.pending_webhooks === 0),
  type: (query, name) => {
    const type = str(query, name)!;
    return (e) => (type.endsWith('*') ? e.type.startsWith(type.slice(0, -1)) : e.type === type);
  },
  types: oneOfList((e) => e.type),
};

import { type Account, objectsOf, storeObject } from './store';
import { matchingEndpoints } from './webhook-endpoints';

export const API_VERSION = '2026-10-28.endive';

/** Builds and stores an event; the caller hands it to the webhook dispatcher. */
export function createEvent(
  account: Account,
  type: string,
  object: any,
  previous: Record<string, unknown> | undefined,
  request: { id: string | null; idempotency_key: string | null } | undefined,
) {
  const data: Record<string, unknown> = { object: publicView(object) };
  if (previous && Object.keys(previous).length) data.previous_attributes = JSON.parse(JSON.stringify(previous));
  const event = {
    id: newId('evt'),
    object: 'event',
    api_version: API_VERSION,
    created: eventTime(account, object),
    data,
    livemode: account.livemode === true,
    pending_webhooks: matchingEndpoints(account, type).length,
    request: { id: request?.id ?? null, idempotency_key: request?.idempotency_key ?? null },
    type,
  };
  storeObject(account, 'events', event);
  pruneEvents(account);
  return event;
}

const MAX_EVENTS_PER_ACCOUNT = 20_000;

// Stripe keeps events for 30 days; the sandbox keeps the newest 20 000 so a long demo's state file stays small.
let createdSincePrune = 0;
function pruneEvents(account: Account): void {
  if (++createdSincePrune < 1000) return;
  createdSincePrune = 0;
  const events = account.data.events;
  if (Object.keys(events).length <= MAX_EVENTS_PER_ACCOUNT + 1000) return;
  const ids = Object.keys(events);
  for (const id of ids.slice(0, ids.length - MAX_EVENTS_PER_ACCOUNT)) delete events[id];
}

/** Events about test-clock objects happen at the clock's frozen time, as on Stripe. */
function eventTime(account: Account, object: any): number {
  const clockId =
    object.test_clock ??
    (typeof object.customer === 'string' ? account.data.customers[object.customer]?.test_clock : null);
  const clock = clockId ? account.data.test_clocks[clockId] : undefined;
  return clock ? clock.frozen_time : nowSeconds();
}

export const eventRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/events/:id',
    handler: (ctx) => getObject(ctx.account, 'events', ctx.params.id, 'event'),
  },
  {
    method: 'GET',
    path: '/v1/events',
    filters: Object.keys(EVENT_FILTERS),
    handler: (ctx) => filteredList(ctx.query, objectsOf(ctx.account, 'events'), '/v1/events', EVENT_FILTERS),
  },
];

export type { SandboxCore };
