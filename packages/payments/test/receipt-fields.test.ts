// What a receipt and a refund notice say (callbacks/receipt.ts): the shop's name and sender, the item in words,
// what was paid after a discount, and the address it goes to. Written against the survivors of the 2026-12-04
// Stryker run of that file.
import { createEgressGuard } from '@tillflow/core';
import { insertRow } from '@tillflow/data-model';
import { appSettings, authUser, projects } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import { saveMailSettings } from '@tillflow/mail';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import {
  itemNameOf,
  NO_REFUND_NOTICE,
  receiptAddress,
  receiptFields,
  refundNoticeFields,
  shopOf,
} from '../src/callbacks/receipt';
import { saveBranding } from '../src/settings';
import { createPaymentsProject, environmentPerFile, paymentServices, setRow, stripeEvent } from './harness';

const BACKEND = { kind: 'backend' } as const;
const env = environmentPerFile();
const loopback = { egress: createEgressGuard({ allow: ['127.0.0.1/32'] }) };

const event = (object: Record<string, unknown> = {}) => stripeEvent('payment_intent.succeeded', object);

async function shopWithOrder(orderValues: Record<string, unknown> = { title: '  Oak desk  ' }) {
  const shop = await createPaymentsProject(env.handle, env.sandbox);
  const order = await insertRow(env.handle.db, shop.project.id, BACKEND, 'order', { amount: 12_000, ...orderValues });
  const payment = await insertRow(env.handle.db, shop.project.id, BACKEND, 'payment', {
    order_id: order.id,
    payer: shop.alice.id,
    amount: 12_000,
    currency: 'usd',
    status: 'SUCCESSFUL',
    method: 'checkout',
  });
  return { ...shop, order, payment };
}

describe('receipts and refund notices', () => {
  it("names the shop by its brand, else the project's name, and sends from the shop's name unless its own mail server says otherwise", async () => {
    const shop = await shopWithOrder();
    const db = env.handle.db;
    const plain = await shopOf(db, shop.project.id);
    expect(plain).toEqual({
      name: shop.project.name,
      logo: null,
      from: `"${shop.project.name}" <no-reply@tillflow.local>`,
    });

    await saveBranding(paymentServices(env.handle), shop.project.id, {
      brandName: 'Oak & Iron',
      brandSlogan: null,
      brandLogo: 'https://cdn.example.test/logo.png',
    });
    expect(await shopOf(db, shop.project.id)).toEqual({
      name: 'Oak & Iron',
      logo: 'https://cdn.example.test/logo.png',
      from: '"Oak & Iron" <no-reply@tillflow.local>',
    });

    await saveMailSettings(
      db,
      shop.project.id,
      { host: '127.0.0.1', port: 2525, fromAddress: 'Orders <orders@oak.test>' },
      loopback,
    );
    expect((await shopOf(db, shop.project.id)).from).toBe('Orders <orders@oak.test>');

    // A project with no name at all still reads as a shop.
    await db.update(projects).set({ name: '' }).where(eq(projects.id, shop.project.id));
    await saveBranding(paymentServices(env.handle), shop.project.id, {
      brandName: null,
      brandSlogan: null,
      brandLogo: null,
    });
    expect((await shopOf(db, shop.project.id)).name).toBe('Your shop');
  });

  it("says the item by the app's label column when it is a text column, else the first title-like text column, trimmed", async () => {
    const shop = await shopWithOrder({ title: '  Oak desk  ' });
    const db = env.handle.db;
    expect(await itemNameOf(db, shop.project.id, shop.order.id)).toBe('Oak desk');

    // The app's label column wins when it is a text column of the order table; a label column that is not one is passed over.
    await db.insert(appSettings).values({
      projectId: shop.project.id,
      catalog: { source: 'prices', priceIds: [], orderLabelColumn: 'currency' },
    });
    await setRow(env.handle, shop.project.id, 'order', shop.order.id, {
      currency: 'eur',
    });
    expect(await itemNameOf(db, shop.project.id, shop.order.id)).toBe('eur');
    await db
      .update(appSettings)
      .set({ catalog: { source: 'prices', priceIds: [], orderLabelColumn: 'amount' } })
      .where(eq(appSettings.projectId, shop.project.id));
    expect(await itemNameOf(db, shop.project.id, shop.order.id)).toBe('Oak desk');

    // Blank or missing: no item line at all.
    await setRow(env.handle, shop.project.id, 'order', shop.order.id, {
      title: '   ',
    });
    expect(await itemNameOf(db, shop.project.id, shop.order.id)).toBeNull();
    expect(await itemNameOf(db, shop.project.id, 987654)).toBeNull();

    // A project whose payments are not set up has no order table to read.
    const bare = await createPaymentsProject(env.handle, env.sandbox, { activate: false });
    expect(await itemNameOf(db, bare.project.id, shop.order.id)).toBeNull();
  });

  it('reads as "Your shop" with no item for a project with no payment settings, or none at all', async () => {
    const db = env.handle.db;
    const suffix = uniqueSuffix();
    await db.insert(authUser).values({ id: `b-${suffix}`, name: 'B', email: `b-${suffix}@example.test` });
    const [project] = await db
      .insert(projects)
      .values({ ownerId: `b-${suffix}`, name: `Plain ${suffix}`, slug: `plain-${suffix}`, schemaName: `app_${suffix}` })
      .returning();
    expect(await shopOf(db, project.id)).toEqual({
      name: `Plain ${suffix}`,
      logo: null,
      from: `"Plain ${suffix}" <no-reply@tillflow.local>`,
    });
    expect(await itemNameOf(db, project.id, 1)).toBeNull();
    expect((await shopOf(db, 987_654_321)).name).toBe('Your shop');
  });

  it('tells what the shopper paid after the discount, with the discount and the item, to the payer’s own address', async () => {
    const shop = await shopWithOrder();
    const payment = {
      ...shop.payment,
      amount: 12_000,
      amount_discount: 2_000,
      discount_code: 'WELCOME',
    };
    const fields = await receiptFields(
      env.handle.db,
      shop.project.id,
      payment,
      event({ receipt_email: 'other@example.test' }),
    );
    expect(fields).toMatchObject({
      amount: 10_000,
      currency: 'usd',
      amountDisplay: '$100.00',
      customerEmail: shop.alice.email,
      shopName: shop.project.name,
      itemName: 'Oak desk',
    });
    expect(fields.receiptText).toContain('Paid: $100.00');
    expect(fields.receiptText).toContain('Item: Oak desk');
    expect(fields.receiptText).toContain('WELCOME');
    expect(fields.receiptText).toContain('$20.00');
    expect(fields.receiptHtml).toContain('$100.00');

    const undiscounted = await receiptFields(env.handle.db, shop.project.id, shop.payment, event());
    expect(undiscounted).toMatchObject({ amount: 12_000, amountDisplay: '$120.00' });
    expect(undiscounted.receiptText).not.toContain('Discount');
  });

  it("sends to the payer's address in the app, else the one Stripe has: typed at Checkout, the receipt address, the invoice's", async () => {
    const shop = await shopWithOrder();
    const db = env.handle.db;
    const id = shop.project.id;
    const noPayer = { ...shop.payment, payer: null };
    expect(await receiptAddress(db, id, shop.payment, event({ receipt_email: 'other@example.test' }))).toBe(
      shop.alice.email,
    );
    expect(
      await receiptAddress(db, id, { ...shop.payment, payer: 987654 }, event({ receipt_email: 'r@example.test' })),
    ).toBe('r@example.test');
    expect(
      await receiptAddress(
        db,
        id,
        noPayer,
        event({
          customer_details: { email: 'typed@example.test' },
          receipt_email: 'r@example.test',
          customer_email: 'c@example.test',
        }),
      ),
    ).toBe('typed@example.test');
    expect(
      await receiptAddress(
        db,
        id,
        noPayer,
        event({ customer_details: { email: null }, receipt_email: 'r@example.test' }),
      ),
    ).toBe('r@example.test');
    expect(
      await receiptAddress(db, id, noPayer, event({ customer_details: null, customer_email: 'c@example.test' })),
    ).toBe('c@example.test');
    expect(await receiptAddress(db, id, noPayer, event({ receipt_email: '' }))).toBeNull();
    expect(await receiptAddress(db, id, noPayer, event({ receipt_email: 42 }))).toBeNull();
    expect(await receiptAddress(db, id, noPayer, event())).toBeNull();
  });

  it('tells a partial refund with what is still paid, a full one without, and nothing when there is no refund', async () => {
    const shop = await shopWithOrder();
    const db = env.handle.db;
    const id = shop.project.id;
    const refundEvent = stripeEvent('refund.updated', { receipt_email: 'not-the-buyer@example.test' });

    const partial = await refundNoticeFields(db, id, { ...shop.payment, amount_refunded: 2_500 }, 2_500, refundEvent);
    expect(partial).toMatchObject({
      refundAmountDisplay: '$25.00',
      customerEmail: shop.alice.email,
      shopName: shop.project.name,
      itemName: 'Oak desk',
      fromAddress: `"${shop.project.name}" <no-reply@tillflow.local>`,
    });
    expect(partial.noticeText).toContain('Part of your payment was refunded');
    expect(partial.noticeText).toContain('Refunded: $25.00');
    expect(partial.noticeText).toContain('You paid: $120.00');
    expect(partial.noticeText).toContain('Still paid: $95.00');

    const full = await refundNoticeFields(db, id, { ...shop.payment, amount_refunded: 12_000 }, 9_500, refundEvent);
    expect(full.noticeText).toContain('Your payment was refunded');
    expect(full.noticeText).toContain('Refunded: $95.00');
    expect(full.noticeText).not.toContain('Still paid');

    // Stripe's refund event carries no buyer address: with no payer in the app, the notice has none either.
    const noPayer = await refundNoticeFields(
      db,
      id,
      { ...shop.payment, payer: null, amount_refunded: 100 },
      100,
      refundEvent,
    );
    expect(noPayer.customerEmail).toBeNull();

    expect(await refundNoticeFields(db, id, null, 100, refundEvent)).toEqual(NO_REFUND_NOTICE);
    expect(await refundNoticeFields(db, id, shop.payment, null, refundEvent)).toEqual(NO_REFUND_NOTICE);
    expect(NO_REFUND_NOTICE).toEqual({
      refundAmountDisplay: null,
      customerEmail: null,
      shopName: null,
      itemName: null,
      fromAddress: null,
      noticeHtml: null,
      noticeText: null,
    });
  });
});
