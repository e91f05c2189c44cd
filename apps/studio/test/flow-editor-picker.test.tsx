// @vitest-environment jsdom

import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { buildSystemFlow } from '@tillflow/flow-model';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { BindingInput, BindingsContext } from '~/components/ui/binding-input';
import { bindingGroups } from '~/lib/flow-editor';

afterEach(cleanup);

function Harness({ initial = '' }: { initial?: string }) {
  const flow = buildSystemFlow('StripePayment', { orderTable: 'order' });
  const [value, setValue] = useState(initial);
  return (
    <BindingsContext.Provider value={(filter) => bindingGroups(flow, 'update_order', undefined, filter)}>
      <BindingInput label="filter 1 value" value={value} onChange={setValue} />
    </BindingsContext.Provider>
  );
}

describe('binding picker', () => {
  it('lists upstream outputs by name and type and inserts the chosen one as {{ }}', () => {
    render(<Harness />);
    fireEvent.click(screen.getByRole('button', { name: 'Insert binding into filter 1 value' }));
    expect(screen.getByRole('list', { name: 'Bindings from Payment details' })).toBeTruthy();
    expect(
      screen.getByRole('button', {
        name: "callback.paymentStatus ('SUCCESSFUL' | 'FAILED' | 'PENDING' | 'CANCELED' | 'AMOUNT_MISMATCH')",
      }),
    ).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Bindings from Mark order paid' })).toBeNull();
    act(() => {
      fireEvent.change(screen.getByRole('searchbox', { name: 'Search bindings' }), { target: { value: 'orderid' } });
    });
    const options = screen.getAllByRole('button', { name: /\(/ });
    expect(options.map((o) => o.getAttribute('aria-label'))).toEqual(['callback.orderId (number)']);
    fireEvent.click(options[0]);
    expect((screen.getByRole('textbox', { name: 'filter 1 value' }) as HTMLInputElement).value).toBe(
      '{{ nodes.callback.orderId }}',
    );
    expect(screen.queryByRole('searchbox', { name: 'Search bindings' })).toBeNull();
    // Under the field, the binding reads as a chip in words, not as the path.
    const chips = screen.getByRole('list', { name: 'What filter 1 value reads' });
    expect(chips.textContent).toBe('«order id» from Payment details · a number');
  });
});
