import { describe, expect, it } from 'vitest';
import {
  addCatalogPrice,
  addPromotionCode,
  archiveCatalogPrice,
  archiveCatalogProduct,
  createCatalogProduct,
  createCoupon,
  listCatalog,
  listCoupons,
} from '../src/catalog';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, environmentPerFile, paymentServices } from './harness';

// The studio's catalog and discounts (Payments → Products / Discounts): amounts typed in major units, stored at
// Stripe in minor units, read back from the project's Stripe account, so objects made in the Dashboard show
// up and archived ones disappear.
const env = environmentPerFile();

describe('catalog', () => {
  it('creates a monthly price with a trial and a one-time price, lists them in words, archives them', async () => {
    const { project, account } = await createPaymentsProject(env.handle, env.sandbox, { activate: false });
    const services = paymentServices(env.handle);
    const stripe = createStripeClient(account.secretKey, env.sandbox.url);
    const club = await createCatalogProduct(services, project.id, {
      name: 'Coffee club',
      description: 'A bag a month',
      image: 'https://example.test/bag.png',
      price: { amount: '9.50', currency: 'usd', interval: 'month', trialDays: 7 },
    });
    expect(club.prices[0]).toMatchObject({ amount: 950, display: '$9.50 / month', trialDays: 7, interval: 'month' });
    const atStripe = await stripe.prices.retrieve(club.prices[0].id);
    expect(atStripe).toMatchObject({ unit_amount: 950, currency: 'usd', metadata: { tillflow_trial_days: '7' } });
    expect((await stripe.products.retrieve(club.id)).images).toEqual(['https://example.test/bag.png']);
    const yearly = await addCatalogPrice(services, project.id, {
      productId: club.id,
      price: { amount: '99', currency: 'usd', interval: 'year' },
    });
    expect(yearly.display).toBe('$99.00 / year');
    const mug = await createCatalogProduct(services, project.id, {
      name: 'Mug',
      price: { amount: '1 200', currency: 'jpy', interval: null },
    });
    expect(mug.prices[0]).toMatchObject({ amount: 1200, display: '¥1,200 once' });

    // Made in the Stripe Dashboard: shows up.
    const outside = await stripe.products.create({ name: 'Gift card' });
    await stripe.prices.create({ product: outside.id, currency: 'eur', unit_amount: 2500 });
    let catalog = await listCatalog(services, project.id);
    expect(catalog.map((p) => p.name).sort()).toEqual(['Coffee club', 'Gift card', 'Mug']);
    expect(catalog.find((p) => p.name === 'Gift card')?.prices[0].display).toBe('€25.00 once');
    expect(
      catalog
        .find((p) => p.name === 'Coffee club')
        ?.prices.map((p) => p.display)
        .sort(),
    ).toEqual(['$9.50 / month', '$99.00 / year']);

    await archiveCatalogPrice(services, project.id, yearly.id);
    await archiveCatalogProduct(services, project.id, mug.id);
    await stripe.products.update(outside.id, { active: false }); // archived in the Dashboard
    catalog = await listCatalog(services, project.id);
    expect(catalog.map((p) => p.name)).toEqual(['Coffee club']);
    expect(catalog[0].prices.map((p) => p.id)).toEqual([club.prices[0].id]);
    expect((await stripe.prices.retrieve(mug.prices[0].id)).active).toBe(false);
  });

  it('refuses amounts and settings in words, before reaching Stripe', async () => {
    const { project } = await createPaymentsProject(env.handle, env.sandbox, { activate: false });
    const services = paymentServices(env.handle);
    const base = { name: 'Tea', price: { amount: '4.50', currency: 'usd', interval: null } } as const;
    await expect(
      createCatalogProduct(services, project.id, { ...base, price: { ...base.price, amount: 'four' } }),
    ).rejects.toMatchObject({ code: 'VALIDATION', fieldErrors: { amount: expect.any(String) } });
    await expect(
      createCatalogProduct(services, project.id, { ...base, price: { ...base.price, amount: '0.10' } }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('minimum') });
    await expect(
      createCatalogProduct(services, project.id, { ...base, price: { ...base.price, trialDays: 7 } }),
    ).rejects.toMatchObject({ fieldErrors: { trialDays: 'Only for recurring prices.' } });
    await expect(createCatalogProduct(services, project.id, { ...base, name: ' ' })).rejects.toMatchObject({
      fieldErrors: { name: 'Required.' },
    });
    expect(await listCatalog(services, project.id)).toEqual([]);
  });
});

describe('discounts', () => {
  it('creates percentage and amount coupons with codes shoppers type, listed in words', async () => {
    const { project, account } = await createPaymentsProject(env.handle, env.sandbox, { activate: false });
    const services = paymentServices(env.handle);
    const stripe = createStripeClient(account.secretKey, env.sandbox.url);
    const spring = await createCoupon(services, project.id, {
      name: 'Spring',
      percentOff: '25',
      duration: 'repeating',
      durationInMonths: 3,
      code: 'spring25',
    });
    expect(spring).toMatchObject({
      offDisplay: '25% off',
      durationDisplay: 'for 3 months',
      codes: [{ code: 'SPRING25' }],
    });
    const five = await createCoupon(services, project.id, {
      amountOff: '5.00',
      currency: 'eur',
      duration: 'once',
    });
    expect((await stripe.coupons.retrieve(five.id)).amount_off).toBe(500);
    await addPromotionCode(services, project.id, { couponId: five.id, code: 'FIVE-OFF' });
    const listed = await listCoupons(services, project.id);
    expect(listed.find((c) => c.id === five.id)).toMatchObject({
      offDisplay: '€5.00 off',
      durationDisplay: 'once',
      codes: [{ code: 'FIVE-OFF', active: true }],
    });
    const found = await stripe.promotionCodes.list({ code: 'spring25' });
    expect(found.data).toHaveLength(1);
    await expect(
      createCoupon(services, project.id, { percentOff: '10', amountOff: '1', currency: 'usd', duration: 'once' }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(createCoupon(services, project.id, { percentOff: '120', duration: 'once' })).rejects.toMatchObject({
      fieldErrors: { percentOff: expect.any(String) },
    });
  });
});
