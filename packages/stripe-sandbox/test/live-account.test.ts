import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { bootSandbox, sdk } from './helpers';

// A live-looking account, for tests of live/test separation: its keys are sk_live_/pk_live_, and every object and
// event it makes says livemode: true, as Stripe's do under live keys. A test account's keep saying false.

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await bootSandbox();
});
afterAll(() => sandbox.close());

describe('a live-looking sandbox account', () => {
  it('has live keys, and its objects and events say livemode: true (a test account’s say false)', async () => {
    const live = await sandbox.createAccount({ livemode: true });
    expect(live.secretKey).toMatch(/^sk_live_/);
    expect(live.publishableKey).toMatch(/^pk_live_/);
    const test = await sandbox.createAccount();
    expect(test.secretKey).toMatch(/^sk_test_/);
    for (const [keys, livemode] of [
      [live, true],
      [test, false],
    ] as const) {
      const stripe = sdk(sandbox, keys.secretKey);
      const intent = await stripe.paymentIntents.create({ amount: 1200, currency: 'usd' });
      expect(intent.livemode).toBe(livemode);
      const paid = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
      expect(paid.livemode).toBe(livemode);
      const charge = await stripe.charges.retrieve(String(paid.latest_charge));
      expect(charge.livemode).toBe(livemode);
      const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 200 });
      expect(refund.status).toBe('succeeded');
      const events = (await stripe.events.list({ limit: 100 })).data;
      expect(events.map((e) => e.type)).toEqual(
        expect.arrayContaining(['payment_intent.succeeded', 'charge.refunded']),
      );
      for (const event of events) {
        expect(event.livemode, event.type).toBe(livemode);
        // (Objects that have the field on Stripe: a refund has none.)
        const object = event.data.object as { livemode?: boolean };
        if ('livemode' in object) expect(object.livemode, event.type).toBe(livemode);
      }
    }
  });
});
