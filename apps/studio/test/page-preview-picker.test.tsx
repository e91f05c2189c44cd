// @vitest-environment jsdom

import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createTestDb } from '@tillflow/db/testing';
import type { PageDefinition } from '@tillflow/page-model';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PreviewedPage } from '~/app/app/[projectSlug]/_components/built-page';
import { AppProviders } from '~/app/app/[projectSlug]/_components/trpc';
import { PagePreview } from '~/app/projects/[projectId]/pages/_components/page-preview';
import { asMember } from './as-member';
import { appWithOwnedOrders } from './helpers';

afterEach(cleanup);

// The preview's blocks never navigate; the app router itself is not mounted in a component test.
const pushed: string[] = [];
vi.mock('next/navigation', () => ({
  useRouter: () => ({ push: (href: string) => pushed.push(href), replace: vi.fn(), refresh: vi.fn() }),
  usePathname: () => '/',
  useSearchParams: () => new URLSearchParams(),
  useParams: () => ({}),
}));

const draft = (path: string) =>
  ({ title: 'Orders', path, access: { kind: 'public' }, blocks: [] }) as unknown as PageDefinition;
const frameSrc = () => new URL((screen.getByTitle('Page preview') as HTMLIFrameElement).src, 'http://x');

describe('page editor preview: "Preview as" a visitor, one of the app’s users or a role', { timeout: 120_000 }, () => {
  let handle: Awaited<ReturnType<typeof createTestDb>>;
  beforeAll(async () => {
    handle = await createTestDb();
  }, 240_000);
  afterAll(async () => handle.close());

  it('picks a role or a user from the project, fills address values, and reloads after each autosave', async () => {
    const { builder, project, bob } = await appWithOwnedOrders(handle);
    const wrap = asMember(builder.caller, 'owner');
    const ui = (saveState: string, path = '/orders') =>
      wrap(<PagePreview projectId={project.id} pageId={9} draft={draft(path)} saveState={saveState} reloadKey={0} />);
    const view = render(ui('saved'));
    expect(frameSrc().pathname).toBe(`/preview/${project.id}/9`);
    expect(frameSrc().searchParams.get('as')).toBe('visitor');
    const previewAs = screen.getByRole('combobox', { name: 'Preview as' });
    await waitFor(() =>
      expect((screen.getByRole('option', { name: 'Role…' }) as HTMLOptionElement).disabled).toBe(false),
    );
    fireEvent.change(previewAs, { target: { value: 'role' } });
    const role = screen.getByRole('combobox', { name: 'Role' });
    expect([...role.querySelectorAll('option')].map((o) => o.textContent)).toContain('admin');
    fireEvent.change(role, { target: { value: 'admin' } });
    expect(frameSrc().searchParams.get('as')).toBe('role:admin');

    fireEvent.change(previewAs, { target: { value: 'user' } });
    const user = screen.getByRole('combobox', { name: 'User' });
    const bobOption = screen.getByRole('option', { name: /^bob-.*\(user\)$/ }) as HTMLOptionElement;
    fireEvent.change(user, { target: { value: bobOption.value } });
    expect(frameSrc().searchParams.get('as')).toBe(`user:${bob.user.id}`);

    // Autosave: pending → saved reloads the frame (a new address).
    const before = frameSrc().searchParams.get('r');
    view.rerender(ui('pending'));
    view.rerender(ui('saved'));
    expect(frameSrc().searchParams.get('r')).not.toBe(before);

    view.rerender(ui('saved', '/orders/:orderId'));
    fireEvent.change(screen.getByRole('textbox', { name: 'Address value “orderId”' }), { target: { value: '7' } });
    expect(frameSrc().searchParams.get('p.orderId')).toBe('7');
    expect(frameSrc().searchParams.get('as')).toBe(`user:${bob.user.id}`);
    expect(screen.getByText(/Buttons and forms do not run here/)).toBeTruthy();
  });

  it('in the preview a button and a form say actions are not run, and send nothing to the app', async () => {
    const sent: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async (input: RequestInfo | URL) => {
      sent.push(String(input));
      return new Response('{}');
    }) as typeof fetch;
    try {
      render(
        <AppProviders slug="shop">
          <PreviewedPage
            slug="shop"
            as="the role “user”"
            me={null}
            view={{
              title: 'Orders',
              tables: [],
              blocks: [
                { id: 'pay', kind: 'button', label: 'Pay', style: 'primary', itemId: 3 },
                { id: 'f', kind: 'form', submitLabel: 'Send', itemId: null, fields: [] },
              ],
            }}
          />
        </AppProviders>,
      );
      expect(screen.getByText(/Preview of the draft as the role “user”/)).toBeTruthy();
      fireEvent.click(screen.getByRole('button', { name: 'Pay' }));
      expect(screen.getByRole('status').textContent).toMatch(/^Preview: actions are not run/);
      fireEvent.click(screen.getByRole('button', { name: 'Send' }));
      expect(screen.getByRole('status').textContent).toMatch(/^Preview: actions are not run/);
      await new Promise((r) => setTimeout(r, 50));
      expect(sent).toEqual([]);
      expect(pushed).toEqual([]);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});
