// @vitest-environment jsdom

import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { FlowDefinition, FlowNode, ValidationIssue } from '@tillflow/flow-model';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigPanel } from '~/app/projects/[projectId]/flows/_components/config-panel';

afterEach(cleanup);

function renderStep(config: Record<string, unknown>, issues: ValidationIssue[] = []) {
  const node: FlowNode = { id: 'ask', type: 'stripe_api_call', label: 'Ask Stripe', config, position: { x: 0, y: 0 } };
  const definition = {
    trigger: { kind: 'manual' },
    graph: { nodes: [{ id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } }, node], edges: [] },
  } as unknown as FlowDefinition;
  const seen: Record<string, unknown>[] = [];
  render(
    <ConfigPanel
      node={node}
      definition={definition}
      tables={[]}
      issues={issues}
      onChange={(patch) => seen.push(patch.config)}
    />,
  );
  return seen;
}

describe('the Stripe API step’s settings', () => {
  it('offer the operations by resource in words and draw the chosen operation’s parameters as typed fields', () => {
    const seen = renderStep({ operation: 'customers.create', params: {} });
    const operation = screen.getByRole('combobox', { name: 'Stripe operation' }) as HTMLSelectElement;
    expect(operation.value).toBe('customers.create');
    expect(within(operation).getByRole('group', { name: 'Payment intents' })).toBeTruthy();
    expect(within(operation).getByRole('option', { name: 'Customers: search' })).toBeTruthy();
    expect(screen.getByRole('textbox', { name: 'Email' })).toBeTruthy();
    expect(screen.getByText('Email (optional)')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Add entry to Metadata' })).toBeTruthy();

    fireEvent.change(operation, { target: { value: 'paymentIntents.create' } });
    expect(seen.at(-1)).toEqual({ operation: 'paymentIntents.create', params: {} });
    // Required first, not marked optional; a number field keeps numbers; choices are a list; yes/no can stay unset.
    expect(screen.getByText('Amount')).toBeTruthy();
    expect(screen.getByText('Currency')).toBeTruthy();
    fireEvent.change(screen.getByRole('textbox', { name: 'Amount' }), { target: { value: '2500' } });
    expect(seen.at(-1)).toEqual({ operation: 'paymentIntents.create', params: { amount: 2500 } });
    const capture = screen.getByRole('combobox', { name: 'Capture method' });
    expect(
      within(capture)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toContain('manual');
    fireEvent.change(screen.getByRole('combobox', { name: 'Confirm' }), { target: { value: 'yes' } });
    expect(seen.at(-1)).toMatchObject({ params: { amount: 2500, confirm: true } });
  });

  it('shows the validator’s words beside the parameter, and about one the operation does not take', () => {
    renderStep({ operation: 'customers.retrieve', params: { colour: 'red' } }, [
      {
        code: 'invalid_config',
        nodeId: 'ask',
        field: 'params.id',
        message: 'Customers: get one needs "id" (The customer’s id).',
      },
      {
        code: 'invalid_config',
        nodeId: 'ask',
        field: 'params.colour',
        message: 'Customers: get one has no parameter "colour". It takes id.',
      },
    ]);
    expect(screen.getByRole('textbox', { name: 'Customer id' })).toBeTruthy();
    const alerts = screen.getAllByRole('alert').map((a) => a.textContent);
    expect(alerts).toContain('Customers: get one needs "id" (The customer’s id).');
    expect(alerts).toContain('Customers: get one has no parameter "colour". It takes id.');
  });
});
