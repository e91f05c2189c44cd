// @vitest-environment jsdom

import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { buildSystemFlow } from '@tillflow/flow-model';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PublishDialog } from '~/app/projects/[projectId]/flows/_components/publish-dialog';
import { insertNodeOnEdgeWithLayout, publishChanges, updateNode } from '~/lib/flow-editor';

afterEach(cleanup);

const live = () => buildSystemFlow('StripePayment', { orderTable: 'orders' });

describe('publishing a payment automation asks first and says what changes', () => {
  it('lists added, removed and changed steps in words; moving a step is no change', () => {
    const published = live();
    expect(publishChanges(null, published)).toEqual([
      'This is its first version: from now on it runs on every event it listens to.',
    ]);
    expect(publishChanges(published, published)).toEqual(['Nothing that runs changes (only positions on the canvas).']);
    const edge = published.graph.edges.find((e) => e.target === 'update_order');
    const inserted = insertNodeOnEdgeWithLayout(published.graph, String(edge?.id), { type: 'send_email' });
    const changed = updateNode(inserted.graph, 'update_order', {
      config: { ...published.graph.nodes.find((n) => n.id === 'update_order')?.config, values: { status: 'done' } },
    });
    const lines = publishChanges(published, { ...published, graph: changed });
    expect(lines).toContain('Adds the step “Send email”.');
    expect(lines).toContain('Changes the settings of “Mark order paid”.');
    expect(lines.join(' ')).not.toMatch(/nodes\.|update_order|send_email/);
  });

  it('the dialog publishes only on its Publish button; Cancel leaves the live version alone', () => {
    const onConfirm = vi.fn();
    const onCancel = vi.fn();
    render(
      <PublishDialog
        flowName="StripePayment"
        changes={['Adds the step “Send email”.']}
        onConfirm={onConfirm}
        onCancel={onCancel}
      />,
    );
    const dialog = screen.getByRole('dialog', { name: 'Publish StripePayment?' });
    expect(dialog.textContent).toContain('the next one runs the new version');
    expect(screen.getByRole('list', { name: 'What changes' }).textContent).toContain('Adds the step “Send email”.');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onCancel).toHaveBeenCalledTimes(1);
    expect(onConfirm).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Publish' }));
    expect(onConfirm).toHaveBeenCalledTimes(1);
  });
});
