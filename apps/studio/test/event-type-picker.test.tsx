// @vitest-environment jsdom

import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { stripeEventTypes } from '@tillflow/flow-model';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { EventTypePicker } from '~/app/projects/[projectId]/flows/_components/event-type-picker';

afterEach(cleanup);

function Harness({ initial, seen }: { initial: string[]; seen: string[][] }) {
  const [chosen, setChosen] = useState(initial);
  return (
    <EventTypePicker
      chosen={chosen}
      disabled={false}
      onChange={(next) => {
        seen.push(next);
        setChosen(next);
      }}
    />
  );
}

const search = () => screen.getByRole('searchbox', { name: 'What Stripe tells us that starts this automation' });

describe('the Stripe event picker', () => {
  it('offers every Stripe event type, grouped by the object it carries', () => {
    render(<Harness initial={[]} seen={[]} />);
    expect(screen.getAllByRole('checkbox')).toHaveLength(stripeEventTypes.length);
    expect(stripeEventTypes.length).toBeGreaterThan(200);
    const invoices = screen.getByRole('group', { name: 'Invoice' });
    expect(within(invoices).getByRole('checkbox', { name: 'Invoice finalized' })).toBeTruthy();
    expect(within(invoices).getByRole('checkbox', { name: 'A renewal is paid' })).toBeTruthy();
    const subscriptions = screen.getByRole('group', { name: 'Subscription' });
    expect(within(subscriptions).getByRole('checkbox', { name: 'A free trial is about to end' })).toBeTruthy();
  });

  it('narrows to what a search names (words, group or Stripe’s name) and ticks what is chosen', () => {
    const seen: string[][] = [];
    render(<Harness initial={['charge.refunded']} seen={seen} />);
    fireEvent.change(search(), { target: { value: 'finalized' } });
    expect(screen.getAllByRole('group').map((g) => g.querySelector('legend')?.textContent)).toEqual([
      'Invoice',
      'Quote',
    ]);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Invoice finalized' }));
    expect(seen.at(-1)).toEqual(['charge.refunded', 'invoice.finalized']);
    expect(screen.getByText(/2 chosen: a payment is refunded, invoice finalized/)).toBeTruthy();

    fireEvent.change(search(), { target: { value: 'payout.paid' } });
    expect(screen.getAllByRole('checkbox').map((c) => c.closest('label')?.textContent)).toEqual(['Payout paid']);
    fireEvent.change(search(), { target: { value: 'checkout session' } });
    expect(
      within(screen.getByRole('group', { name: 'Checkout session' })).getAllByRole('checkbox').length,
    ).toBeGreaterThan(3);
    fireEvent.change(search(), { target: { value: 'no such thing' } });
    expect(screen.queryAllByRole('checkbox')).toHaveLength(0);
    expect(screen.getByText('No Stripe event matches “no such thing”.')).toBeTruthy();
  });

  it('keeps a chosen type it no longer offers listed, so it can be unticked', () => {
    const seen: string[][] = [];
    render(<Harness initial={['legacy.thing.happened']} seen={seen} />);
    const stale = within(screen.getByRole('group', { name: 'Chosen before, no longer offered' })).getByRole(
      'checkbox',
      {
        name: 'Legacy thing happened',
      },
    ) as HTMLInputElement;
    expect(stale.checked).toBe(true);
    fireEvent.click(stale);
    expect(seen.at(-1)).toEqual([]);
  });
});
