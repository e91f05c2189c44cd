// The subscription callback (callbacks/recurring.ts) fed events directly, with Stripe's answer to the re-fetch
// set by the test: which row an event is about, when a subscription is bound to it, and that every field Stripe
// can change (status, period, cancellation, plan, quantity, pause, card) is mirrored and counted as news.
// Written against the survivors of the 2026-12-04 Stryker run of that file.
import { getRow, insertRow } from '@tillflow/data-model';
import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { handleSubscriptionEvent } from '../src/callbacks/recurring';
import { createPaymentsProject, environmentPerFile, stripeEvent } from './harness';

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();
const DAY = 86_400;
const T0 = 1_800_000_000;

type Sub = Record<string, any>;

/** Stripe's subscription as the re-fetch returns it (expanded card), one field settable at a time. */
function subscription(id: string, rowId: number, extra: Sub = {}, item: Sub = {}): Sub {
  return {
    id,
    object: 'subscription',
    status: 'active',
    customer: { id: 'cus_1', invoice_settings: { default_payment_method: null } },
    cancel_at_period_end: false,
    canceled_at: null,
    pause_collection: null,
    default_payment_method: { card: { brand: 'visa', last4: '4242' } },
    metadata: { tillflow_recurring_payment_id: String(rowId) },
    items: {
      data: [
        {
          id: 'si_1',
          quantity: 1,
          current_period_start: T0,
          current_period_end: T0 + 30 * DAY,
          price: { id: 'price_monthly', unit_amount: 900, recurring: { interval: 'month', interval_count: 1 } },
          ...item,
        },
      ],
    },
    ...extra,
  };
}

async function shopWithRecurring(row: Record<string, unknown> = {}) {
  const shop = await createPaymentsProject(env.handle, env.sandbox);
  const order = await insertRow(env.handle.db, shop.project.id, BACKEND, 'order', { title: 'Club', amount: 900 });
  const recurring = await insertRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', {
    order_id: order.id,
    stripe_price_id: 'price_monthly',
    status: 'INCOMPLETE',
    initial_amount: 900,
    currency: 'usd',
    ...row,
  });
  let current: Sub = subscription('sub_1', recurring.id);
  const asked: { id: string; expand: unknown }[] = [];
  const stripe = {
    subscriptions: {
      retrieve: async (id: string, params: { expand?: string[] }) => {
        asked.push({ id, expand: params?.expand });
        return current;
      },
    },
  } as unknown as Stripe;
  const deliver = (object: Sub = current, extra: Record<string, unknown> = {}) =>
    env.handle.db.transaction((tx) =>
      handleSubscriptionEvent(tx, shop.project.id, stripeEvent('customer.subscription.updated', object, extra), stripe),
    );
  const stripeSays = (next: Sub) => {
    current = next;
  };
  const rowNow = async () => getRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', recurring.id);
  return { ...shop, order, recurring, deliver, stripeSays, rowNow, asked };
}

describe('the subscription callback', () => {
  it("binds Stripe's subscription to the row it started, mirrors it, and says so once", async () => {
    const shop = await shopWithRecurring();
    const out = await shop.deliver();
    expect(out).toEqual({
      orderId: shop.order.id,
      recurringPaymentId: shop.recurring.id,
      status: 'ACTIVE',
      amountMatches: true,
      alreadyProcessed: false,
      ignored: false,
    });
    expect(shop.asked).toEqual([
      { id: 'sub_1', expand: ['default_payment_method', 'customer.invoice_settings.default_payment_method'] },
    ]);
    const row = await shop.rowNow();
    expect(row).toMatchObject({
      stripe_subscription_id: 'sub_1',
      stripe_customer_id: 'cus_1',
      status: 'ACTIVE',
      cancel_at_period_end: false,
      canceled_at: null,
      stripe_price_id: 'price_monthly',
      quantity: 1,
      plan_amount: 900,
      plan_interval: 'month',
      collection_paused: false,
      payment_method: 'Visa ending in 4242',
    });
    expect(new Date(String(row?.current_period_start)).getTime()).toBe(T0 * 1000);
    expect(new Date(String(row?.current_period_end)).getTime()).toBe((T0 + 30 * DAY) * 1000);

    expect(await shop.deliver()).toMatchObject({ alreadyProcessed: true, status: 'ACTIVE' });
  });

  it('counts each field Stripe can change on its own as news, and writes it', async () => {
    const shop = await shopWithRecurring();
    await shop.deliver();
    const id = shop.recurring.id;
    const steps: [string, Sub, Record<string, unknown>][] = [
      ['status', subscription('sub_1', id, { status: 'past_due' }), { status: 'PAST_DUE' }],
      [
        'cancel at period end',
        subscription('sub_1', id, { status: 'past_due', cancel_at_period_end: true }),
        { cancel_at_period_end: true },
      ],
      [
        'the period',
        subscription(
          'sub_1',
          id,
          { status: 'past_due', cancel_at_period_end: true },
          { current_period_end: T0 + 31 * DAY },
        ),
        {},
      ],
      [
        'the plan',
        subscription(
          'sub_1',
          id,
          { status: 'past_due', cancel_at_period_end: true },
          {
            current_period_end: T0 + 31 * DAY,
            price: { id: 'price_yearly', unit_amount: 9000, recurring: { interval: 'month', interval_count: 3 } },
          },
        ),
        { stripe_price_id: 'price_yearly', plan_amount: 9000, plan_interval: '3 month' },
      ],
      [
        'the quantity',
        subscription(
          'sub_1',
          id,
          { status: 'past_due', cancel_at_period_end: true },
          {
            current_period_end: T0 + 31 * DAY,
            quantity: 2,
            price: { id: 'price_yearly', unit_amount: 9000, recurring: { interval: 'month', interval_count: 3 } },
          },
        ),
        { quantity: 2, plan_amount: 18000 },
      ],
    ];
    for (const [what, next, expected] of steps) {
      shop.stripeSays(next);
      const out = await shop.deliver();
      expect({ what, alreadyProcessed: out.alreadyProcessed }).toEqual({ what, alreadyProcessed: false });
      expect(await shop.rowNow()).toMatchObject(expected);
    }
    const last = steps[steps.length - 1][1];
    expect(new Date(String((await shop.rowNow())?.current_period_end)).getTime()).toBe((T0 + 31 * DAY) * 1000);

    // The plan interval alone (same price id, amount and quantity).
    const sameButWeekly = structuredClone(last);
    sameButWeekly.items.data[0].price.recurring = { interval: 'week', interval_count: 1 };
    shop.stripeSays(sameButWeekly);
    expect((await shop.deliver()).alreadyProcessed).toBe(false);
    expect(await shop.rowNow()).toMatchObject({ plan_interval: 'week' });

    // The card alone.
    const newCard = structuredClone(sameButWeekly);
    newCard.default_payment_method = { card: { brand: 'amex', last4: '0005' } };
    shop.stripeSays(newCard);
    expect((await shop.deliver()).alreadyProcessed).toBe(false);
    expect(await shop.rowNow()).toMatchObject({ payment_method: 'American Express ending in 0005' });

    // Collection paused alone.
    const paused = structuredClone(newCard);
    paused.pause_collection = { behavior: 'void' };
    shop.stripeSays(paused);
    expect((await shop.deliver()).alreadyProcessed).toBe(false);
    expect(await shop.rowNow()).toMatchObject({ collection_paused: true });

    // Canceled: the time it was canceled alone is news too.
    const canceled = structuredClone(paused);
    canceled.canceled_at = T0 + 2 * DAY;
    shop.stripeSays(canceled);
    expect((await shop.deliver()).alreadyProcessed).toBe(false);
    expect(new Date(String((await shop.rowNow())?.canceled_at)).getTime()).toBe((T0 + 2 * DAY) * 1000);

    expect((await shop.deliver()).alreadyProcessed).toBe(true);
  });

  it("keeps what Stripe's answer leaves out: the customer and the card it had", async () => {
    const shop = await shopWithRecurring({ stripe_customer_id: 'cus_kept', payment_method: 'Visa ending in 1111' });
    const bare = subscription('sub_1', shop.recurring.id, { customer: null, default_payment_method: null });
    shop.stripeSays(bare);
    await shop.deliver();
    expect(await shop.rowNow()).toMatchObject({
      stripe_customer_id: 'cus_kept',
      payment_method: 'Visa ending in 1111',
    });
    // The customer's default card counts when the subscription has none of its own.
    shop.stripeSays(
      subscription('sub_1', shop.recurring.id, {
        customer: {
          id: 'cus_kept',
          invoice_settings: { default_payment_method: { card: { brand: 'mastercard', last4: '4444' } } },
        },
        default_payment_method: null,
      }),
    );
    expect((await shop.deliver()).alreadyProcessed).toBe(false);
    expect(await shop.rowNow()).toMatchObject({ payment_method: 'Mastercard ending in 4444' });
  });

  it('never binds a subscription for another price or a longer trial than the shop gave, and says the amount does not match', async () => {
    const shop = await shopWithRecurring({ trial_days: 7 });
    shop.stripeSays(
      subscription(
        'sub_1',
        shop.recurring.id,
        {},
        { price: { id: 'price_cheap', unit_amount: 100, recurring: { interval: 'month', interval_count: 1 } } },
      ),
    );
    expect(await shop.deliver()).toEqual({
      orderId: shop.order.id,
      recurringPaymentId: shop.recurring.id,
      status: 'INCOMPLETE',
      amountMatches: false,
      alreadyProcessed: false,
      ignored: false,
    });
    shop.stripeSays(
      subscription('sub_1', shop.recurring.id, { trial_start: T0, trial_end: T0 + 30 * DAY, status: 'trialing' }),
    );
    expect(await shop.deliver()).toMatchObject({ amountMatches: false, status: 'INCOMPLETE' });
    expect(await shop.rowNow()).toMatchObject({ stripe_subscription_id: null, status: 'INCOMPLETE' });

    // The trial the shop gave binds.
    shop.stripeSays(
      subscription('sub_1', shop.recurring.id, { trial_start: T0, trial_end: T0 + 7 * DAY, status: 'trialing' }),
    );
    expect(await shop.deliver()).toMatchObject({ amountMatches: true, status: 'TRIALING' });
    // Once bound, a later price is the shop's own change (a plan switch), not a mismatch.
    shop.stripeSays(
      subscription(
        'sub_1',
        shop.recurring.id,
        {},
        { price: { id: 'price_cheap', unit_amount: 100, recurring: { interval: 'month', interval_count: 1 } } },
      ),
    );
    expect(await shop.deliver()).toMatchObject({ amountMatches: true, status: 'ACTIVE', alreadyProcessed: false });
    expect(await shop.rowNow()).toMatchObject({ stripe_price_id: 'price_cheap', stripe_subscription_id: 'sub_1' });
  });

  it('changes only the row of the subscription the event is about', async () => {
    const shop = await shopWithRecurring();
    const other = await insertRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', {
      order_id: shop.order.id,
      stripe_price_id: 'price_monthly',
      status: 'INCOMPLETE',
      initial_amount: 900,
      currency: 'usd',
    });
    await shop.deliver();
    expect(await getRow(env.handle.db, shop.project.id, BACKEND, 'recurring_payment', other.id)).toMatchObject({
      status: 'INCOMPLETE',
      stripe_subscription_id: null,
      payment_method: null,
    });
  });

  it('ignores events that are not about a subscription of ours, or in the other mode, and finds a bound row by its subscription id', async () => {
    const shop = await shopWithRecurring();
    const ignored = {
      orderId: null,
      recurringPaymentId: null,
      status: null,
      amountMatches: true,
      alreadyProcessed: false,
      ignored: true,
    };
    const event = (type: string, object: Sub, extra: Record<string, unknown> = {}) =>
      env.handle.db.transaction((tx) =>
        handleSubscriptionEvent(tx, shop.project.id, stripeEvent(type, object, extra), {
          subscriptions: { retrieve: async () => subscription('sub_1', shop.recurring.id) },
        } as unknown as Stripe),
      );
    expect(await event('invoice.paid', subscription('sub_1', shop.recurring.id))).toEqual(ignored);
    expect(await event('customer.subscription.updated', subscription('sub_nobody', 987654, { metadata: {} }))).toEqual(
      ignored,
    );
    expect(
      await event('customer.subscription.updated', subscription('sub_1', shop.recurring.id), { livemode: true }),
    ).toEqual(ignored);
    expect((await shop.rowNow())?.stripe_subscription_id).toBeNull();

    await shop.deliver();
    // Bound: an event without our metadata (made in Stripe's dashboard) still finds it by the subscription id.
    shop.stripeSays(subscription('sub_1', shop.recurring.id, { status: 'canceled', metadata: {} }));
    const out = await shop.deliver(subscription('sub_1', shop.recurring.id, { metadata: {} }));
    expect(out).toMatchObject({ recurringPaymentId: shop.recurring.id, status: 'CANCELED', ignored: false });
  });
});
