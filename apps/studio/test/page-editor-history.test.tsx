// @vitest-environment jsdom

import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { uniqueSuffix } from '@tillflow/db/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PageEditor } from '~/app/projects/[projectId]/pages/_components/page-editor';
import { PageList } from '~/app/projects/[projectId]/pages/_components/page-list';
import { asMember } from './as-member';
import { withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

// The page editor and the page list in the browser (jsdom), their queries and mutations answered by the server's
// own procedures as the builder: undo and redo of each kind of edit, duplicate, set home, and rollback.

vi.mock('next/navigation', () => ({
  useRouter: () => ({ push: vi.fn(), replace: vi.fn(), refresh: vi.fn() }),
  usePathname: () => '/',
  useSearchParams: () => new URLSearchParams(),
}));

afterEach(cleanup);

async function show(caller: unknown, ui: React.ReactNode, ready: () => unknown) {
  render(asMember(caller, 'owner')(ui));
  await waitFor(ready, { timeout: 15_000 });
}

/** The outline as a person reads it: each block's label and name, in order. */
const outline = () =>
  within(screen.getByRole('region', { name: 'Outline' }))
    .queryAllByRole('button')
    .map((b) => b.textContent?.trim());
const headingText = () => {
  act(() => screen.getAllByRole('button', { name: /^Heading heading_1/ })[0].click());
  return (screen.getByRole('textbox', { name: 'Text' }) as HTMLInputElement).value;
};

describe('the page editor in the browser', { timeout: 120_000 }, () => {
  const env = withDbAndSandbox(240_000);

  it('undoes and redoes a prop change, an added block and a move, one by one', async () => {
    const { caller } = await signUpBuilder(env.handle, 'undo');
    const project = await caller.project.create({ name: 'Undo', slug: `undo-${uniqueSuffix()}` });
    const page = await caller.pages.create({ projectId: project.id, title: 'Welcome' });
    await show(caller, <PageEditor projectId={project.id} pageId={page.id} />, () =>
      screen.getByRole('heading', { name: 'Welcome', level: 1 }),
    );
    const palette = within(screen.getByRole('region', { name: 'Blocks' }));
    const undo = screen.getByRole('button', { name: 'Undo' }) as HTMLButtonElement;
    const redo = screen.getByRole('button', { name: 'Redo' }) as HTMLButtonElement;
    expect(undo.disabled).toBe(true);

    // 1. add a heading, 2. change its text, 3. add a text block, 4. move the text above the heading.
    act(() => palette.getByRole('button', { name: 'Heading' }).click());
    fireEvent.change(screen.getByRole('textbox', { name: 'Text' }), { target: { value: 'Hello shoppers' } });
    act(() => screen.getByRole('button', { name: 'Heading heading_1' }).click());
    act(() => palette.getByRole('button', { name: 'Text' }).click());
    act(() => screen.getByRole('button', { name: 'Move up' }).click());
    expect(outline()).toEqual(['Text text_1', 'Heading heading_1']);
    expect(headingText()).toBe('Hello shoppers');

    act(() => undo.click()); // the move
    expect(outline()).toEqual(['Heading heading_1', 'Text text_1']);
    act(() => undo.click()); // the text block
    expect(outline()).toEqual(['Heading heading_1']);
    act(() => undo.click()); // the prop
    expect(headingText()).toBe('Heading');
    act(() => undo.click()); // the heading
    expect(outline()).toEqual([]);
    expect(undo.disabled).toBe(true);

    act(() => redo.click());
    expect(outline()).toEqual(['Heading heading_1']);
    expect(headingText()).toBe('Heading');
    act(() => redo.click());
    expect(headingText()).toBe('Hello shoppers');
    act(() => redo.click());
    expect(outline()).toEqual(['Heading heading_1', 'Text text_1']);
    act(() => redo.click());
    expect(outline()).toEqual(['Text text_1', 'Heading heading_1']);
    expect(redo.disabled).toBe(true);
    // Ctrl+Z outside a field undoes too; the redone draft is what autosave stores.
    act(() => {
      fireEvent.keyDown(document.body, { key: 'z', ctrlKey: true });
    });
    expect(outline()).toEqual(['Heading heading_1', 'Text text_1']);
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('All changes saved'), { timeout: 10_000 });
    const saved = await caller.pages.get({ projectId: project.id, pageId: page.id });
    expect(saved.draft.blocks.map((b) => [b.id, b.props.text])).toEqual([
      ['heading_1', 'Hello shoppers'],
      ['text_1', 'Some text'],
    ]);
  });

  it('makes an older version live again from the editor, and duplicates a page and sets home from the list', async () => {
    const { caller } = await signUpBuilder(env.handle, 'versions');
    const project = await caller.project.create({ name: 'Versions', slug: `versions-${uniqueSuffix()}` });
    const page = await caller.pages.create({ projectId: project.id, title: 'Pricing' });
    let revision = (await caller.pages.get({ projectId: project.id, pageId: page.id })).revision;
    for (const text of ['First', 'Second']) {
      const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
      revision = (
        await caller.pages.saveDraft({
          projectId: project.id,
          pageId: page.id,
          expectedRevision: revision,
          definition: { ...got.draft, blocks: [{ id: 'h', kind: 'heading', props: { text } }] },
        })
      ).revision;
      await caller.pages.publish({ projectId: project.id, pageId: page.id });
    }
    await show(caller, <PageEditor projectId={project.id} pageId={page.id} />, () =>
      screen.getByRole('button', { name: 'Make live again' }),
    );
    expect(screen.getByText(/^Version 2/).textContent).toContain('live');
    act(() => screen.getByRole('button', { name: 'Make live again' }).click());
    await waitFor(() => expect(screen.getByText(/^Version 3/).textContent).toContain('live'), { timeout: 10_000 });
    // The editor's draft is the rolled-back version's.
    act(() => screen.getByRole('button', { name: 'Heading h' }).click());
    await waitFor(() =>
      expect((screen.getByRole('textbox', { name: 'Text' }) as HTMLInputElement).value).toBe('First'),
    );
    expect((await caller.pages.versions({ projectId: project.id, pageId: page.id })).map((v) => v.live)).toEqual([
      true,
      false,
      false,
    ]);
    cleanup();

    await show(caller, <PageList projectId={project.id} />, () => screen.getByRole('link', { name: 'Pricing' }));
    const row = (title: string) =>
      screen.getAllByRole('listitem').find((li) => within(li).queryByRole('link', { name: title })) as HTMLElement;
    act(() => within(row('Pricing')).getByRole('button', { name: 'Duplicate' }).click());
    await waitFor(() => screen.getByRole('link', { name: 'Pricing (copy)' }), { timeout: 10_000 });
    expect(row('Pricing (copy)').textContent).toContain('/pricing-copy');
    act(() => within(row('Pricing (copy)')).getByRole('button', { name: 'Set as home' }).click());
    await waitFor(() => expect(row('Pricing (copy)').textContent).toContain('· home'), { timeout: 10_000 });
    expect(within(row('Pricing (copy)')).queryByRole('button', { name: 'Set as home' })).toBeNull();
    expect(within(row('Pricing')).getByRole('button', { name: 'Set as home' })).toBeTruthy();
  });
});
