import { createTable } from '@tillflow/data-model';
import { auditEvents, authUser, type DbHandle, flowVersions } from '@tillflow/db';
import { createTestDb, uniqueSuffix } from '@tillflow/db/testing';
import { buildSystemFlow, type FlowDefinition } from '@tillflow/flow-model';
import { createFlow } from '@tillflow/runtime';
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller } from '~/server/api/root';
import { addMember } from '~/server/teams/members';
import { signUpBuilder } from './helpers';

// Review before publish: with the project's rule on, a payment flow goes live only when a second member with build
// rights approves; the author cannot approve their own request; the draft approved is the draft asked for.

describe('teams: review before publishing a payment flow', () => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await createTestDb();
  });
  afterAll(() => handle.close());

  /** A builder whose account carries a person's name (audit entries and the version list show it). */
  async function person(name: string) {
    const signed = await signUpBuilder(handle, name.split(' ')[0].toLowerCase());
    await handle.db.update(authUser).set({ name }).where(eq(authUser.id, signed.user.id));
    const user = { ...signed.user, name };
    return { user, caller: createCaller({ db: handle, user, headers: new Headers() }) };
  }

  async function team() {
    const owner = await person('Olive Owner');
    const project = await owner.caller.project.create({ name: 'Review shop', slug: `review-${uniqueSuffix()}` });
    await createTable(handle.db, project.id, { name: 'order', columns: [{ name: 'status', type: 'text' }] });
    const payment = await createFlow(handle.db, {
      projectId: project.id,
      name: 'StripePayment',
      kind: 'system',
      systemKind: 'StripePayment',
      definition: buildSystemFlow('StripePayment', { orderTable: 'order' }),
      publish: true,
    });
    const editor = await person('Eddie Editor');
    const second = await person('Erin Editor');
    const viewer = await person('Vic Viewer');
    await addMember(handle.db, project.id, editor.user.id, 'editor');
    await addMember(handle.db, project.id, second.user.id, 'editor');
    await addMember(handle.db, project.id, viewer.user.id, 'viewer');
    return { owner, editor, second, viewer, projectId: project.id, flowId: payment.id };
  }

  async function editDraft(caller: ReturnType<typeof createCaller>, projectId: number, flowId: string) {
    const flow = await caller.flows.get({ projectId, flowId });
    const definition: FlowDefinition = structuredClone(flow.draft);
    definition.graph.nodes[0].position = { x: definition.graph.nodes[0].position.x + 40, y: 0 };
    return caller.flows.saveDraft({ projectId, flowId, definition, expectedRevision: flow.revision });
  }

  const versionsOf = (flowId: string) =>
    handle.db.select().from(flowVersions).where(eq(flowVersions.flowId, flowId)).orderBy(desc(flowVersions.version));

  it('with the rule off, an editor publishes directly; only owners turn the rule on', async () => {
    const { owner, editor, projectId, flowId } = await team();
    await expect(editor.caller.flows.publish({ projectId, flowId })).resolves.toMatchObject({ version: 2 });
    expect(await editor.caller.flows.review({ projectId, flowId })).toEqual({ required: false, pending: null });
    await expect(editor.caller.members.setPublishReview({ projectId, on: true })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await owner.caller.members.setPublishReview({ projectId, on: true });
    expect((await editor.caller.members.list({ projectId })).reviewPaymentPublish).toBe(true);
    expect((await editor.caller.flows.review({ projectId, flowId })).required).toBe(true);
  });

  it('with the rule on: publishing directly is refused; another editor approves and it goes live, by its author', async () => {
    const { owner, editor, second, viewer, projectId, flowId } = await team();
    await owner.caller.members.setPublishReview({ projectId, on: true });
    await editDraft(editor.caller, projectId, flowId);
    await expect(editor.caller.flows.publish({ projectId, flowId })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('Request review'),
    });
    // Owners too: the rule is about two people, whatever their role.
    await expect(owner.caller.flows.publish({ projectId, flowId })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const { reviewId } = await editor.caller.flows.requestReview({ projectId, flowId, note: 'Marks orders paid' });
    const seen = await second.caller.flows.review({ projectId, flowId });
    expect(seen.pending).toMatchObject({ id: reviewId, requestedBy: 'Eddie Editor', yours: false, stale: false });
    expect((await editor.caller.flows.review({ projectId, flowId })).pending?.yours).toBe(true);

    // The author cannot approve their own request; a viewer cannot approve at all. Nothing goes live.
    await expect(editor.caller.flows.approveReview({ projectId, reviewId })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('You asked for this review'),
    });
    await expect(viewer.caller.flows.approveReview({ projectId, reviewId })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await versionsOf(flowId)).toHaveLength(1);

    const approved = await second.caller.flows.approveReview({ projectId, reviewId });
    expect(approved).toMatchObject({ version: 2, flowName: 'Payment updates', requestedBy: 'Eddie Editor' });
    const [live] = await versionsOf(flowId);
    expect(live).toMatchObject({ version: 2, createdBy: editor.user.id });
    // The version list names its author.
    const listed = await owner.caller.flows.versions({ projectId, flowId });
    expect(listed[0]).toMatchObject({ version: 2, author: 'Eddie Editor', live: true });
    expect((await editor.caller.flows.review({ projectId, flowId })).pending).toBeNull();
    // Approving twice is refused.
    await expect(second.caller.flows.approveReview({ projectId, reviewId })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    const trail = await handle.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.projectId, projectId), eq(auditEvents.area, 'flows')))
      .orderBy(auditEvents.id);
    expect(trail.map((e) => [e.action, e.actorName])).toEqual([
      ['flows.requestReview', 'Eddie Editor'],
      ['flows.approveReview', 'Erin Editor'],
    ]);
    expect(trail[1].summary).toBe('Approved Eddie Editor’s change to Payment updates and published it (version 2)');
  });

  it('a draft changed after the request is not published; a turned-down request publishes nothing', async () => {
    const { owner, editor, projectId, flowId } = await team();
    await owner.caller.members.setPublishReview({ projectId, on: true });
    const { reviewId } = await editor.caller.flows.requestReview({ projectId, flowId });
    await editDraft(editor.caller, projectId, flowId);
    expect((await owner.caller.flows.review({ projectId, flowId })).pending?.stale).toBe(true);
    await expect(owner.caller.flows.approveReview({ projectId, reviewId })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('Ask for a new review'),
    });
    expect(await versionsOf(flowId)).toHaveLength(1);
    // A new request replaces the open one; the owner turns it down.
    const again = await editor.caller.flows.requestReview({ projectId, flowId });
    await expect(owner.caller.flows.approveReview({ projectId, reviewId })).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
    });
    await expect(owner.caller.flows.rejectReview({ projectId, reviewId: again.reviewId })).resolves.toMatchObject({
      status: 'rejected',
    });
    expect(await versionsOf(flowId)).toHaveLength(1);
    expect((await owner.caller.flows.review({ projectId, flowId })).pending).toBeNull();
  });

  it('a flow that does not handle payments publishes directly even with the rule on', async () => {
    const { owner, editor, projectId } = await team();
    await owner.caller.members.setPublishReview({ projectId, on: true });
    const { id } = await editor.caller.flows.create({ projectId, name: 'Hello' });
    const published = await editor.caller.flows.publish({ projectId, flowId: id });
    expect(published.version).toBe(1);
  });
});
