import { describe, expect, it } from 'vitest';
import DOCUMENTED from '../openapi/event-types.json' with { type: 'json' };
import { sandboxWithFreshAccount, stripeError } from './helpers';

const env = sandboxWithFreshAccount();

// As on Stripe, an endpoint may subscribe to any event type Stripe documents, including ones the sandbox never sends.
describe('webhook endpoint event types', () => {
  it('takes every documented type (e.g. payout.paid, issuing_card.created), and still refuses an unknown one', async () => {
    expect(DOCUMENTED.length).toBeGreaterThan(200);
    const endpoint = await env.stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:9/every',
      enabled_events: ['payout.paid', 'issuing_card.created', 'coupon.created'],
    });
    expect(endpoint.enabled_events).toEqual(['payout.paid', 'issuing_card.created', 'coupon.created']);
    const all = await env.stripe.webhookEndpoints.update(endpoint.id, { enabled_events: DOCUMENTED as never });
    expect(all.enabled_events).toHaveLength(DOCUMENTED.length);
    const bad = await stripeError(
      env.stripe.webhookEndpoints.update(endpoint.id, { enabled_events: ['payout.paid', 'nope.event' as never] }),
    );
    expect(bad.raw).toMatchObject({ param: 'enabled_events[1]', type: 'invalid_request_error' });
  });
});
