import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../src/index';
import { sdk, startReceiver, stripeError, waitFor } from './helpers';

const verifier = new Stripe('sk_test_verifier_only');

// Issue 12: the sandbox delivered webhooks to any URL registered on it, a way around the studio's egress guard
// for anyone holding an account's secret key. With webhookOrigins (the studio passes its own origin) only those
// origins are accepted, when registered and again at every delivery.
describe('the sandbox delivers webhooks only to the install’s own addresses', () => {
  it('refuses to register or deliver to loopback on another port, link-local, private or foreign URLs', async () => {
    const studio = await startReceiver(verifier, () => secret);
    const other = await startReceiver(verifier, () => '');
    let secret = '';
    const dir = mkdtempSync(path.join(tmpdir(), 'sandbox-targets-'));
    const persistPath = path.join(dir, 'sandbox.json');
    const studioOrigin = new URL(studio.url).origin;
    // An endpoint stored before the policy (an older install): registered while open.
    const open = await startSandbox({ port: 0, retryBaseMs: 40, deliveryTimeoutMs: 2000, persistPath });
    const keys = await open.createAccount();
    await sdk(open, keys.secretKey).webhookEndpoints.create({ url: other.url, enabled_events: ['*'] });
    await open.close();

    const sandbox = await startSandbox({
      port: 0,
      retryBaseMs: 40,
      deliveryTimeoutMs: 2000,
      maxDeliveryAttempts: 1,
      persistPath,
      webhookOrigins: [studioOrigin],
    });
    try {
      const stripe = sdk(sandbox, keys.secretKey);
      const otherPort = `http://127.0.0.1:${new URL(other.url).port}/hook`;
      for (const url of [
        otherPort,
        'http://169.254.169.254/latest/meta-data/',
        'http://[::1]:9/hook',
        'http://10.0.0.5/hook',
        'https://attacker.example/hook',
        `${studioOrigin.replace('127.0.0.1', 'localhost')}/api/hooks/stripe/1`,
      ]) {
        const error = await stripeError(stripe.webhookEndpoints.create({ url, enabled_events: ['*'] }));
        expect(error).toMatchObject({ statusCode: 400, code: 'url_invalid', param: 'url' });
        expect(error.message).toMatch(/delivers webhooks only to http:\/\/127\.0\.0\.1:\d+; .* is not allowed/);
      }
      const [stored] = (await stripe.webhookEndpoints.list()).data;
      expect(
        await stripeError(stripe.webhookEndpoints.update(stored.id, { url: 'http://169.254.169.254/' })),
      ).toMatchObject({ code: 'url_invalid' });

      const own = await stripe.webhookEndpoints.create({
        url: `${studioOrigin}/api/hooks/stripe/1`,
        enabled_events: ['customer.created'],
      });
      secret = own.secret as string;
      const customer = await stripe.customers.create({ email: 'hook@example.test' });
      await waitFor(() => studio.received.length >= 1);
      await sandbox.waitForDeliveries();
      expect(studio.received.map((r) => r.event.data.object)).toMatchObject([{ id: customer.id }]);
      // The endpoint stored before the policy is never sent anything; its delivery says why.
      expect(other.received.length + other.rejected).toBe(0);
      const refused = sandbox.listDeliveries(keys.accountId, { endpointId: stored.id });
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]).toMatchObject({ status: 'failed', response_status: null });
      expect(refused[0].error).toMatch(/is not allowed/);
    } finally {
      await sandbox.close();
      await studio.close();
      await other.close();
    }
  });
});
