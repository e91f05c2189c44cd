import { type DbHandle, webhookEndpoints } from '@tillflow/db';
import { blankFlow, createFlow, type FlowDefinition, getFlow, saveFlowDraft } from '@tillflow/runtime';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteProjectFlow, publishProjectFlow, rollbackProjectFlow } from '../src';
import { createPaymentsProject, paymentServices, type Sandbox, startEnvironment } from './harness';

/** A custom flow listening to these Stripe events with one node of a type nobody knows (the validator refuses it). */
function unknownNodeFlow(events: string[]): FlowDefinition {
  const flow = blankFlow(events);
  flow.graph.nodes.push({ id: 'x', type: 'no_such_type', config: {}, position: { x: 200, y: 0 } });
  flow.graph.edges.push({ id: 'e1', source: 'trigger', target: 'x' });
  return flow;
}

describe('publishing, restoring and deleting a flow: its Stripe endpoint follows', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
  });
  afterAll(async () => {
    await sandbox.close();
    await handle.close();
  });

  const endpointsOf = (flowId: string) =>
    handle.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.flowId, flowId));

  it('a custom flow the validator refuses registers no endpoint; once valid, its endpoint has only its events', async () => {
    const { project } = await createPaymentsProject(handle, sandbox, { activate: false });
    const flow = await createFlow(handle.db, {
      projectId: project.id,
      name: 'Refund alert',
      kind: 'custom',
      definition: unknownNodeFlow(['charge.refunded']),
    });
    await expect(publishProjectFlow(paymentServices(handle), project.id, flow.id, null)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('no_such_type'),
    });
    expect(await endpointsOf(flow.id)).toEqual([]);
    expect((await getFlow(handle.db, flow.id))?.publishedVersionId).toBeNull();

    await saveFlowDraft(handle.db, flow.id, blankFlow(['charge.refunded']), flow.draftRevision);
    expect(await publishProjectFlow(paymentServices(handle), project.id, flow.id, null)).toMatchObject({ version: 1 });
    const [endpoint] = await endpointsOf(flow.id);
    expect(endpoint).toMatchObject({ purpose: 'custom', enabledEvents: ['charge.refunded'] });
    expect(endpoint.stripeEndpointId).toMatch(/^we_/);
  });

  it('restoring an older version points the same endpoint back at that version’s events', async () => {
    const { project } = await createPaymentsProject(handle, sandbox, { activate: false });
    const flow = await createFlow(handle.db, {
      projectId: project.id,
      name: 'Watcher',
      kind: 'custom',
      definition: blankFlow(['charge.refunded']),
    });
    const first = await publishProjectFlow(paymentServices(handle), project.id, flow.id, null);
    const revision = await saveFlowDraft(
      handle.db,
      flow.id,
      blankFlow(['charge.refunded', 'charge.dispute.created']),
      flow.draftRevision,
    );
    await publishProjectFlow(paymentServices(handle), project.id, flow.id, null);
    const [before] = await endpointsOf(flow.id);
    expect(before.enabledEvents).toEqual(['charge.refunded', 'charge.dispute.created']);

    const rolled = await rollbackProjectFlow(
      paymentServices(handle),
      project.id,
      { flowId: flow.id, versionId: first.versionId, expectedRevision: revision },
      null,
    );
    expect(rolled).toMatchObject({ version: 3, restored: 1 });
    const after = await endpointsOf(flow.id);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before.id, enabledEvents: ['charge.refunded'] });
  });

  it('a system flow cannot be deleted; a custom flow goes with its endpoint; another project’s flow is not found', async () => {
    const { project } = await createPaymentsProject(handle, sandbox, { activate: false });
    const { project: other } = await createPaymentsProject(handle, sandbox, { activate: false });
    const system = await createFlow(handle.db, {
      projectId: project.id,
      name: 'StripePayment',
      kind: 'system',
      definition: blankFlow([]),
    });
    await expect(deleteProjectFlow(paymentServices(handle), project.id, system.id)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'StripePayment is a system flow of the payment module and cannot be deleted.',
    });
    const custom = await createFlow(handle.db, {
      projectId: project.id,
      name: 'Temporary',
      kind: 'custom',
      definition: blankFlow(['charge.refunded']),
    });
    await publishProjectFlow(paymentServices(handle), project.id, custom.id, null);
    expect(await endpointsOf(custom.id)).toHaveLength(1);
    await expect(deleteProjectFlow(paymentServices(handle), other.id, custom.id)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await deleteProjectFlow(paymentServices(handle), project.id, custom.id)).toEqual({ deleted: true });
    expect(await getFlow(handle.db, custom.id)).toBeNull();
    expect(await endpointsOf(custom.id)).toEqual([]);
  });
});
