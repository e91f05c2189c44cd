import type { DbHandle } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import type { FlowDefinition } from '@tillflow/flow-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeDrafts } from '~/lib/flow-editor';
import { addMember } from '~/server/teams/members';
import { signUpBuilder } from './helpers';

// Two members edit one flow's draft at once: the second save is refused (CONFLICT) and the person chooses: combine
// both (the editor's merge, saved naming the other version's revision), keep theirs over the other, or load the
// other. Every resolution goes through the same revision check, so a save based on an old revision never lands.

describe('teams: a draft save that conflicts is resolved through the revision check', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  async function twoEditors() {
    const owner = await signUpBuilder(handle, 'owner');
    const project = await owner.caller.project.create({ name: 'Conflict shop', slug: `conflict-${uniqueSuffix()}` });
    const editor = await signUpBuilder(handle, 'editor');
    await addMember(handle.db, project.id, editor.user.id, 'editor');
    const { id: flowId } = await owner.caller.flows.create({ projectId: project.id, name: 'Thank-you', events: [] });
    const start = await owner.caller.flows.get({ projectId: project.id, flowId });
    // A second step to edit beside the trigger.
    const definition: FlowDefinition = structuredClone(start.draft);
    definition.graph.nodes.push({ id: 'note', type: 'log', label: 'Note it', config: {}, position: { x: 0, y: 150 } });
    definition.graph.edges.push({ id: 'e1', source: 'trigger', target: 'note' });
    await owner.caller.flows.saveDraft({ projectId: project.id, flowId, definition, expectedRevision: start.revision });
    return { owner, editor, projectId: project.id, flowId };
  }

  const withLabel = (d: FlowDefinition, id: string, label: string): FlowDefinition => ({
    ...d,
    graph: { ...d.graph, nodes: d.graph.nodes.map((n) => (n.id === id ? { ...n, label } : n)) },
  });

  it('combines two members’ changes to different steps; the stale save never overwrites', async () => {
    const { owner, editor, projectId, flowId } = await twoEditors();
    const ownerCopy = await owner.caller.flows.get({ projectId, flowId });
    const editorCopy = await editor.caller.flows.get({ projectId, flowId });
    // The editor saves first (renames the trigger); the owner's save (renames the note) is refused.
    await editor.caller.flows.saveDraft({
      projectId,
      flowId,
      definition: withLabel(editorCopy.draft, 'trigger', 'When a thank-you is due'),
      expectedRevision: editorCopy.revision,
    });
    const mine = withLabel(ownerCopy.draft, 'note', 'Write it down');
    await expect(
      owner.caller.flows.saveDraft({ projectId, flowId, definition: mine, expectedRevision: ownerCopy.revision }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });

    // The dialog loads theirs, combines, and saves naming their revision.
    const theirs = await owner.caller.flows.get({ projectId, flowId });
    const merged = mergeDrafts(ownerCopy.draft, mine, theirs.draft);
    expect(merged.ok).toBe(true);
    if (!merged.ok) return;
    await owner.caller.flows.saveDraft({
      projectId,
      flowId,
      definition: merged.definition,
      expectedRevision: theirs.revision,
    });
    const stored = await editor.caller.flows.get({ projectId, flowId });
    expect(stored.draft.graph.nodes.map((n) => [n.id, n.label])).toEqual(
      expect.arrayContaining([
        ['trigger', 'When a thank-you is due'],
        ['note', 'Write it down'],
      ]),
    );
    // The editor's copy is now stale too: their next save is refused, not silently overwriting the combination.
    await expect(
      editor.caller.flows.saveDraft({
        projectId,
        flowId,
        definition: editorCopy.draft,
        expectedRevision: theirs.revision,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('both changed the same step: “keep my version” replaces theirs only from the newest revision', async () => {
    const { owner, editor, projectId, flowId } = await twoEditors();
    const ownerCopy = await owner.caller.flows.get({ projectId, flowId });
    const editorCopy = await editor.caller.flows.get({ projectId, flowId });
    await editor.caller.flows.saveDraft({
      projectId,
      flowId,
      definition: withLabel(editorCopy.draft, 'note', 'Theirs'),
      expectedRevision: editorCopy.revision,
    });
    const mine = withLabel(ownerCopy.draft, 'note', 'Mine');
    const theirs = await owner.caller.flows.get({ projectId, flowId });
    expect(mergeDrafts(ownerCopy.draft, mine, theirs.draft)).toEqual({
      ok: false,
      clashes: ['the step “Note it”: you both changed it'],
    });
    // A third save lands in between: keeping mine against the revision seen is refused again.
    await editor.caller.flows.saveDraft({
      projectId,
      flowId,
      definition: withLabel(theirs.draft, 'note', 'Theirs again'),
      expectedRevision: theirs.revision,
    });
    await expect(
      owner.caller.flows.saveDraft({ projectId, flowId, definition: mine, expectedRevision: theirs.revision }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const newest = await owner.caller.flows.get({ projectId, flowId });
    await owner.caller.flows.saveDraft({ projectId, flowId, definition: mine, expectedRevision: newest.revision });
    expect(
      (await editor.caller.flows.get({ projectId, flowId })).draft.graph.nodes.find((n) => n.id === 'note')?.label,
    ).toBe('Mine');
  });
});
