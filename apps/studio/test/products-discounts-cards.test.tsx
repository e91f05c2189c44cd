// @vitest-environment jsdom

import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogCard } from '~/app/projects/[projectId]/payments/_components/catalog-card';
import { CouponsCard } from '~/app/projects/[projectId]/payments/_components/coupons-card';
import { servicesFor } from '~/server/services';
import { asMember } from './as-member';
import { coffeeShop, withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

// Payments → Products and Discounts, rendered in jsdom with the server's own procedures on the sandbox.

const type = (label: string | RegExp, value: string, scope: HTMLElement = document.body) =>
  fireEvent.change(within(scope).getByLabelText(label), { target: { value } });

/** The words under a field (or the form) after the server refused it. */
const problemIn = (form: HTMLElement) =>
  waitFor(() => {
    const shown = form.querySelector('.field-error');
    if (!shown?.textContent) throw new Error('No problem shown yet.');
    return shown.textContent;
  });

describe('Payments → Products and Discounts cards', () => {
  const env = withDbAndSandbox();
  afterEach(cleanup);

  async function project(prefix: string) {
    const { caller } = await signUpBuilder(env.handle, prefix);
    const { project: created } = await coffeeShop(env.handle, caller, prefix, []);
    const { stripe } = await servicesFor(env.handle).stripeAccounts.forProject(env.handle.db, created.id);
    return { caller, projectId: created.id, stripe };
  }

  it('creates a one-time product and a monthly price with a 7-day trial typed in major units, archives a price, and says a wrong price in words', async () => {
    const { caller, projectId, stripe } = await project('products');
    render(asMember(caller, 'owner')(<CatalogCard projectId={projectId} />));
    await screen.findByText('No products yet.');
    const form = screen.getByRole('form', { name: 'New product' });

    type('Product name', 'Enamel mug', form);
    type('Price', '12,5x', form);
    fireEvent.click(within(form).getByRole('button', { name: 'Add product' }));
    expect(await problemIn(form)).toBe('"12,5x" is not an amount. Type digits only, e.g. 8.50.');
    expect(screen.queryByRole('list', { name: 'Products' })).toBeNull();

    type('Price', '12.50', form);
    fireEvent.click(within(form).getByRole('button', { name: 'Add product' }));
    expect((await within(form).findByRole('status')).textContent).toBe('Enamel mug added at $12.50 once.');
    const mug = await screen.findByRole('listitem', { name: 'Enamel mug' });
    expect(within(mug).getByText('$12.50 once')).toBeTruthy();

    fireEvent.click(within(mug).getByRole('button', { name: 'Add a price to Enamel mug' }));
    const priceForm = await screen.findByRole('form', { name: 'New price for Enamel mug' });
    type('Price', '9.00', priceForm);
    type('Billing', 'month', priceForm);
    type('Free trial (days, optional)', '7', priceForm);
    fireEvent.submit(priceForm);
    expect(await within(mug).findByText('7-day free trial')).toBeTruthy();
    expect(within(mug).getByText('$9.00 / month')).toBeTruthy();
    const [stored] = (await stripe.prices.list({ active: true, recurring: { interval: 'month' } } as never)).data;
    expect(stored).toMatchObject({ unit_amount: 900, currency: 'usd', metadata: { tillflow_trial_days: '7' } });

    fireEvent.click(within(mug).getByRole('button', { name: 'Archive price $12.50 once of Enamel mug' }));
    await waitFor(() => expect(within(mug).queryByText('$12.50 once')).toBeNull());
    expect((await stripe.prices.list({ active: true })).data.map((p) => p.unit_amount)).toEqual([900]);
  });

  it('creates a percent and an amount discount with codes and says a wrong percentage in words', async () => {
    const { caller, projectId, stripe } = await project('discounts');
    render(asMember(caller, 'owner')(<CouponsCard projectId={projectId} />));
    await screen.findByText('No discounts yet.');
    const form = screen.getByRole('form', { name: 'New discount' });

    type('Discount name (optional)', 'Spring', form);
    type('Percent off', '150', form);
    fireEvent.click(within(form).getByRole('button', { name: 'Add discount' }));
    expect(await problemIn(form)).toBe('The percentage is more than 0 and at most 100.');
    expect(screen.queryByRole('list', { name: 'Discounts' })).toBeNull();

    type('Percent off', '20', form);
    type('Code shoppers type (optional)', 'SPRING', form);
    fireEvent.click(within(form).getByRole('button', { name: 'Add discount' }));
    expect((await within(form).findByRole('status')).textContent).toMatch(/20\s?% off .* with code SPRING\./);
    const spring = await screen.findByRole('listitem', { name: 'Spring' });
    expect(within(spring).getByText('SPRING')).toBeTruthy();

    type('Discount name (optional)', 'Five off', form);
    type('Discount type', 'amount', form);
    type('Amount off', '5.00', form);
    type('Code shoppers type (optional)', 'FIVE', form);
    fireEvent.click(within(form).getByRole('button', { name: 'Add discount' }));
    const five = await screen.findByRole('listitem', { name: 'Five off' });
    expect(within(five).getByText(/\$5\.00 off/)).toBeTruthy();
    const coupons = (await stripe.coupons.list()).data;
    expect(coupons.map((c) => [c.name, c.percent_off ?? null, c.amount_off ?? null]).sort()).toEqual([
      ['Five off', null, 500],
      ['Spring', 20, null],
    ]);
    expect((await stripe.promotionCodes.list({ code: 'FIVE' })).data).toHaveLength(1);
  });
});
