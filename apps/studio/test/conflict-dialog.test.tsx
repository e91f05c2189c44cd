// @vitest-environment jsdom

import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConflictDialog } from '~/app/projects/[projectId]/flows/_components/conflict-dialog';

afterEach(cleanup);

describe('the save-conflict dialog says what happened and offers the choices in words', () => {
  it('offers to combine both when the drafts touch different steps', () => {
    const onChoose = vi.fn();
    render(
      <ConflictDialog merge={{ ok: true, definition: {} as never }} busy={false} error={null} onChoose={onChoose} />,
    );
    expect(screen.getByRole('dialog', { name: 'Someone else changed this flow' })).toBeTruthy();
    expect(screen.getByText(/both can be kept together/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Combine both' }));
    fireEvent.click(screen.getByRole('button', { name: 'Keep my version (replace theirs)' }));
    fireEvent.click(screen.getByRole('button', { name: 'Load their version (drop my changes)' }));
    expect(onChoose.mock.calls.map((c) => c[0])).toEqual(['combine', 'mine', 'theirs']);
  });

  it('when both changed the same step, lists it and offers only a whole version', () => {
    const onChoose = vi.fn();
    render(
      <ConflictDialog
        merge={{ ok: false, clashes: ['the step “Send receipt”: you both changed it'] }}
        busy={false}
        error="Someone saved this flow after you opened it."
        onChoose={onChoose}
      />,
    );
    expect(screen.queryByRole('button', { name: 'Combine both' })).toBeNull();
    expect(screen.getByRole('list', { name: 'What you both changed' }).textContent).toContain('Send receipt');
    expect(screen.getByRole('alert').textContent).toContain('Someone saved');
    fireEvent.click(screen.getByRole('button', { name: 'Keep my version (replace theirs)' }));
    expect(onChoose).toHaveBeenCalledWith('mine');
  });

  it('waits for the other version before offering anything', () => {
    render(<ConflictDialog merge={null} busy={false} error={null} onChoose={vi.fn()} />);
    expect(screen.getByText('Loading their version…')).toBeTruthy();
    for (const button of screen.getAllByRole('button')) expect((button as HTMLButtonElement).disabled).toBe(true);
  });
});
