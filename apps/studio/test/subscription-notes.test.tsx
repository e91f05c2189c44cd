// @vitest-environment jsdom

import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { planPrice, SubscriptionNotes } from '~/app/projects/[projectId]/payments/_components/subscription-notes';

afterEach(cleanup);

describe('the dashboard says what a subscriber changed', () => {
  it('shows the plan’s price now and each change (ending, pause, quantity, card) in words', () => {
    const row = {
      status: 'TRIALING',
      currency: 'usd',
      plan_amount: 9000,
      plan_interval: 'year',
      cancel_at_period_end: true,
      current_period_end: '2027-01-10T00:00:00.000Z',
      collection_paused: true,
      quantity: 3,
      payment_method: 'Mastercard ending in 4444',
    };
    expect(planPrice(row)).toBe('$90.00 / year');
    render(<SubscriptionNotes row={row} />);
    expect(screen.getByText(/^Cancels at period end/)).toBeTruthy();
    expect(screen.getByText('Payments paused')).toBeTruthy();
    expect(screen.getByText('Quantity 3')).toBeTruthy();
    expect(screen.getByText('Paid with Mastercard ending in 4444')).toBeTruthy();
  });

  it('says nothing for a plain subscription, nor “cancels” once it is canceled', () => {
    const { container } = render(
      <SubscriptionNotes
        row={{ status: 'CANCELED', cancel_at_period_end: true, quantity: 1, collection_paused: false }}
      />,
    );
    expect(container.textContent).toBe('');
  });
});
