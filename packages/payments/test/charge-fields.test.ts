import { describe, expect, it } from 'vitest';
import { refuseChargeFields } from '../src/actions/charge';

// One rule says which request fields would decide a price, for the payment and subscription actions and
// for the generated app's buy of a catalog item: an end user's request names only what it buys.

const shopper = { kind: 'endUser', userId: 1, role: 'user' } as const;

describe('a buyer never decides what is charged', () => {
  it('buying a catalog item refuses price, plan, trial and return-address fields, naming each', () => {
    for (const field of ['amount', 'currency', 'price', 'priceId', 'plan', 'trialDays', 'successUrl', 'returnUrl'])
      expect(() => refuseChargeFields(shopper, { itemKey: 'row:1', [field]: 'x' }, 'item'), field).toThrow(
        expect.objectContaining({ code: 'VALIDATION', fieldErrors: { [field]: expect.stringContaining(field) } }),
      );
    expect(() => refuseChargeFields(shopper, { itemKey: 'row:1', amount: 1 }, 'item')).toThrow(
      'amount is decided by the shop from the item; remove it from the request.',
    );
  });

  it('every field the payment action refuses is refused for a catalog buy too', () => {
    for (const field of ['unitAmount', 'unit_amount', 'product', 'productId', 'lineItems', 'line_items']) {
      expect(() => refuseChargeFields(shopper, { [field]: 1 }, 'payment')).toThrow();
      expect(() => refuseChargeFields(shopper, { [field]: 1 }, 'item')).toThrow();
    }
  });

  it('names only what is bought: the item key and method pass; the builder’s backend may name a charge', () => {
    expect(() => refuseChargeFields(shopper, { itemKey: 'row:1', method: 'checkout' }, 'item')).not.toThrow();
    expect(() => refuseChargeFields({ kind: 'backend' }, { amount: 100, currency: 'usd' }, 'payment')).not.toThrow();
  });
});
