// The small rules every payment action shares, tested directly (found by mutation testing: each test below fails
// when one of the survivors of the 2026-12-04 Stryker run of these files is applied; see docs/testing.md).
import { getRow, insertRow, type Row, setActionPermission } from '@tillflow/data-model';
import { appSettings } from '@tillflow/db';
import { eq } from 'drizzle-orm';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { maySetCharge, orderCharge, refuseChargeFields } from '../src/actions/charge';
import { endUserOf, liveSubscriptionId, loadOrderAs, prepareAction } from '../src/actions/context';
import { discountOfSession, findPromotionCode } from '../src/actions/discounts';
import { priceLineItems } from '../src/actions/line-items';
import { recordOrderTotal, sameItems } from '../src/actions/order-total';
import { assertOrderIsForPlan, describePlans, offeredPlans } from '../src/actions/plans';
import { shopHasPromotionCodes } from '../src/actions/promotions';
import { bareShop, createPaymentsProject, environmentPerFile, offerPlans, paymentServices, refusal } from './harness';

const BACKEND = { kind: 'backend' } as const;
const row = (values: Record<string, unknown>) => ({ created_at: new Date(), updated_at: new Date(), ...values }) as Row;

/** A Stripe client that answers `prices.retrieve` from a table (Stripe's own shapes, cut to what is read). */
function pricesStripe(prices: Record<string, Partial<Stripe.Price> | Error>) {
  return {
    prices: {
      retrieve: async (id: string) => {
        const found = prices[id];
        if (!found) throw Object.assign(new Error(`No such price: '${id}'`), { code: 'resource_missing' });
        if (found instanceof Error) throw found;
        return { id, active: true, type: 'one_time', recurring: null, currency: 'usd', ...found };
      },
    },
  } as unknown as Stripe;
}

describe('payment action rules', () => {
  describe('discounts and promotion codes', () => {
    it('reads the discount of a session only when something was taken off, with coupon and code as ids', () => {
      expect(discountOfSession({})).toEqual({});
      expect(discountOfSession({ total_details: null })).toEqual({});
      expect(discountOfSession({ total_details: { amount_discount: 0 } })).toEqual({});
      expect(discountOfSession({ total_details: { amount_discount: -5 } })).toEqual({});
      expect(discountOfSession({ total_details: { amount_discount: 2.5 } })).toEqual({});
      expect(discountOfSession({ total_details: { amount_discount: 300 } })).toEqual({
        amount_discount: 300,
        discount_coupon: null,
        discount_promotion_code: null,
      });
      expect(discountOfSession({ total_details: { amount_discount: 300 }, discounts: [] })).toEqual({
        amount_discount: 300,
        discount_coupon: null,
        discount_promotion_code: null,
      });
      expect(
        discountOfSession({
          total_details: { amount_discount: 300 },
          discounts: [{ coupon: { id: 'co_1', percent_off: 20 }, promotion_code: 'promo_1' }],
        }),
      ).toEqual({ amount_discount: 300, discount_coupon: 'co_1', discount_promotion_code: 'promo_1' });
      expect(
        discountOfSession({
          total_details: { amount_discount: 300 },
          discounts: [{ coupon: 7, promotion_code: null }],
        }),
      ).toEqual({ amount_discount: 300, discount_coupon: null, discount_promotion_code: null });
      expect(
        discountOfSession({ total_details: { amount_discount: 300 }, discounts: [{ coupon: { name: 'no id' } }] }),
      ).toEqual({ amount_discount: 300, discount_coupon: null, discount_promotion_code: null });
    });

    it('asks Stripe for active codes only, and refuses an unknown code on its field', async () => {
      const asked: unknown[] = [];
      const stripe = {
        promotionCodes: {
          list: async (params: { code?: string }) => {
            asked.push(params);
            return { data: params.code === 'BEANS20' ? [{ id: 'promo_1', code: 'BEANS20' }] : [] };
          },
        },
      } as unknown as Stripe;
      await expect(findPromotionCode(stripe, 'BEANS20')).resolves.toEqual({ id: 'promo_1', code: 'BEANS20' });
      expect(await refusal(findPromotionCode(stripe, 'NOPE'))).toEqual({
        code: 'VALIDATION',
        message: 'The code NOPE is not valid or has expired.',
        fieldErrors: { promotionCode: 'Not valid.' },
      });
      expect(await shopHasPromotionCodes(stripe)).toBe(false);
      expect(asked).toEqual([
        { code: 'BEANS20', active: true, limit: 1 },
        { code: 'NOPE', active: true, limit: 1 },
        { active: true, limit: 1 },
      ]);
      // Stripe refusing the lookup is not an invalid code: the shop learns what is wrong.
      const rejected = {
        promotionCodes: {
          list: async () => {
            throw Object.assign(new Error('Invalid API Key provided'), { type: 'StripeAuthenticationError' });
          },
        },
      } as unknown as Stripe;
      expect((await refusal(findPromotionCode(rejected, 'BEANS20'))).code).toBe('PRECONDITION_FAILED');
    });
  });

  describe('catalog line items', () => {
    const mug = { id: 'prod_mug', object: 'product', name: 'Enamel mug', active: true };
    const stripe = pricesStripe({
      price_mug: { unit_amount: 1250, product: mug as never },
      price_eur: { unit_amount: 800, currency: 'EUR', product: { ...mug, name: 'Euro beans' } as never },
      price_gone_product: { unit_amount: 900, product: { id: 'prod_x', object: 'product', deleted: true } as never },
      price_archived_product: { unit_amount: 900, product: { ...mug, active: false } as never },
      price_archived: { unit_amount: 900, active: false, product: mug as never },
      price_plan: { unit_amount: 900, type: 'recurring', product: mug as never },
      price_plan_only_recurring: { unit_amount: 900, recurring: { interval: 'month' } as never, product: mug as never },
      price_custom: { unit_amount: null, product: mug as never },
      price_unset: { unit_amount: undefined, product: mug as never },
      price_not_expanded: { unit_amount: 700, product: 'prod_mug' },
      price_huge: { unit_amount: 99_999_999, product: mug as never },
      price_broken: Object.assign(new Error('Invalid API Key provided'), {
        type: 'StripeAuthenticationError',
        code: 'api_key_invalid',
        statusCode: 401,
      }),
    });
    const price = (id: string, quantity = 1) => priceLineItems(stripe, [{ price: id, quantity }]);

    it('totals the items at Stripe’s prices and names each from its product (or its price id when none is readable)', async () => {
      const sold = await priceLineItems(stripe, [
        { price: 'price_mug', quantity: 2 },
        { price: 'price_gone_product', quantity: 1 },
        { price: 'price_not_expanded', quantity: 1 },
      ]);
      expect(sold.charge).toEqual({ amount: 2500 + 900 + 700, currency: 'usd' });
      expect(sold.items.map((i) => i.name)).toEqual(['Enamel mug', 'price_gone_product', 'price_not_expanded']);
      expect((await price('price_eur')).charge).toEqual({ amount: 800, currency: 'eur' });
    });

    it('refuses in words, on the items field, what cannot be sold once', async () => {
      const refused = async (id: string, message: string) =>
        expect(await refusal(price(id))).toEqual({
          code: 'VALIDATION',
          message,
          fieldErrors: { items: message },
        });
      await refused('price_missing', 'The price price_missing is not in this shop’s catalog.');
      await refused('price_archived', '“Enamel mug” is no longer sold: its price was archived.');
      await refused('price_archived_product', '“Enamel mug” is no longer sold: its price was archived.');
      const plan = '“Enamel mug” is a subscription price; start a subscription for it instead of a one-time payment.';
      await refused('price_plan', plan);
      await refused('price_plan_only_recurring', plan);
      await refused('price_custom', '“Enamel mug” has no fixed amount, so it cannot be sold here.');
      await refused('price_unset', '“Enamel mug” has no fixed amount, so it cannot be sold here.');
      expect((await refusal(price('price_huge', 2))).message).toMatch(/^These items come to \$1,999,999\.98: /);
      expect(
        (
          await refusal(
            priceLineItems(stripe, [
              { price: 'price_mug', quantity: 1 },
              { price: 'price_eur', quantity: 1 },
            ]),
          )
        ).message,
      ).toBe('All items of one checkout are in one currency: “Enamel mug” is in USD, “Euro beans” in EUR.');
    });

    it('says Stripe’s own error, not “not in the catalog”, when Stripe refuses for another reason', async () => {
      const said = await refusal(price('price_broken'));
      expect(said.message).not.toMatch(/catalog/);
      expect(said.code).not.toBe('VALIDATION');
    });
  });

  it('a pending payment is reused only for the same items', () => {
    const items = [{ price: 'p', quantity: 1, name: 'Mug', unitAmount: 100, currency: 'usd' }];
    expect(sameItems(null, null)).toBe(true);
    expect(sameItems(undefined, null)).toBe(true);
    expect(sameItems(null, items)).toBe(false);
    expect(sameItems(items, null)).toBe(false);
    expect(sameItems([...items], items)).toBe(true);
    expect(sameItems([{ ...items[0], quantity: 2 }], items)).toBe(false);
  });

  it('a recurring payment can change at Stripe only once started and while not canceled', () => {
    const said = (fn: () => unknown) => {
      try {
        fn();
        return null;
      } catch (e) {
        return [(e as { code: string }).code, (e as Error).message];
      }
    };
    expect(said(() => liveSubscriptionId(row({ id: 1, status: 'PENDING' }), 'gone'))).toEqual([
      'PRECONDITION_FAILED',
      'This subscription has not started yet (checkout not completed).',
    ]);
    for (const status of ['CANCELED', 'INCOMPLETE_EXPIRED'])
      expect(said(() => liveSubscriptionId(row({ id: 1, status, stripe_subscription_id: 'sub_1' }), 'gone'))).toEqual([
        'PRECONDITION_FAILED',
        'gone',
      ]);
    expect(liveSubscriptionId(row({ id: 1, status: 'ACTIVE', stripe_subscription_id: 'sub_1' }), 'gone')).toBe('sub_1');
    expect(describePlans([])).toBe('none yet (the shop lists its plans in the studio under App)');
    expect(describePlans(['price_a', 'price_b'])).toBe('price_a, price_b');
  });

  describe('with a shop', () => {
    const env = environmentPerFile();

    it('refuses actions before activation, to roles without the action, and orders the caller cannot see', async () => {
      const idle = await createPaymentsProject(env.handle, env.sandbox, { activate: false });
      expect(
        await refusal(prepareAction(paymentServices(env.handle), idle.project.id, BACKEND, 'stripe.payment')),
      ).toMatchObject({ code: 'PRECONDITION_FAILED', message: 'Payments are not activated for this project yet.' });

      const shop = await createPaymentsProject(env.handle, env.sandbox);
      const alice = shop.asUser(shop.alice);
      expect(
        await refusal(prepareAction(paymentServices(env.handle), shop.project.id, alice, 'stripe.refund')),
      ).toEqual({
        code: 'FORBIDDEN',
        message: 'Your role is not allowed to use the refund action.',
        fieldErrors: undefined,
      });
      await setActionPermission(env.handle.db, shop.project.id, {
        role: 'user',
        action: 'stripe.refund',
        allowed: true,
      });
      const ready = await prepareAction(paymentServices(env.handle), shop.project.id, alice, 'stripe.refund');
      expect(ready.orderTable).toBe('order');

      const bobs = await insertRow(env.handle.db, shop.project.id, shop.asUser(shop.bob), 'order', { title: 'Bob’s' });
      expect(await refusal(loadOrderAs(env.handle.db, shop.project.id, alice, 'order', bobs.id))).toEqual({
        code: 'NOT_FOUND',
        message: `Order ${bobs.id} was not found, or it is not yours.`,
        fieldErrors: { orderId: 'Not found.' },
      });
      expect((await loadOrderAs(env.handle.db, shop.project.id, shop.asUser(shop.bob), 'order', bobs.id)).id).toBe(
        bobs.id,
      );
      expect(await endUserOf(env.handle.db, shop.project.id, BACKEND)).toBeNull();
      expect(await endUserOf(env.handle.db, shop.project.id, alice)).toEqual({
        id: shop.alice.id,
        email: String((await getRow(env.handle.db, shop.project.id, BACKEND, 'end_user', shop.alice.id))?.email),
      });
    });

    it('offers the plans the shop lists (prices or both, with their trial), and none otherwise', async () => {
      const shop = await createPaymentsProject(env.handle, env.sandbox);
      const id = shop.project.id;
      expect(await offeredPlans(env.handle.db, id)).toEqual({ priceIds: [], trialDays: undefined });
      await offerPlans(env.handle, id, ['price_a'], 7);
      expect(await offeredPlans(env.handle.db, id)).toEqual({ priceIds: ['price_a'], trialDays: 7 });
      const set = (catalog: unknown) =>
        env.handle.db
          .update(appSettings)
          .set({ catalog: catalog as never })
          .where(eq(appSettings.projectId, id));
      await set({ source: 'both', priceIds: ['price_b'] });
      expect(await offeredPlans(env.handle.db, id)).toEqual({ priceIds: ['price_b'], trialDays: undefined });
      await set({ source: 'both' });
      expect(await offeredPlans(env.handle.db, id)).toEqual({ priceIds: [], trialDays: undefined });
      await set({ source: 'table', priceIds: ['price_c'], trialDays: 3 });
      expect(await offeredPlans(env.handle.db, id)).toEqual({ priceIds: [], trialDays: 3 });
    });

    it('an order that states its amount must be for the plan’s price and currency', async () => {
      const shop = await createPaymentsProject(env.handle, env.sandbox);
      const id = shop.project.id;
      const plan = { unit_amount: 1200, currency: 'usd' } as Stripe.Price;
      const order = (values: Record<string, unknown>) => ({ id: 5, ...values });
      const check = (o: Record<string, unknown>, p: Stripe.Price = plan) =>
        assertOrderIsForPlan(env.handle.db, id, 'order', o as never, p);
      await expect(check(order({ amount: null }))).resolves.toBeUndefined();
      await expect(check(order({}))).resolves.toBeUndefined();
      await expect(check(order({ amount: 1200, currency: null }))).resolves.toBeUndefined();
      await expect(check(order({ amount: 1200, currency: 'USD' }))).resolves.toBeUndefined();
      await expect(check(order({ amount: 999 }), { unit_amount: null, currency: 'usd' } as Stripe.Price)).resolves.toBe(
        undefined,
      );
      expect(await refusal(check(order({ amount: 1000, currency: 'usd' })))).toEqual({
        code: 'VALIDATION',
        message: 'Order 5 is for $10.00, but that plan costs $12.00; choose the plan the order was made for.',
        fieldErrors: { plan: 'Does not match the order.' },
      });
      expect((await refusal(check(order({ amount: 1200, currency: 'eur' })))).message).toBe(
        'Order 5 is for €12.00, but that plan costs $12.00; choose the plan the order was made for.',
      );
    });

    it('what an order owes: only a confirmed, server-written amount column, in the order’s or the shop’s currency', async () => {
      const said = async (promise: Promise<unknown>) => (await refusal(promise)).message;
      const noPrice = await bareShop(env.handle, env.sandbox, [{ name: 'title', type: 'text' }]);
      expect(await said(orderCharge(env.handle.db, noPrice.id, 'orders', row({ id: 1 })))).toBe(
        `The shop's "orders" table has no whole-number column chosen for the order's price, so it is unknown. ` +
          'The shop adds one (in minor units, e.g. cents) and picks it under Payments → What orders cost, or sells through the app catalog.',
      );
      // A shopper could still write this amount column: it is not charged until the shop confirms it.
      const unconfirmed = await bareShop(env.handle, env.sandbox, [{ name: 'amount', type: 'integer' }]);
      expect(await said(orderCharge(env.handle.db, unconfirmed.id, 'orders', row({ id: 1, amount: 1500 })))).toBe(
        `The shop has not confirmed "amount" as the column holding an order's price, so shoppers could still write it. ` +
          'The shop picks it under Payments → What orders cost.',
      );

      const shop = await createPaymentsProject(env.handle, env.sandbox);
      const owes = (values: Record<string, unknown>) =>
        orderCharge(env.handle.db, shop.project.id, 'order', row({ id: 9, ...values }));
      await expect(owes({ amount: 1250, currency: ' EUR ' })).resolves.toEqual({ amount: 1250, currency: 'eur' });
      await expect(owes({ amount: 1250, currency: '  ' })).resolves.toEqual({ amount: 1250, currency: 'usd' });
      await expect(owes({ amount: 1250, currency: null })).resolves.toEqual({ amount: 1250, currency: 'usd' });
      expect(await refusal(owes({ amount: null }))).toEqual({
        code: 'PRECONDITION_FAILED',
        message: "Order 9 cannot be charged: it has no amount yet. The shop sets the order's amount before payment.",
        fieldErrors: { orderId: 'it has no amount yet.' },
      });
      expect(await said(owes({ amount: 10, currency: 'usd' }))).toMatch(/^Order 9 cannot be charged: Stripe's minimum/);
    });

    it('only the shop’s backend and the studio name what is charged; a shopper’s price fields are refused, each named', () => {
      const shopper = { kind: 'endUser' as const, userId: 1, role: 'user' };
      expect(maySetCharge(BACKEND)).toBe(true);
      expect(maySetCharge({ kind: 'builder' } as never)).toBe(true);
      expect(maySetCharge(shopper)).toBe(false);
      expect(() => refuseChargeFields(BACKEND, { amount: 5 }, 'payment')).not.toThrow();
      expect(() => refuseChargeFields({ kind: 'builder' } as never, { amount: 5 }, 'payment')).not.toThrow();
      expect(() => refuseChargeFields(shopper, null, 'payment')).not.toThrow();
      expect(() => refuseChargeFields(shopper, { orderId: 1, amount: undefined }, 'payment')).not.toThrow();
      let error: { message?: string; fieldErrors?: Record<string, string> } = {};
      try {
        refuseChargeFields(shopper, { orderId: 1, amount: 5, priceId: 'price_x' }, 'payment');
      } catch (e) {
        error = e as typeof error;
      }
      expect(error.message).toBe('amount is decided by the shop from the order; remove it from the request.');
      expect(error.fieldErrors).toEqual({
        amount: 'amount is decided by the shop from the order; remove it from the request.',
        priceId: 'priceId is decided by the shop from the order; remove it from the request.',
      });
    });

    it('the plan check reads only an integer `amount` and a text `currency` column', async () => {
      const plan = { unit_amount: 1200, currency: 'usd' } as Stripe.Price;
      // `amount` as text: the order states no amount the check can read, so any plan goes.
      const textAmount = await bareShop(env.handle, env.sandbox, [
        { name: 'amount', type: 'text' },
        { name: 'cost', type: 'integer' },
      ]);
      await expect(
        assertOrderIsForPlan(env.handle.db, textAmount.id, 'orders', row({ id: 1, amount: '1000', cost: 1000 }), plan),
      ).resolves.toBeUndefined();
      // `currency` as a number and another text column: the plan's currency is used.
      const numberCurrency = await bareShop(env.handle, env.sandbox, [
        { name: 'amount', type: 'integer' },
        { name: 'currency', type: 'integer' },
        { name: 'note', type: 'text' },
      ]);
      const order = row({ id: 2, amount: 1200, currency: 7, note: 'eur' });
      await expect(
        assertOrderIsForPlan(env.handle.db, numberCurrency.id, 'orders', order, plan),
      ).resolves.toBeUndefined();
      expect(
        (
          await refusal(
            assertOrderIsForPlan(env.handle.db, numberCurrency.id, 'orders', { ...order, amount: 1100 }, plan),
          )
        ).message,
      ).toBe('Order 2 is for $11.00, but that plan costs $12.00; choose the plan the order was made for.');
    });

    it('an order paid with catalog items records their total, or is refused when it states another', async () => {
      const shop = await createPaymentsProject(env.handle, env.sandbox);
      const id = shop.project.id;
      const alice = shop.asUser(shop.alice);
      const other = await insertRow(env.handle.db, id, alice, 'order', { title: 'Other' });
      const open = await insertRow(env.handle.db, id, alice, 'order', { title: 'Basket' });
      await recordOrderTotal(env.handle.db, id, 'order', open, { amount: 3400, currency: 'eur' });
      const written = await getRow(env.handle.db, id, BACKEND, 'order', open.id);
      expect([written?.amount, written?.currency]).toEqual([3400, 'eur']);
      // Only that order: another of the shop's orders keeps its empty amount.
      expect((await getRow(env.handle.db, id, BACKEND, 'order', other.id))?.amount).toBeNull();
      // The same total again changes nothing; another total, or the same amount in another currency, is refused.
      await expect(
        recordOrderTotal(env.handle.db, id, 'order', written as never, { amount: 3400, currency: 'eur' }),
      ).resolves.toBeUndefined();
      expect(
        await refusal(
          recordOrderTotal(env.handle.db, id, 'order', written as never, { amount: 3500, currency: 'eur' }),
        ),
      ).toEqual({
        code: 'VALIDATION',
        message: `Order ${open.id} is for €34.00, but these items come to €35.00; pay for the items the order was made for.`,
        fieldErrors: { items: 'Do not match the order.' },
      });
      expect(
        (
          await refusal(
            recordOrderTotal(env.handle.db, id, 'order', written as never, { amount: 3400, currency: 'usd' }),
          )
        ).message,
      ).toBe(
        `Order ${open.id} is for €34.00, but these items come to $34.00; pay for the items the order was made for.`,
      );

      // A shop with no amount column records nothing; one with no currency column records the amount, and reads
      // a stated amount in the shop's currency.
      const noAmount = await bareShop(env.handle, env.sandbox, [{ name: 'title', type: 'text' }]);
      const plain = await insertRow(env.handle.db, noAmount.id, BACKEND, 'orders', { title: 'Plain' });
      await expect(
        recordOrderTotal(env.handle.db, noAmount.id, 'orders', plain, { amount: 500, currency: 'usd' }),
      ).resolves.toBeUndefined();
      const noCurrency = await bareShop(env.handle, env.sandbox, [{ name: 'amount', type: 'integer' }]);
      const bare = await insertRow(env.handle.db, noCurrency.id, BACKEND, 'orders', {});
      await recordOrderTotal(env.handle.db, noCurrency.id, 'orders', bare, { amount: 500, currency: 'usd' });
      const totalled = await getRow(env.handle.db, noCurrency.id, BACKEND, 'orders', bare.id);
      expect(totalled?.amount).toBe(500);
      await expect(
        recordOrderTotal(env.handle.db, noCurrency.id, 'orders', totalled as never, { amount: 500, currency: 'usd' }),
      ).resolves.toBeUndefined();
    });
  });
});
