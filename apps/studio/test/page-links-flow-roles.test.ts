import { createRole, createTable, deleteRole } from '@tillflow/data-model';
import { uniqueSuffix } from '@tillflow/db/testing';
import { describe, expect, it } from 'vitest';
import type { PageView } from '~/server/pages/render';
import { appClient } from './app-client';
import { withDbAndSandbox } from './db-and-sandbox';
import { signUpBuilder } from './helpers';

// A page's button that runs an actionflow is checked against the flow's allowed roles at save and at publish:
// a role the flow names that was deleted since, or a flow none of the page's roles may run, is refused in words.
describe('page links and actionflow roles are checked at save and publish', { timeout: 120_000 }, () => {
  const env = withDbAndSandbox(240_000);

  it('refuses a flow whose allowed roles name a deleted role, or that the page’s roles cannot run', async () => {
    const { caller } = await signUpBuilder(env.handle, 'flowroles');
    const project = await caller.project.create({ name: 'Club', slug: `club-${uniqueSuffix()}` });
    await createTable(env.handle.db, project.id, { name: 'note', columns: [{ name: 'text', type: 'text' }] });
    await createRole(env.handle.db, project.id, 'vip');
    await createRole(env.handle.db, project.id, 'staff');
    const flow = await caller.flows.create({ projectId: project.id, name: 'Loyalty points' });
    const loaded = await caller.flows.get({ projectId: project.id, flowId: flow.id });
    await caller.flows.saveDraft({
      projectId: project.id,
      flowId: flow.id,
      expectedRevision: loaded.revision,
      definition: {
        trigger: {
          kind: 'app_call',
          inputs: [],
          outputs: [{ name: 'points', type: 'number' }],
          roles: ['vip', 'user'],
        },
        graph: {
          nodes: [
            { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
            {
              id: 'answer',
              type: 'app_return',
              config: { values: { points: '{{ 10 }}' } },
              position: { x: 0, y: 100 },
            },
          ],
          edges: [{ id: 'e1', source: 'trigger', target: 'answer' }],
        },
      },
    });
    await caller.flows.publish({ projectId: project.id, flowId: flow.id });

    const page = await caller.pages.create({ projectId: project.id, title: 'Points' });
    const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
    const button = {
      id: 'points',
      kind: 'button',
      props: { label: 'My points', onClick: { steps: [{ type: 'call_flow', flowId: flow.id }] } },
    };
    let revision = got.revision;
    const save = async (access: unknown) => {
      const saved = await caller.pages.saveDraft({
        projectId: project.id,
        pageId: page.id,
        expectedRevision: revision,
        definition: { ...got.draft, access, blocks: [button] },
      });
      revision = saved.revision;
      return saved.issues;
    };
    const publish = () => caller.pages.publish({ projectId: project.id, pageId: page.id });

    expect(await save({ kind: 'signed_in' })).toEqual([]);
    expect(await publish()).toEqual({ version: 1 });

    // "vip" is deleted; the flow still names it. Saving says so, publishing refuses, in words.
    await deleteRole(env.handle.db, project.id, 'vip');
    const stale = await save({ kind: 'signed_in' });
    expect(stale.map((i) => [i.code, i.message])).toEqual([
      [
        'unknown_role',
        'Run an actionflow: "Loyalty points" may be run by "vip", which is no longer a role. Untick it under the actionflow\'s trigger (Roles that may run it).',
      ],
    ]);
    await expect(publish()).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message:
        'This page cannot be published: points: Run an actionflow: "Loyalty points" may be run by "vip", which is no longer a role. Untick it under the actionflow\'s trigger (Roles that may run it).',
    });

    // The flow lists only roles that still exist again; a page only "staff" may open cannot run it.
    const again = await caller.flows.get({ projectId: project.id, flowId: flow.id });
    await caller.flows.saveDraft({
      projectId: project.id,
      flowId: flow.id,
      expectedRevision: again.revision,
      definition: {
        ...again.draft,
        trigger: { kind: 'app_call', inputs: [], outputs: [{ name: 'points', type: 'number' }], roles: ['user'] },
      },
    });
    await caller.flows.publish({ projectId: project.id, flowId: flow.id });
    await save({ kind: 'roles', roles: ['staff'] });
    await expect(publish()).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message:
        'This page cannot be published: points: Run an actionflow: "Loyalty points" may be run only by "user", and this page is open to "staff". Tick one of this page\'s roles under the actionflow\'s trigger, or limit the page to a role that may run it.',
    });
    expect(await save({ kind: 'roles', roles: ['user'] })).toEqual([]);
    expect(await publish()).toEqual({ version: 2 });
  });

  it('a navigation link fills its page’s address parameters from the page it is on', async () => {
    const { caller } = await signUpBuilder(env.handle, 'navlinks');
    const slug = `links-${uniqueSuffix()}`;
    const project = await caller.project.create({ name: 'Links', slug });
    const page = await caller.pages.create({ projectId: project.id, title: 'Member' });
    const got = await caller.pages.get({ projectId: project.id, pageId: page.id });
    const links = [
      { label: 'Their notes', to: '/notes/:noteId', params: { noteId: '{{ page.params.memberId }}' } },
      { label: 'Home', to: '/' },
    ];
    const saved = await caller.pages.saveDraft({
      projectId: project.id,
      pageId: page.id,
      expectedRevision: got.revision,
      definition: { ...got.draft, path: '/club/:memberId', blocks: [{ id: 'nav', kind: 'nav_bar', props: { links } }] },
    });
    // No page at /notes/:noteId yet: a warning, not a refusal.
    expect(saved.issues.map((i) => [i.code, i.severity])).toEqual([['unknown_page', 'warning']]);
    await caller.pages.publish({ projectId: project.id, pageId: page.id });
    const answer = await appClient(env.handle, slug).query<{ view?: PageView }>('page', { path: '/club/7' });
    expect(answer.view?.blocks[0]).toMatchObject({
      kind: 'nav_bar',
      links: [
        { label: 'Their notes', href: `/app/${slug}/notes/7` },
        { label: 'Home', href: `/app/${slug}` },
      ],
    });
  });
});
