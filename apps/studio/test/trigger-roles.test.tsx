// @vitest-environment jsdom

import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { FlowDefinition, FlowTrigger } from '@tillflow/flow-model';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { TriggerPanel } from '~/app/projects/[projectId]/flows/_components/trigger-panel';

afterEach(cleanup);

function Harness({ roles, initial, seen }: { roles?: string[]; initial: string[]; seen: FlowTrigger[] }) {
  const [trigger, setTrigger] = useState<FlowTrigger>({ kind: 'app_call', inputs: [], outputs: [], roles: initial });
  const definition = { trigger, graph: { nodes: [], edges: [] } } as unknown as FlowDefinition;
  return (
    <TriggerPanel
      definition={definition}
      locked={false}
      roles={roles}
      onChange={(next) => {
        seen.push(next);
        setTrigger(next);
      }}
    />
  );
}

const rolesOf = (seen: FlowTrigger[]) => {
  const last = seen.at(-1);
  return last?.kind === 'app_call' ? last.roles : undefined;
};

describe('roles that may run a flow called from a page', () => {
  it('are ticked from the project’s roles, not typed', () => {
    const seen: FlowTrigger[] = [];
    render(<Harness roles={['user', 'admin', 'vip']} initial={[]} seen={seen} />);
    const group = screen.getByRole('group', { name: 'Roles that may run it' });
    expect(group.textContent).toContain('anyone signed in');
    expect(screen.queryByRole('textbox', { name: /Roles/ })).toBeNull();
    fireEvent.click(screen.getByRole('checkbox', { name: 'vip' }));
    expect(rolesOf(seen)).toEqual(['vip']);
    fireEvent.click(screen.getByRole('checkbox', { name: 'admin' }));
    expect(rolesOf(seen)).toEqual(['vip', 'admin']);
    expect(group.textContent).toContain('Only shoppers with a ticked role');
    fireEvent.click(screen.getByRole('checkbox', { name: 'vip' }));
    expect(rolesOf(seen)).toEqual(['admin']);
  });

  it('keep a role deleted since listed and marked, so it can be unticked', () => {
    const seen: FlowTrigger[] = [];
    render(<Harness roles={['user']} initial={['gone']} seen={seen} />);
    const stale = screen.getByRole('checkbox', { name: /gone/ }) as HTMLInputElement;
    expect(stale.checked).toBe(true);
    expect(screen.getByText('(no longer a role: untick it)')).toBeTruthy();
    fireEvent.click(stale);
    expect(rolesOf(seen)).toEqual([]);
    expect(screen.queryByRole('checkbox', { name: /gone/ })).toBeNull();
  });
});
