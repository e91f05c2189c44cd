// @vitest-environment jsdom

import { cleanup, render, screen } from '@testing-library/react';
import { COLUMN_TYPES } from '@tillflow/data-model/types';
import { listNodeTypes } from '@tillflow/flow-model';
import { afterEach, describe, expect, it } from 'vitest';
import { RefundList } from '~/app/app/[projectSlug]/_components/ui';
import { formatCell } from '~/app/projects/[projectId]/data/_components/value-editor';
import { mailStatusWords } from '~/app/projects/[projectId]/mailbox/_components/mailbox';
import { accountInUse } from '~/app/projects/[projectId]/payments/_components/stripe-keys-card';
import { NodeIcon, nodeIconTypes } from '~/components/ui/node-icon';
import { COLUMN_TYPE_WORDS, describeColumnType } from '~/lib/column-types';

afterEach(cleanup);

describe('the studio reads statuses, types and accounts in plain words', () => {
  it('Data shows an order’s or a payment’s status as a word people read, not as stored', () => {
    const status = { name: 'status', type: 'enum' as const };
    expect(formatCell(status, 'paid')).toBe('Paid');
    expect(formatCell(status, 'partially_refunded')).toBe('Partially refunded');
    expect(formatCell({ name: 'status', type: 'text' }, 'SUCCESSFUL')).toBe('Paid');
    expect(formatCell({ name: 'dispute_status', type: 'text' }, 'LOST')).toBe('Dispute lost');
    // Other columns keep their values as typed.
    expect(formatCell({ name: 'title', type: 'text' }, 'paid')).toBe('paid');
    expect(formatCell({ name: 'status', type: 'enum' }, null)).toBe('');
    // A refund's reason: Stripe's code in words, a reason someone typed as typed.
    expect(formatCell({ name: 'reason', type: 'text' }, 'requested_by_customer')).toBe('Asked for by the customer');
    expect(formatCell({ name: 'reason', type: 'text' }, 'Burnt crust')).toBe('Burnt crust');
  });

  it('the shopper’s refund list says why in words', () => {
    render(
      <RefundList refunds={[{ id: 1, amount: 200, currency: 'usd', status: 'SUCCEEDED', reason: 'duplicate' }]} />,
    );
    const item = screen.getByRole('listitem', { name: 'Refund 1' });
    expect(item.textContent).toContain('Refund $2.00');
    expect(item.textContent).toContain('Charged twice');
    expect(item.textContent).not.toMatch(/duplicate|SUCCEEDED/);
  });

  it('column types have names without jargon; the stored names stay the values', () => {
    for (const type of COLUMN_TYPES) expect(COLUMN_TYPE_WORDS[type]).toMatch(/^[A-Z]/);
    expect(COLUMN_TYPE_WORDS.decimal).toMatch(/^Decimal number/);
    expect(describeColumnType({ type: 'relation', relationTable: 'end_user' })).toBe('Link to shopper accounts');
    expect(describeColumnType({ type: 'relation', relationTable: 'customer' })).toBe('Link to customer');
    expect(describeColumnType({ type: 'enum', enumOptions: ['pending', 'paid'] })).toBe('One of: pending, paid');
    expect(describeColumnType({ type: 'json' })).toBe('Structured data');
  });

  it('the keys card names the account in use', () => {
    expect(accountInUse({ usesSandbox: true, mode: 'sandbox' })).toBe('Built-in test sandbox');
    expect(accountInUse({ usesSandbox: false, mode: 'test' })).toBe('Your Stripe account, test mode');
    expect(accountInUse({ usesSandbox: false, mode: 'live' })).toBe('Your Stripe account, live: real money');
  });

  it('the mailbox says what happened to a message', () => {
    expect(mailStatusWords('captured')).toBe('Kept here (no mail server set)');
    expect(mailStatusWords('failed')).toBe('Not sent');
  });

  it('every node type has an SVG icon (no emoji that render as empty boxes)', () => {
    const types = listNodeTypes().map((d) => d.type);
    expect(types.filter((t) => !nodeIconTypes.includes(t))).toEqual([]);
    const { container } = render(<NodeIcon type="send_email" />);
    const svg = container.querySelector('svg');
    expect(svg?.getAttribute('aria-hidden')).toBe('true');
    expect(svg?.getAttribute('data-node-icon')).toBe('send_email');
    expect(screen.queryByText(/[\u{1F300}-\u{1FAFF}]/u)).toBeNull();
  });
});
