// @vitest-environment jsdom

import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createTable, insertRow } from '@tillflow/data-model';
import { uniqueSuffix } from '@tillflow/db/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LastCheckSection } from '~/app/projects/[projectId]/payments/_components/last-check';
import type { MemberRole } from '~/lib/member-roles';
import { servicesFor } from '~/server/services';
import { asMember } from './as-member';
import { withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

// The payments dashboard's "In step with Stripe?" section: when "Check against Stripe" last ran (button, REST or
// the maintenance loop) and what it found, read from the stored report, in words.

vi.mock('next/navigation', () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), refresh: vi.fn() }),
  usePathname: () => '/',
  useSearchParams: () => new URLSearchParams(),
}));

afterEach(cleanup);

describe('the dashboard shows the last check against Stripe', () => {
  const env = withDbAndSandbox(60_000);

  it('says when it last ran, how many rows it compared, which it fixed and which still differ, and why', async () => {
    const { caller } = await signUpBuilder(env.handle, 'checker');
    const project = await caller.project.create({ name: 'Corner Shop', slug: `corner-${uniqueSuffix()}` });
    const projectId = project.id;
    await createTable(env.handle.db, projectId, { name: 'orders', columns: [{ name: 'title', type: 'text' }] });
    await caller.payments.activate({ projectId, orderTable: 'orders', confirmPermanent: true, setupDefaults: true });
    // One payment Stripe took whose news never reached the shop, one Stripe has never heard of.
    const { stripe } = await servicesFor(env.handle).stripeAccounts.forProject(env.handle.db, projectId);
    const intent = await stripe.paymentIntents.create({
      amount: 850,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    expect(intent.status).toBe('succeeded');
    const payment = async (title: string, intentId: string) => {
      const order = await insertRow(env.handle.db, projectId, { kind: 'backend' }, 'orders', { title });
      return insertRow(env.handle.db, projectId, { kind: 'backend' }, 'payment', {
        order_id: order.id,
        amount: 850,
        currency: 'usd',
        status: 'PENDING',
        method: 'payment_intent',
        stripe_payment_intent_id: intentId,
      });
    };
    const taken = await payment('Sourdough loaf', intent.id);
    const unknown = await payment('Rye loaf', 'pi_never_made_at_stripe_0001');

    const show = (role: MemberRole) => {
      return render(asMember(caller, role)(<LastCheckSection projectId={projectId} />));
    };

    show('owner');
    await screen.findByText(/Not checked yet/);
    fireEvent.click(screen.getByRole('button', { name: 'Check against Stripe' }));
    const report = await screen.findByRole('region', { name: 'Last check against Stripe' }, { timeout: 30_000 });
    const said = report.textContent ?? '';
    expect(said).toMatch(
      /^Last checked .+: \d+ missed events? recovered; 2 payments, refunds and subscriptions compared; 1 fixed; 1 still differs\./,
    );
    expect(said).toContain(
      `Fixed: Payment #${taken.id} was Pending, Stripe says Succeeded (the payment succeeded; its event never arrived).`,
    );
    expect(said).toContain(
      `Still differs: Payment #${unknown.id} was Pending, Stripe says nothing (Stripe does not know it on the account whose keys are saved).`,
    );
    // No Stripe ids, codes or stored names in what the shop owner reads.
    expect(said).not.toMatch(/pi_|payment_intent|PENDING|resource_missing|StripePayment/);
    cleanup();

    // Later (another visit, or a member who may only look): the stored report with the time it ran, no button.
    const stored = await caller.payments.lastCheck({ projectId });
    expect(stored).toMatchObject({ checked: 2, fixed: [{ id: taken.id }], stillDiffering: [{ id: unknown.id }] });
    show('viewer');
    const again = await screen.findByRole('region', { name: 'Last check against Stripe' });
    expect(again.textContent).toContain(`Last checked ${new Date(String(stored?.ranAt)).toLocaleString()}:`);
    expect(again.textContent).toContain('1 fixed; 1 still differs.');
    expect(screen.queryByRole('button', { name: 'Check against Stripe' })).toBeNull();
  }, 90_000);
});
