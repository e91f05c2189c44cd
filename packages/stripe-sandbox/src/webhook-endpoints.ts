import DOCUMENTED_EVENT_TYPES from '../openapi/event-types.json' with { type: 'json' };
import { type Ctx, getObject, putObject, type Route } from './context';
import { invalidRequest } from './errors';
import { newId, nowSeconds, randomToken } from './ids';
import { allowOnly, bool, metadata, str, strArray } from './params';
import { filteredList, publicView } from './render';
import { type Account, objectsOf, removeObject } from './store';

export const MAX_WEBHOOK_ENDPOINTS = 16;

/** Event types the sandbox emits (also those newer than the pinned description). */
export const EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.expired',
  // Sent when a delayed payment method (a us_bank_account debit) settles after its checkout completed.
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'refund.failed',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
  'customer.subscription.trial_will_end',
  'payment_intent.created',
  'payment_intent.succeeded',
  'payment_intent.processing',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'payment_intent.requires_action',
  'payment_intent.amount_capturable_updated',
  'payment_method.attached',
  'payment_method.detached',
  'charge.succeeded',
  'charge.failed',
  'charge.pending',
  'charge.captured',
  'charge.refunded',
  'charge.updated',
  'refund.created',
  'refund.updated',
  'invoice.created',
  'invoice.finalized',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice.payment_failed',
  'invoice.payment_action_required',
  'invoice.upcoming',
  'invoice.voided',
  'invoice.updated',
  'invoice_payment.paid',
  'charge.refund.updated',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
  'product.created',
  'product.updated',
  'product.deleted',
  'price.created',
  'price.updated',
  'test_helpers.test_clock.created',
  'test_helpers.test_clock.advancing',
  'test_helpers.test_clock.ready',
  'test_helpers.test_clock.deleted',
];

/** What an endpoint may subscribe to, as on Stripe: every documented event type (or '*'), sent or not. */
const SUBSCRIBABLE = new Set<string>([...DOCUMENTED_EVENT_TYPES, ...EVENT_TYPES]);

export function matchingEndpoints(account: Account, eventType: string): any[] {
  return objectsOf(account, 'webhook_endpoints').filter(
    (we: any) => we.status === 'enabled' && (we.enabled_events.includes('*') || we.enabled_events.includes(eventType)),
  );
}

function enabledEvents(params: any, required: boolean): string[] | undefined {
  const events = strArray(params, 'enabled_events');
  if (!events) {
    if (required)
      throw invalidRequest('Missing required param: enabled_events.', 'enabled_events', 'parameter_missing');
    return undefined;
  }
  events.forEach((type, i) => {
    if (type !== '*' && !SUBSCRIBABLE.has(type)) {
      throw invalidRequest(
        `Invalid enabled_events[${i}]: must be one of ${[...SUBSCRIBABLE].join(', ')}, or *`,
        `enabled_events[${i}]`,
      );
    }
  });
  return events;
}

function validUrl(ctx: Ctx, url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw invalidRequest('Invalid URL: must be an absolute http(s) URL.', 'url', 'url_invalid');
  }
  const problem = ctx.core.webhookUrlProblem(url);
  if (problem) throw invalidRequest(problem, 'url', 'url_invalid');
  return url;
}

const FIELDS = ['url', 'enabled_events', 'description', 'metadata', 'api_version', 'connect', 'disabled'];

export const webhookEndpointRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/webhook_endpoints',
    handler: (ctx) => {
      allowOnly(ctx.body, FIELDS);
      const url = validUrl(ctx, str(ctx.body, 'url', true));
      const events = enabledEvents(ctx.body, true)!;
      if (Object.keys(ctx.account.data.webhook_endpoints).length >= MAX_WEBHOOK_ENDPOINTS) {
        throw invalidRequest(
          `You have reached the maximum of ${MAX_WEBHOOK_ENDPOINTS} test webhook endpoints.`,
          'url',
          'webhook_endpoint_limit_reached',
        );
      }
      const endpoint = putObject(ctx.account, 'webhook_endpoints', {
        id: newId('we'),
        object: 'webhook_endpoint',
        api_version: str(ctx.body, 'api_version') ?? null,
        application: null,
        created: nowSeconds(),
        description: str(ctx.body, 'description') ?? null,
        enabled_events: events,
        livemode: false,
        metadata: metadata(ctx.body),
        status: 'enabled',
        url,
        _secret: `whsec_${randomToken(32)}`,
      });
      // The signing secret is shown once, on creation, as on Stripe.
      return { ...publicView(endpoint), secret: endpoint._secret };
    },
  },
  {
    method: 'GET',
    path: '/v1/webhook_endpoints/:id',
    handler: (ctx) => getObject(ctx.account, 'webhook_endpoints', ctx.params.id, 'webhook endpoint'),
  },
  {
    method: 'POST',
    path: '/v1/webhook_endpoints/:id',
    handler: (ctx) => {
      allowOnly(
        ctx.body,
        FIELDS.filter((f) => f !== 'api_version' && f !== 'connect'),
      );
      const endpoint = getObject(ctx.account, 'webhook_endpoints', ctx.params.id, 'webhook endpoint');
      const url = str(ctx.body, 'url');
      if (url) endpoint.url = validUrl(ctx, url);
      const events = enabledEvents(ctx.body, false);
      if (events) endpoint.enabled_events = events;
      const description = str(ctx.body, 'description');
      if (description !== undefined) endpoint.description = description;
      endpoint.metadata = metadata(ctx.body, endpoint.metadata);
      const disabled = bool(ctx.body, 'disabled');
      if (disabled !== undefined) endpoint.status = disabled ? 'disabled' : 'enabled';
      return endpoint;
    },
  },
  {
    method: 'DELETE',
    path: '/v1/webhook_endpoints/:id',
    handler: (ctx) => {
      getObject(ctx.account, 'webhook_endpoints', ctx.params.id, 'webhook endpoint');
      removeObject(ctx.account, 'webhook_endpoints', ctx.params.id);
      return { id: ctx.params.id, object: 'webhook_endpoint', deleted: true };
    },
  },
  {
    method: 'GET',
    path: '/v1/webhook_endpoints',
    filters: [],
    handler: (ctx) => filteredList(ctx.query, objectsOf(ctx.account, 'webhook_endpoints'), '/v1/webhook_endpoints', {}),
  },
];
