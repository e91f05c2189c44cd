import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { bootSandbox, control, newClient, startReceiver, waitFor } from './helpers';

let sandbox: Sandbox;
const verifier = new Stripe('sk_test_verifier_only');
beforeAll(async () => {
  sandbox = await bootSandbox();
});
afterAll(() => sandbox.close());

describe('webhook delivery', () => {
  it('delivers signed events that constructEvent accepts, filtered by enabled_events, in order', async () => {
    const { stripe, accountId } = await newClient(sandbox);
    let secret = '';
    let filteredSecret = '';
    const all = await startReceiver(verifier, () => secret);
    const onlySucceeded = await startReceiver(verifier, () => filteredSecret);
    try {
      secret = (await stripe.webhookEndpoints.create({ url: all.url, enabled_events: ['*'] })).secret!;
      filteredSecret = (
        await stripe.webhookEndpoints.create({ url: onlySucceeded.url, enabled_events: ['payment_intent.succeeded'] })
      ).secret!;
      const pi = await stripe.paymentIntents.create({
        amount: 1200,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
      });
      await stripe.refunds.create({ payment_intent: pi.id, amount: 200 });
      await stripe.customers.create({ email: 'hook@example.test' });
      await waitFor(() => all.received.length >= 6 && onlySucceeded.received.length >= 1);
      await sandbox.waitForDeliveries();
      expect(all.received.map((r) => r.event.type)).toEqual([
        'payment_intent.created',
        'charge.succeeded',
        'payment_intent.succeeded',
        'refund.created',
        'charge.refunded',
        'customer.created',
      ]);
      expect(onlySucceeded.received.map((r) => r.event.type)).toEqual(['payment_intent.succeeded']);
      expect(all.rejected).toBe(0);
      const event = all.received[2].event;
      expect(event).toMatchObject({ object: 'event', api_version: '2026-10-28.endive', livemode: false });
      expect((event.data.object as Stripe.PaymentIntent).id).toBe(pi.id);
      const refunded = all.received[4].event;
      expect(refunded.data.previous_attributes).toMatchObject({ amount_refunded: 0 });
      const listed = sandbox.listDeliveries(accountId);
      expect(listed.filter((d) => d.status === 'succeeded')).toHaveLength(7);
      const stored = await stripe.events.retrieve(event.id);
      expect(stored.pending_webhooks).toBe(0);
    } finally {
      await all.close();
      await onlySucceeded.close();
    }
  });

  it('rejects a tampered body or a wrong secret', async () => {
    const { stripe } = await newClient(sandbox);
    let secret = '';
    const receiver = await startReceiver(verifier, () => secret);
    try {
      secret = (await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['customer.created'] }))
        .secret!;
      await stripe.customers.create({ email: 'tamper@example.test' });
      const { raw, signature } = await waitFor(() => receiver.received[0]);
      expect(() => verifier.webhooks.constructEvent(raw, signature, secret)).not.toThrow();
      const tampered = raw.replace('tamper@example.test', 'attacker@example.test');
      expect(() => verifier.webhooks.constructEvent(tampered, signature, secret)).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
      expect(() => verifier.webhooks.constructEvent(raw, signature, 'whsec_wrong')).toThrow();
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    } finally {
      await receiver.close();
    }
  });

  it('retries a receiver that answers 500 until it answers 200, recording every attempt', async () => {
    const { stripe, accountId } = await newClient(sandbox);
    let secret = '';
    const receiver = await startReceiver(
      verifier,
      () => secret,
      (n) => (n <= 2 ? 500 : 200),
    );
    try {
      const endpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['customer.created'],
      });
      secret = endpoint.secret!;
      const customer = await stripe.customers.create({ email: 'retry@example.test' });
      const got = await waitFor(() => receiver.received[0], 5000);
      expect((got.event.data.object as Stripe.Customer).id).toBe(customer.id);
      const res = await control(sandbox, `/accounts/${accountId}/deliveries?endpoint_id=${endpoint.id}`);
      const attempts = res.body.data;
      expect(attempts.map((d: any) => [d.attempt, d.status, d.response_status])).toEqual([
        [1, 'failed', 500],
        [2, 'failed', 500],
        [3, 'succeeded', 200],
      ]);
      expect(attempts[0].next_retry_at).toBeGreaterThan(attempts[0].created);
      expect(new Set(attempts.map((d: any) => d.event_id)).size).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it('can duplicate, shuffle and delay deliveries on request', async () => {
    const { stripe, secretKey } = await newClient(sandbox);
    let secret = '';
    const receiver = await startReceiver(verifier, () => secret);
    try {
      secret = (await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] })).secret!;
      const options = await control(sandbox, '/delivery-options', { duplicate: true, shuffle: true }, secretKey);
      expect(options.body).toMatchObject({ duplicate: true, shuffle: true });
      await stripe.paymentIntents.create({
        amount: 1200,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
      });
      await waitFor(() => receiver.received.length >= 6);
      await sandbox.waitForDeliveries();
      const ids = receiver.received.map((r) => r.event.id);
      expect(ids).toHaveLength(6);
      expect(new Set(ids).size).toBe(3);
      await control(sandbox, '/delivery-options', { duplicate: false, shuffle: false, delayMs: 300 }, secretKey);
      const before = receiver.received.length;
      const sent = Date.now();
      await stripe.customers.create({ email: 'late@example.test' });
      await new Promise((r) => setTimeout(r, 150));
      expect(receiver.received.length).toBe(before);
      await waitFor(() => receiver.received.length > before);
      expect(Date.now() - sent).toBeGreaterThanOrEqual(290);
    } finally {
      await receiver.close();
    }
  });
});
