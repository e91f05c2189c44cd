import type { DbHandle } from '@tillflow/db';
import { createTestDb } from '@tillflow/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blankFlow,
  createCustomFlow,
  createFlow,
  type FlowDefinition,
  getFlowVersion,
  getProjectFlow,
  listFlowSummaries,
  listFlowVersionSummaries,
  publishFlow,
  replayEvent,
  saveFlowDraft,
  saveProjectFlowDraft,
  storedEventPayload,
} from '../src';
import { createRuntimeProject } from './harness';

const withLockedNode = (config: Record<string, unknown>): FlowDefinition => ({
  trigger: { kind: 'manual' },
  graph: {
    nodes: [
      { id: 'trigger', type: 'trigger', config: {}, position: { x: 0, y: 0 } },
      { id: 'callback', type: 'log', label: 'Payment callback', locked: true, config, position: { x: 200, y: 0 } },
    ],
    edges: [{ id: 'e1', source: 'trigger', target: 'callback' }],
  },
});

describe("a project's flows as the studio reads them", () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(async () => {
    await handle.close();
  });

  it('lists each flow as draft, published or changed, and only the flows of the project asked about', async () => {
    const project = await createRuntimeProject(handle);
    const other = await createRuntimeProject(handle);
    const flow = await createFlow(handle.db, {
      projectId: project.id,
      name: 'F',
      kind: 'custom',
      definition: blankFlow([]),
    });
    await createFlow(handle.db, { projectId: other.id, name: 'Elsewhere', kind: 'custom', definition: blankFlow([]) });
    const statusOf = async () => (await listFlowSummaries(handle.db, project.id)).map((f) => [f.name, f.status]);

    expect(await statusOf()).toEqual([['F', 'draft']]);
    await publishFlow(handle.db, flow.id, null, { skipValidation: true });
    expect(await statusOf()).toEqual([['F', 'published']]);
    await saveFlowDraft(handle.db, flow.id, blankFlow(['payment_intent.succeeded']), flow.draftRevision);
    expect(await statusOf()).toEqual([['F', 'changed']]);
    const [summary] = await listFlowSummaries(handle.db, project.id);
    expect(summary).toMatchObject({
      publishedVersion: 1,
      nodeCount: 1,
      trigger: { kind: 'stripe_webhook', events: ['payment_intent.succeeded'] },
      lastRun: null,
      runCount: 0,
      failureCount: 0,
    });
  });

  it("reads another project's flow, a version of another flow and an event it never received as not found", async () => {
    const project = await createRuntimeProject(handle);
    const other = await createRuntimeProject(handle);
    const flow = await createFlow(handle.db, {
      projectId: project.id,
      name: 'Mine',
      kind: 'custom',
      definition: blankFlow([]),
      publish: true,
      skipValidation: true,
    });
    const otherFlow = await createFlow(handle.db, {
      projectId: other.id,
      name: 'Theirs',
      kind: 'custom',
      definition: blankFlow([]),
      publish: true,
      skipValidation: true,
    });
    expect((await getProjectFlow(handle.db, project.id, flow.id)).name).toBe('Mine');
    await expect(getProjectFlow(handle.db, other.id, flow.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Flow not found.',
    });
    await expect(getFlowVersion(handle.db, flow.id, String(otherFlow.publishedVersionId))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(
      storedEventPayload(handle.db, project.id, '00000000-0000-4000-8000-000000000000'),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'Event not found.' });
    await expect(replayEvent(handle, '00000000-0000-4000-8000-000000000000', project.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Event not found.',
    });
  });

  it('refuses a draft that changes a locked node of the live version; moving it or a stale revision are told apart', async () => {
    const project = await createRuntimeProject(handle);
    const flow = await createFlow(handle.db, {
      projectId: project.id,
      name: 'System-like',
      kind: 'custom',
      definition: withLockedNode({ message: 'paid' }),
      publish: true,
      skipValidation: true,
    });
    const save = (definition: FlowDefinition, expectedRevision: number) =>
      saveProjectFlowDraft(handle.db, project.id, { flowId: flow.id, definition, expectedRevision });

    await expect(save(withLockedNode({ message: 'changed' }), flow.draftRevision)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: "'Payment callback' is a built-in step and cannot be changed.",
    });
    const moved = withLockedNode({ message: 'paid' });
    moved.graph.nodes[1].position = { x: 400, y: 100 };
    const saved = await save(moved, flow.draftRevision);
    expect(saved.revision).toBe(flow.draftRevision + 1);
    await expect(save(moved, flow.draftRevision)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('creates a custom flow from a blank canvas or a template, refusing a template that does not exist', async () => {
    const project = await createRuntimeProject(handle);
    const blank = await createCustomFlow(handle.db, {
      projectId: project.id,
      name: 'Blank',
      events: ['charge.refunded'],
      createdBy: null,
    });
    expect((await getProjectFlow(handle.db, project.id, blank.id)).draft).toMatchObject({
      trigger: { kind: 'stripe_webhook', events: ['charge.refunded'] },
    });
    await expect(
      createCustomFlow(handle.db, { projectId: project.id, name: 'X', template: 'nope', events: [], createdBy: null }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: "There is no template 'nope'." });
    expect(await listFlowVersionSummaries(handle.db, blank)).toEqual([]);
  });
});
