import { createLogger } from '@tillflow/core';
import { createEndUser, getRow, insertRow, queryRows } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { uniqueSuffix } from '@tillflow/db/testing';
import { listMailbox } from '@tillflow/mail';
import { startWebhookServer, startWorkers, type Workers } from '@tillflow/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentAction } from '../src/actions/payment';
import { refundableAmount, refundFromStudio } from '../src/actions/studio-refund';
import { activatePayments } from '../src/activation';
import { saveBranding } from '../src/settings';
import { bareShop, paymentServices, type Sandbox, startEnvironment, testServices } from './harness';

// The process's logger these tests hand in (JSON lines on stdout, warnings and errors only).
const testLogger = createLogger({ TILLFLOW_LOG_LEVEL: 'warn' });

const BACKEND = { kind: 'backend' } as const;

async function eventually<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() - started > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a shop set up by activation alone: pending → failed → paid on the same order → refunded from the studio', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  let receiver: Awaited<ReturnType<typeof startWebhookServer>>;
  let workers: Workers | null = null;
  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
    receiver = await startWebhookServer(handle, { port: 0, logger: testLogger });
    process.env.PUBLIC_URL = receiver.url;
  });
  afterAll(async () => {
    await workers?.stop();
    await receiver.close();
    await sandbox.close();
    await handle.close();
  });

  it('moves the order through its status words and refunds typed amounts in major units', async () => {
    const project = await bareShop(handle, sandbox, [
      { name: 'title', type: 'text' },
      { name: 'amount', type: 'integer' },
    ]);
    const { changes } = await activatePayments(paymentServices(handle), project.id, {
      orderTable: 'orders',
      confirmPermanent: true,
      setupDefaults: true,
    });
    expect(changes.length).toBeGreaterThan(0);
    await saveBranding(paymentServices(handle), project.id, {
      brandName: 'Crumb & Co <Bakery>',
      brandSlogan: null,
      brandLogo: null,
    });
    workers = await startWorkers(testServices(handle), { projectIds: [project.id], pollMs: 50, backoffBaseMs: 50 });
    const { stripe } = await paymentServices(handle).stripeAccounts.forProject(handle.db, project.id);
    const ann = await createEndUser(handle.db, project.id, { email: `ann-${uniqueSuffix()}@example.test` });
    const asAnn = { kind: 'endUser' as const, userId: ann.id, role: ann.role };

    const order = await insertRow(
      handle.db,
      project.id,
      asAnn,
      'orders',
      { title: 'Sourdough loaf' },
      { serverValues: { amount: 850 } },
    );
    expect(order.status).toBe('pending');
    const orderStatus = async () => (await getRow(handle.db, project.id, BACKEND, 'orders', order.id))?.status;

    // Declined: the order says failed.
    const first = await createPaymentAction(paymentServices(handle), project.id, asAnn, {
      orderId: order.id,
      method: 'payment_intent',
    });
    const firstRow = await getRow(handle.db, project.id, BACKEND, 'payment', first.paymentId);
    await expect(
      stripe.paymentIntents.confirm(String(firstRow?.stripe_payment_intent_id), {
        payment_method: 'pm_card_visa_chargeDeclined',
      }),
    ).rejects.toMatchObject({ type: 'StripeCardError' });
    await eventually(async () => (await orderStatus()) === 'failed');

    // Try again on the same order (no second order): paid.
    const retry = await createPaymentAction(paymentServices(handle), project.id, asAnn, {
      orderId: order.id,
      method: 'payment_intent',
    });
    expect(retry.paymentId).not.toBe(first.paymentId);
    const retryRow = await getRow(handle.db, project.id, BACKEND, 'payment', retry.paymentId);
    await stripe.paymentIntents.confirm(String(retryRow?.stripe_payment_intent_id), { payment_method: 'pm_card_visa' });
    await eventually(async () => (await orderStatus()) === 'paid');
    expect((await queryRows(handle.db, project.id, BACKEND, 'orders', {})).rows).toHaveLength(1);

    // The receipt: from the shop, with the item and the amount in both parts; names escaped in the HTML.
    const [receipt] = await eventually(async () => {
      const mail = await listMailbox(handle.db, project.id, { to: String(ann.email) });
      return mail.length > 0 ? mail : null;
    });
    expect(receipt).toMatchObject({ subject: `Receipt for order #${order.id}` });
    expect(receipt.fromAddress).toBe('"Crumb & Co Bakery" <no-reply@tillflow.local>');
    expect(receipt.text).toContain('Item: Sourdough loaf');
    expect(receipt.text).toContain('Paid: $8.50');
    expect(receipt.html).toContain('Crumb &amp; Co &lt;Bakery&gt;');
    expect(receipt.html).toContain('Sourdough loaf');
    expect(receipt.html).toContain('$8.50');
    expect(receipt.html).not.toContain('<Bakery>');

    // The studio refunds 2.00 of 8.50 by the order: partially refunded, 6.50 left.
    expect(await refundableAmount(paymentServices(handle), project.id, { orderId: order.id })).toMatchObject({
      paymentId: retry.paymentId,
      remaining: 850,
      remainingDisplay: '$8.50',
    });
    const partial = await refundFromStudio(paymentServices(handle), project.id, { orderId: order.id, amount: '2.00' });
    expect(partial).toMatchObject({
      refundAmount: 200,
      refundDisplay: '$2.00',
      remaining: 650,
      remainingDisplay: '$6.50',
    });
    await eventually(async () => (await orderStatus()) === 'partially_refunded');
    const notice = await eventually(async () =>
      (await listMailbox(handle.db, project.id, { to: String(ann.email) })).find((m) => m.subject.startsWith('Refund')),
    );
    expect(notice.subject).toBe(`Refund for order #${order.id}`);
    expect(notice.text).toContain('Part of your payment was refunded');
    expect(notice.text).toContain('Refunded: $2.00');
    expect(notice.text).toContain('Still paid: $6.50');
    expect(notice.html).toContain('Sourdough loaf');

    // Bad input and too much are refused in words, before anything reaches Stripe.
    await expect(
      refundFromStudio(paymentServices(handle), project.id, { paymentId: retry.paymentId, amount: '2,5' }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: 'Use a dot for decimals: write 8.50, not 8,50.' });
    await expect(
      refundFromStudio(paymentServices(handle), project.id, { paymentId: retry.paymentId, amount: '7.00' }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: 'Only $6.50 of this payment remains refundable.' });
    await expect(
      refundFromStudio(paymentServices(handle), project.id, { paymentId: first.paymentId, amount: '1.00' }),
    ).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });

    // No amount: everything that remains. The order ends refunded.
    const rest = await refundFromStudio(paymentServices(handle), project.id, { paymentId: retry.paymentId });
    expect(rest).toMatchObject({ refundAmount: 650, remaining: 0 });
    await eventually(async () => (await orderStatus()) === 'refunded');
    const notices = await eventually(async () => {
      const mail = (await listMailbox(handle.db, project.id, { to: String(ann.email) })).filter((m) =>
        m.subject.startsWith('Refund'),
      );
      return mail.length === 2 ? mail : null;
    });
    expect(notices.map((m) => m.text).join('\n')).toContain('Your payment was refunded');
    const refunds = await stripe.refunds.list({ payment_intent: String(retryRow?.stripe_payment_intent_id) });
    expect(refunds.data.map((r) => r.amount).sort((a, b) => a - b)).toEqual([200, 650]);
  });
});
