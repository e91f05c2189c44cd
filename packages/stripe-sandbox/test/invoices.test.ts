import type Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { sandboxWithFreshAccount, stripeError } from './helpers';

const env = sandboxWithFreshAccount();

async function customerWithCard(email: string) {
  const customer = await env.stripe.customers.create({ email });
  const pm = await env.stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await env.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
  return { customer, pm };
}

/** The types of the events about `id`, oldest first. */
async function eventsAbout(id: string): Promise<string[]> {
  const { data } = await env.stripe.events.list({ limit: 100 });
  return data
    .filter((e) => (e.data.object as { id?: string }).id === id)
    .map((e) => e.type)
    .reverse();
}

describe('one-off invoices', () => {
  it('a draft takes invoice items by `invoice`, lists them as lines, is finalized and paid, with Stripe’s events', async () => {
    const { customer } = await customerWithCard('bill@example.test');
    const invoice = await env.stripe.invoices.create({
      customer: customer.id,
      description: 'Consulting, May',
      metadata: { job: '42' },
    });
    expect(invoice).toMatchObject({
      object: 'invoice',
      status: 'draft',
      billing_reason: 'manual',
      collection_method: 'charge_automatically',
      auto_advance: false,
      total: 0,
      number: null,
      parent: null,
    });
    const hours = await env.stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      amount: 12_000,
      currency: 'usd',
      description: 'Two hours',
    });
    const fee = await env.stripe.invoiceItems.create({
      customer: customer.id,
      invoice: invoice.id,
      amount: 500,
      quantity: 2,
      currency: 'usd',
      description: 'Travel',
    });
    // Without `invoice`, an item waits for the customer's next invoice: not on this draft.
    const later = await env.stripe.invoiceItems.create({ customer: customer.id, amount: 999, currency: 'usd' });
    expect([hours.invoice, fee.invoice, later.invoice]).toEqual([invoice.id, invoice.id, null]);
    const lines = await env.stripe.invoices.listLineItems(invoice.id);
    expect(lines.data.map((l) => [l.description, l.amount]).sort()).toEqual([
      ['Travel', 500],
      ['Two hours', 12_000],
    ]);
    expect(await env.stripe.invoices.retrieve(invoice.id)).toMatchObject({ subtotal: 12_500, amount_due: 12_500 });
    // Items on a draft may still change or go; the draft's totals follow.
    await env.stripe.invoiceItems.update(fee.id, { quantity: 3 });
    expect((await env.stripe.invoices.retrieve(invoice.id)).total).toBe(12_750);

    const finalized = await env.stripe.invoices.finalizeInvoice(invoice.id);
    expect(finalized).toMatchObject({ status: 'open', amount_due: 12_750 });
    expect(finalized.number).toMatch(/^[A-Z0-9]+-0001$/);
    expect(finalized.hosted_invoice_url).toContain(`/i/${invoice.id}`);
    // A finalized invoice is fixed: no new items, no re-finalizing, no deleting, and its items stay.
    const closed = await stripeError(
      env.stripe.invoiceItems.create({ customer: customer.id, invoice: invoice.id, amount: 100, currency: 'usd' }),
    );
    expect(closed.raw).toMatchObject({ code: 'invoice_not_editable', param: 'invoice' });
    expect((await stripeError(env.stripe.invoices.finalizeInvoice(invoice.id))).raw.code).toBe('invoice_not_editable');
    expect((await stripeError(env.stripe.invoices.del(invoice.id))).raw.code).toBe('invoice_not_editable');
    expect((await stripeError(env.stripe.invoiceItems.del(hours.id))).raw.code).toBe('invoice_not_editable');

    const paid = await env.stripe.invoices.pay(invoice.id);
    expect(paid).toMatchObject({ status: 'paid', amount_paid: 12_750, amount_remaining: 0 });
    const pi = await env.stripe.paymentIntents.retrieve(
      String((paid.payments!.data[0].payment as { payment_intent: string }).payment_intent),
    );
    expect(pi).toMatchObject({ status: 'succeeded', amount: 12_750, customer: customer.id });
    expect((await stripeError(env.stripe.invoices.pay(invoice.id))).raw.code).toBe('invoice_not_open');
    expect(await eventsAbout(invoice.id)).toEqual([
      'invoice.created',
      'invoice.updated',
      'invoice.updated',
      'invoice.updated',
      'invoice.finalized',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    // The item not asked for is picked up by the next invoice that includes pending items.
    const next = await env.stripe.invoices.create({
      customer: customer.id,
      pending_invoice_items_behavior: 'include',
    });
    expect(next.lines.data.map((l) => l.amount)).toEqual([999]);
    expect(next.number).toBeNull();
    const nextFinal = await env.stripe.invoices.finalizeInvoice(next.id);
    expect(nextFinal.number).toMatch(/-0002$/);
  });

  it('void and mark_uncollectible follow Stripe’s state machine; an uncollectible invoice can still be paid', async () => {
    const { customer } = await customerWithCard('states@example.test');
    const draft = async () => {
      const invoice = await env.stripe.invoices.create({ customer: customer.id });
      await env.stripe.invoiceItems.create({
        customer: customer.id,
        invoice: invoice.id,
        amount: 5000,
        currency: 'usd',
      });
      return invoice;
    };
    const toVoid = await draft();
    expect((await stripeError(env.stripe.invoices.voidInvoice(toVoid.id))).raw.code).toBe('invoice_not_open');
    await env.stripe.invoices.finalizeInvoice(toVoid.id);
    const voided = await env.stripe.invoices.voidInvoice(toVoid.id);
    expect(voided.status).toBe('void');
    expect(voided.status_transitions.voided_at).toEqual(expect.any(Number));
    expect((await stripeError(env.stripe.invoices.pay(toVoid.id))).statusCode).toBe(400);
    expect((await stripeError(env.stripe.invoices.markUncollectible(toVoid.id))).raw.code).toBe('invoice_not_open');
    expect(await eventsAbout(toVoid.id)).toEqual([
      'invoice.created',
      'invoice.updated',
      'invoice.finalized',
      'invoice.voided',
    ]);

    const bad = await draft();
    expect((await stripeError(env.stripe.invoices.markUncollectible(bad.id))).raw.code).toBe('invoice_not_open');
    await env.stripe.invoices.finalizeInvoice(bad.id);
    const written = await env.stripe.invoices.markUncollectible(bad.id);
    expect(written).toMatchObject({ status: 'uncollectible', amount_remaining: 5000 });
    const late = await env.stripe.invoices.pay(bad.id, { payment_method: 'pm_card_mastercard' });
    expect(late).toMatchObject({ status: 'paid', amount_paid: 5000 });
    expect(await eventsAbout(bad.id)).toEqual([
      'invoice.created',
      'invoice.updated',
      'invoice.finalized',
      'invoice.marked_uncollectible',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);

    const gone = await draft();
    const [item] = (await env.stripe.invoiceItems.list({ invoice: gone.id })).data;
    expect(await env.stripe.invoices.del(gone.id)).toEqual({ id: gone.id, object: 'invoice', deleted: true });
    expect((await stripeError(env.stripe.invoices.retrieve(gone.id))).statusCode).toBe(404);
    expect((await env.stripe.invoices.list({ customer: customer.id })).data.map((i) => i.id)).not.toContain(gone.id);
    expect((await env.stripe.invoiceItems.retrieve(item.id)).invoice).toBeNull();
    expect((await eventsAbout(gone.id)).at(-1)).toBe('invoice.deleted');

    // Paying a draft finalizes it first; paid out of band charges nothing.
    const direct = await draft();
    expect((await env.stripe.invoices.pay(direct.id)).status).toBe('paid');
    const outside = await draft();
    const settled = await env.stripe.invoices.pay(outside.id, { paid_out_of_band: true });
    expect(settled.status).toBe('paid');
    expect(settled.payments?.data).toEqual([]);
  });

  it('send_invoice gets a due date at finalizing and is not charged by itself; auto_advance charges at once', async () => {
    const { customer } = await customerWithCard('due@example.test');
    const sent = await env.stripe.invoices.create({
      customer: customer.id,
      collection_method: 'send_invoice',
      days_until_due: 14,
    });
    await env.stripe.invoiceItems.create({ customer: customer.id, invoice: sent.id, amount: 700, currency: 'usd' });
    const open = await env.stripe.invoices.finalizeInvoice(sent.id);
    expect(open.status).toBe('open');
    expect(open.due_date! - open.status_transitions.finalized_at!).toBe(14 * 86_400);

    const auto = await env.stripe.invoices.create({ customer: customer.id, auto_advance: true });
    await env.stripe.invoiceItems.create({ customer: customer.id, invoice: auto.id, amount: 800, currency: 'usd' });
    expect((await env.stripe.invoices.finalizeInvoice(auto.id)).status).toBe('paid');
  });

  it('refuses bad parameters as Stripe does: body-named missing objects 400 with the param, unknown ones by full name', async () => {
    const { customer } = await customerWithCard('errors@example.test');
    const noCustomer = await stripeError(env.stripe.invoices.create({ customer: 'cus_missing' }));
    expect(noCustomer.statusCode).toBe(400);
    expect(noCustomer.raw).toMatchObject({ code: 'resource_missing', param: 'customer' });
    const noInvoice = await stripeError(
      env.stripe.invoiceItems.create({ customer: customer.id, invoice: 'in_missing', amount: 1, currency: 'usd' }),
    );
    expect(noInvoice.statusCode).toBe(400);
    expect(noInvoice.raw).toMatchObject({ code: 'resource_missing', param: 'invoice' });
    const unknown = await stripeError(
      env.stripe.invoices.create({ customer: customer.id, automatic_tax: { enabled: false, colour: 'red' } } as any),
    );
    expect(unknown.raw).toMatchObject({ code: 'parameter_unknown', param: 'automatic_tax[colour]' });
    const dueOnCharge = await stripeError(env.stripe.invoices.create({ customer: customer.id, days_until_due: 3 }));
    expect(dueOnCharge.raw.param).toBe('days_until_due');
    const other = await env.stripe.customers.create({ email: 'other@example.test' });
    const foreign = await env.stripe.invoices.create({ customer: other.id });
    const notTheirs = await stripeError(
      env.stripe.invoiceItems.create({ customer: customer.id, invoice: foreign.id, amount: 1, currency: 'usd' }),
    );
    expect(notTheirs.raw.param).toBe('invoice');
    expect((await stripeError(env.stripe.invoices.del('in_missing'))).statusCode).toBe(404);
    const list: Stripe.ApiList<Stripe.Invoice> = await env.stripe.invoices.list({ status: 'draft' });
    expect(list.data.map((i) => i.id)).toEqual([foreign.id]);
  });
});
