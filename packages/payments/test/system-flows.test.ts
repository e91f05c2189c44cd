import { getTable, listTables, removeColumn } from '@tillflow/data-model';
import { type DbHandle, flows as flowRows, flowVersions } from '@tillflow/db';
import { validateFlow } from '@tillflow/flow-model/validate';
import { getFlow, listFlows } from '@tillflow/runtime';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPaymentsMaintenance, upgradePaymentsProjects } from '../src/maintenance';
import { createStripeClient } from '../src/stripe-client';
import { createPaymentsProject, paymentServices, type Sandbox, startEnvironment } from './harness';

describe('system flows generated at activation', () => {
  let handle: DbHandle;
  let sandbox: Sandbox;
  beforeAll(async () => {
    ({ handle, sandbox } = await startEnvironment());
  });
  afterAll(async () => {
    await sandbox.close();
    await handle.close();
  });

  it('creates the five published system flows, each valid, with locked trigger, callback and branch', async () => {
    const { project } = await createPaymentsProject(handle, sandbox);
    const flows = await listFlows(handle.db, project.id);
    expect(flows.map((f) => f.name).sort()).toEqual([
      'StripeDispute',
      'StripePayment',
      'StripeRecurringPaymentDeduction',
      'StripeRecurringPaymentManagement',
      'StripeRefund',
    ]);
    const tables = (await listTables(handle.db, project.id)).map((t) => ({
      name: t.name,
      columns: t.columns.map((c) => ({ name: c.name, type: c.type })),
    }));
    for (const summary of flows) {
      const flow = await getFlow(handle.db, summary.id);
      expect(flow?.kind).toBe('system');
      expect(flow?.publishedVersionId).toBeTruthy();
      const definition = flow?.draft as Parameters<typeof validateFlow>[0];
      expect(validateFlow(definition, { tables })).toEqual([]);
      const locked = definition.graph.nodes.filter((n) => n.locked).map((n) => n.id);
      expect(locked).toEqual(['trigger', 'callback', 'branch']);
    }
    const payment = await getFlow(handle.db, flows.find((f) => f.name === 'StripePayment')?.id as string);
    const update = (payment!.draft as Parameters<typeof validateFlow>[0]).graph.nodes.find(
      (n) => n.id === 'update_order',
    );
    expect(update?.config).toMatchObject({ table: 'order', values: { status: 'paid' } });
  });

  it('maintenance brings a project activated before today up to date: new system flows, endpoints and columns', async () => {
    const { project, account } = await createPaymentsProject(handle, sandbox);
    // As activated by an older release: no dispute flow, no review column.
    await handle.db
      .delete(flowRows)
      .where(and(eq(flowRows.projectId, project.id), eq(flowRows.systemKind, 'StripeDispute')));
    await removeColumn(handle.db, project.id, 'payment', 'review_reason', { allowSystem: true });
    const [report] = await runPaymentsMaintenance(paymentServices(handle), { projectIds: [project.id] });
    expect(report.error).toBeUndefined();
    expect((await listFlows(handle.db, project.id)).map((f) => f.name)).toContain('StripeDispute');
    expect((await getTable(handle.db, project.id, 'payment')).columns.map((c) => c.name)).toContain('review_reason');
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    expect((await stripe.webhookEndpoints.list({ limit: 100 })).data).toHaveLength(5);
  });

  it('at start-up, a project activated by an older release gets the events its refund flow lacks, and new columns, at once', async () => {
    const { project, account } = await createPaymentsProject(handle, sandbox);
    const refundFlow = (await listFlows(handle.db, project.id)).find((f) => f.systemKind === 'StripeRefund');
    if (!refundFlow) throw new Error('no refund flow');
    // As an older release left it: its trigger and published version without charge.refund.updated.
    const older = (events: string[]) => events.filter((e) => e !== 'charge.refund.updated');
    const draft = refundFlow.draft as { trigger: { kind: 'stripe_webhook'; events: string[] } };
    const trigger = { kind: 'stripe_webhook' as const, events: older(draft.trigger.events) };
    await handle.db
      .update(flowRows)
      .set({ trigger, draft: { ...draft, trigger } })
      .where(eq(flowRows.id, refundFlow.id));
    const [published] = await handle.db
      .select()
      .from(flowVersions)
      .where(eq(flowVersions.id, String(refundFlow.publishedVersionId)));
    await handle.db
      .update(flowVersions)
      .set({ definition: { ...(published.definition as object), trigger } })
      .where(eq(flowVersions.id, published.id));
    await removeColumn(handle.db, project.id, 'payment', 'amount_lost', { allowSystem: true });

    const report = await upgradePaymentsProjects(paymentServices(handle));
    expect(report.find((r) => r.projectId === project.id)).toEqual({ projectId: project.id });
    const after = (await listFlows(handle.db, project.id)).find((f) => f.id === refundFlow.id);
    expect((after?.trigger as { events?: string[] } | undefined)?.events).toContain('charge.refund.updated');
    const [version] = await handle.db
      .select()
      .from(flowVersions)
      .where(eq(flowVersions.id, String(after?.publishedVersionId)));
    expect(version.version).toBe(2);
    expect((version.definition as { trigger: { events: string[] } }).trigger.events).toContain('charge.refund.updated');
    expect((await getTable(handle.db, project.id, 'payment')).columns.map((c) => c.name)).toContain('amount_lost');
    // A second start changes nothing.
    await upgradePaymentsProjects(paymentServices(handle));
    const again = (await listFlows(handle.db, project.id)).find((f) => f.id === refundFlow.id);
    expect(again?.publishedVersionId).toBe(after?.publishedVersionId);
    const stripe = createStripeClient(account.secretKey, sandbox.url);
    const refundEndpoint = (await stripe.webhookEndpoints.list({ limit: 100 })).data.find(
      (e) => e.metadata?.tillflow_purpose === 'StripeRefund',
    );
    expect(refundEndpoint?.enabled_events).toContain('charge.refund.updated');
  });
});
