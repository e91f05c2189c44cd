import { insertRow, queryRows, setActionPermission } from '@tillflow/data-model';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreviewAnswer } from '~/server/pages/preview';
import type { PageView, ViewNode } from '~/server/pages/render';
import { appWithOwnedOrders, signUpBuilder } from './helpers';

const walk = (nodes: ViewNode[]): ViewNode[] =>
  nodes.flatMap((n) => [
    n,
    ...('children' in n ? walk(n.children) : []),
    ...(n.kind === 'data_list' ? n.items.flatMap((i) => walk(i.children)) : []),
  ]);
const texts = (answer: PreviewAnswer) =>
  answer.status === 'ok'
    ? walk(answer.view.blocks)
        .filter((n): n is Extract<ViewNode, { kind: 'text' }> => n.kind === 'text')
        .map((n) => n.text)
    : [];
const buttons = (view: PageView | undefined) =>
  walk(view?.blocks ?? [])
    .filter((n): n is Extract<ViewNode, { kind: 'button' }> => n.kind === 'button')
    .map((n) => n.label);

describe('page preview: the draft with real data as a chosen user or role, for project members only', {
  timeout: 120_000,
}, () => {
  let handle: Awaited<ReturnType<typeof createTestDb>>;
  beforeAll(async () => {
    handle = await createTestDb();
  }, 240_000);
  afterAll(async () => handle.close());

  /** A shop where Ann and Bob each own one order, and an UNPUBLISHED page listing orders with a Refund button. */
  async function shopWithDraft() {
    const app = await appWithOwnedOrders(handle);
    const { project } = app;
    await insertRow(handle.db, project.id, { kind: 'backend' }, 'order', { title: 'Ann tea', buyer: app.ann.user.id });
    await insertRow(handle.db, project.id, { kind: 'backend' }, 'order', { title: 'Bob cake', buyer: app.bob.user.id });
    await setActionPermission(handle.db, project.id, { role: 'admin', action: 'stripe.refund', allowed: true });
    const { caller } = app.builder;
    const page = await caller.pages.create({ projectId: project.id, title: 'Orders' });
    const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
    await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: got.revision,
      definition: {
        ...got.draft,
        blocks: [
          { id: 'hello', kind: 'text', props: { text: 'Draft: hello {{ user.email }}' } },
          {
            id: 'orders',
            kind: 'data_list',
            props: { table: 'order', sort: { column: 'title', direction: 'asc' } },
            children: [{ id: 'title', kind: 'text', props: { text: '{{ item.title }}' } }],
          },
          {
            id: 'refund',
            kind: 'button',
            props: { label: 'Refund', onClick: { steps: [{ type: 'refund', paymentId: '1' }] } },
          },
        ],
      },
    });
    const preview = (as: Record<string, unknown>, c = caller) =>
      c.pages.preview({ projectId: project.id, pageId: page.id, as: as as never });
    return { ...app, page, preview };
  }

  it('shows the unpublished draft, as a chosen user only that user’s rows, as a role that role’s rows', async () => {
    const { project, slug, ann, bob, preview } = await shopWithDraft();
    // Nothing is published: the app has no page there, the preview shows the draft.
    expect((await ann.client.query<{ status: string }>('page', { path: '/orders' })).status).toBe('missing');
    const asAnn = await preview({ kind: 'user', userId: ann.user.id });
    expect(asAnn).toMatchObject({ status: 'ok', me: { email: expect.stringMatching(/^ann-/) } });
    expect(texts(asAnn)).toEqual([expect.stringMatching(/^Draft: hello ann-/), 'Ann tea']);
    expect(texts(await preview({ kind: 'user', userId: bob.user.id }))).toEqual([
      expect.stringMatching(/^Draft: hello bob-/),
      'Bob cake',
    ]);
    // A role with no particular user: its scope is "own rows", and nobody's rows are theirs.
    expect(texts(await preview({ kind: 'role', role: 'user' }))).toEqual(['Draft: hello ']);
    // A visitor may read no orders at all: the list says so inline, the rest of the page still shows.
    const visitor = await preview({ kind: 'visitor' });
    expect(visitor.status === 'ok' && walk(visitor.view.blocks).map((n) => n.kind)).toEqual(['text', 'error']);
    // The preview read; it wrote nothing.
    const { rows } = await queryRows(handle.db, project.id, { kind: 'backend' }, 'order', {});
    expect(rows).toHaveLength(2);
    expect(slug).toBeTruthy();
  });

  it('as a role without refund permission there is no Refund button; as a role with it, there is', async () => {
    const { preview } = await shopWithDraft();
    const asUser = await preview({ kind: 'role', role: 'user' });
    expect(buttons(asUser.status === 'ok' ? asUser.view : undefined)).toEqual([]);
    const asAdmin = await preview({ kind: 'role', role: 'admin' });
    expect(buttons(asAdmin.status === 'ok' ? asAdmin.view : undefined)).toEqual(['Refund']);
  });

  it('a builder who is not a member is refused, and a member cannot preview as another project’s user or role', async () => {
    const { project, page, ann, preview } = await shopWithDraft();
    const stranger = await signUpBuilder(handle, 'stranger');
    await expect(preview({ kind: 'user', userId: ann.user.id }, stranger.caller)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    // The stranger's own project: the other project's page, user and role are not found there.
    const own = await stranger.caller.project.create({ name: 'Other', slug: `other-${project.id}-${Date.now()}` });
    await expect(
      stranger.caller.pages.preview({ projectId: own.id, pageId: page.id, as: { kind: 'visitor' } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const mine = await stranger.caller.pages.create({ projectId: own.id, title: 'Mine' });
    await expect(
      stranger.caller.pages.preview({ projectId: own.id, pageId: mine.id, as: { kind: 'user', userId: ann.user.id } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'There is no such user in this app.' });
    await expect(
      stranger.caller.pages.preview({ projectId: own.id, pageId: mine.id, as: { kind: 'role', role: 'cashier' } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a page with an address parameter asks for it, and one for signed-in users asks a visitor to sign in', async () => {
    const { builder, project, page, ann, preview } = await shopWithDraft();
    const got = await builder.caller.pages.get({ projectId: project.id, pageId: page.id });
    await builder.caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: got.revision,
      definition: {
        ...got.draft,
        path: '/orders/:orderId',
        access: { kind: 'signed_in' },
        blocks: [{ id: 'p', kind: 'text', props: { text: 'Order {{ page.params.orderId }}' } }],
      },
    });
    expect(await preview({ kind: 'user', userId: ann.user.id })).toMatchObject({
      status: 'params',
      missing: ['orderId'],
    });
    const filled = await builder.caller.pages.preview({
      projectId: project.id,
      pageId: page.id,
      as: { kind: 'user', userId: ann.user.id },
      params: { orderId: '7' },
    });
    expect(filled).toMatchObject({ status: 'ok', path: '/orders/7' });
    expect(texts(filled)).toEqual(['Order 7']);
    expect(
      await builder.caller.pages.preview({
        projectId: project.id,
        pageId: page.id,
        as: { kind: 'visitor' },
        params: { orderId: '7' },
      }),
    ).toMatchObject({ status: 'sign_in' });
  });
});
