import { describe, expect, it } from 'vitest';
import { sandboxWithFreshAccount } from './helpers';

const env = sandboxWithFreshAccount();

const types = async () => (await env.stripe.events.list({ limit: 100 })).data.map((e) => e.type).reverse();

async function paid(paymentMethod: string, amount = 2000) {
  return env.stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: paymentMethod, confirm: true });
}

describe('lifecycle the official SDK sees on the sandbox', () => {
  it('a charge on the dispute test card opens a dispute; winning evidence wins it, accepting loses it', async () => {
    const first = await paid('pm_card_createDispute');
    expect(first.status).toBe('succeeded');
    const [dispute] = (await env.stripe.disputes.list({ payment_intent: first.id })).data;
    expect(dispute).toMatchObject({ status: 'needs_response', amount: 2000, reason: 'fraudulent' });
    expect((await env.stripe.charges.retrieve(String(first.latest_charge))).disputed).toBe(true);
    const won = await env.stripe.disputes.update(dispute.id, { evidence: { uncategorized_text: 'winning_evidence' } });
    expect(won.status).toBe('won');

    const second = await paid('pm_card_createDispute');
    const [other] = (await env.stripe.disputes.list({ payment_intent: second.id })).data;
    expect((await env.stripe.disputes.close(other.id)).status).toBe('lost');
    const seen = await types();
    expect(seen.filter((t) => t.startsWith('charge.dispute.'))).toEqual([
      'charge.dispute.created',
      'charge.dispute.updated',
      'charge.dispute.closed',
      'charge.dispute.created',
      'charge.dispute.closed',
    ]);
  });

  it('a refund of the refund-failure test card is accepted, then fails and gives the money back to the charge', async () => {
    const intent = await paid('pm_card_refundFail');
    const refund = await env.stripe.refunds.create({ payment_intent: intent.id, amount: 500 });
    const after = await env.stripe.refunds.retrieve(refund.id);
    expect(after).toMatchObject({ status: 'failed', failure_reason: 'expired_or_canceled_card' });
    expect((await env.stripe.charges.retrieve(String(intent.latest_charge))).amount_refunded).toBe(0);
    const seen = await types();
    expect(seen.slice(-5)).toEqual([
      'refund.created',
      'charge.refunded',
      'refund.updated',
      'refund.failed',
      'charge.refund.updated',
    ]);
  });

  it('a subscription price change mid-period prorates on the next invoice, or invoices now, or not at all', async () => {
    const product = await env.stripe.products.create({ name: 'Plan' });
    const monthly = (amount: number) =>
      env.stripe.prices.create({
        product: product.id,
        unit_amount: amount,
        currency: 'usd',
        recurring: { interval: 'month' },
      });
    const [small, large] = [await monthly(1000), await monthly(3000)];
    const start = Math.floor(Date.now() / 1000);
    const clock = await env.stripe.testHelpers.testClocks.create({ frozen_time: start });
    const customer = await env.stripe.customers.create({ test_clock: clock.id });
    const pm = await env.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const sub = await env.stripe.subscriptions.create({
      customer: customer.id,
      items: [{ price: small.id }],
      default_payment_method: pm.id,
    });
    const end = sub.items.data[0].current_period_end;
    // Halfway through the period: upgrade with prorations on the next invoice.
    await env.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + Math.floor((end - start) / 2) });
    const upgraded = await env.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: large.id }],
    });
    expect(upgraded.items.data[0].price.unit_amount).toBe(3000);
    await env.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: end + 60 });
    const next = await env.stripe.invoices.retrieve(
      String((await env.stripe.subscriptions.retrieve(sub.id)).latest_invoice),
    );
    // 3000 for the new period, +1000 for the half period's difference (−500 unused, +1500 remaining).
    expect(next.billing_reason).toBe('subscription_cycle');
    expect(next.amount_paid).toBe(4000);
    expect(next.lines.data.map((l) => l.amount).sort((a, b) => a - b)).toEqual([-500, 1500, 3000]);

    const now = await env.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: small.id }],
      proration_behavior: 'always_invoice',
    });
    const update = await env.stripe.invoices.retrieve(String(now.latest_invoice));
    expect(update.billing_reason).toBe('subscription_update');
    const none = await env.stripe.subscriptions.update(sub.id, {
      items: [{ id: sub.items.data[0].id, price: large.id }],
      proration_behavior: 'none',
    });
    expect(none.latest_invoice).toBe(now.latest_invoice);
  });

  it('a checkout session expires on request, with checkout.session.expired', async () => {
    const session = await env.stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'usd', unit_amount: 900, product_data: { name: 'Mug' } }, quantity: 1 }],
      success_url: 'http://localhost/ok',
    });
    expect((await env.stripe.checkout.sessions.expire(session.id)).status).toBe('expired');
    expect(await types()).toContain('checkout.session.expired');
  });
});
