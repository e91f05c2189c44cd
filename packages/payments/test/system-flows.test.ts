import { listTables } from '@tillflow/data-model';
import type { DbHandle } from '@tillflow/db';
import { validateFlow } from '@tillflow/flow-model/validate';
import { getFlow, listFlows } from '@tillflow/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPaymentsProject, type Sandbox, startEnvironment } from './harness';

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

  it('creates the four published system flows, each valid, with locked trigger, callback and branch', async () => {
    const { project } = await createPaymentsProject(handle, sandbox);
    const flows = await listFlows(handle.db, project.id);
    expect(flows.map((f) => f.name).sort()).toEqual([
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
});
